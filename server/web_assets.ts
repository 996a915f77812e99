/**
 * Serves the dashboard from `web/dist` and builds it when the build is missing or older than its
 * sources, so that `deno task start` always shows the dashboard the sources describe.
 *
 * Vite names bundled files by content hash (`assets/index-DiAf3ulF.js`), so those are cached for a
 * year; `index.html` must be revalidated on every visit so a new build is picked up at once. Paths
 * that name no file and look like a page (no extension) get `index.html`: the dashboard routes
 * `/market`, `/pair`, `/scanner` itself.
 */

export interface WebAssetsOptions {
  /** The dashboard folder holding `index.html`, `src/`, `package.json` and `build.ts`. Default: `web/` of this repository. */
  webDir?: string | URL;
  /**
   * Builds the dashboard into `<webDir>/dist`. Default: `deno install`, then
   * `deno run --allow-all build.ts`, both in `webDir`; a failure rejects with their output.
   */
  build?: (webDir: string) => Promise<void>;
  /** Progress lines ("building the dashboard"). Default: `console.log`. */
  log?: (message: string) => void;
}

export interface WebAssets {
  /**
   * The response for a dashboard path, or null when the path is not the dashboard's (the API's
   * paths, or a missing file with an extension) so the caller can answer 404.
   */
  serve(request: Request): Promise<Response | null>;
  /**
   * Builds the dashboard when `dist/index.html` is missing or older than any file under `src/`,
   * `index.html`, `package.json` or `build.ts`. Rejects with the build's output when it fails;
   * until a build succeeds, `serve` answers 503 with the reason.
   */
  ensureBuilt(): Promise<void>;
}

const API_PATHS = ["/graphql", "/healthz"];

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Vite's output names: `name-<8 or more base64url characters>.ext`. */
const HASHED_NAME = /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/** Files whose change makes the build stale (besides everything under `src/`). */
const BUILD_INPUTS = ["index.html", "package.json", "build.ts"];

export function createWebAssets(options: WebAssetsOptions = {}): WebAssets {
  const webDir = directoryPath(options.webDir ?? new URL("../web/", import.meta.url));
  const distDir = `${webDir}/dist`;
  const build = options.build ?? buildWithDeno;
  const log = options.log ?? ((message: string) => console.log(message));
  let building: Promise<void> | null = null;
  let buildFailure: string | null = null;

  async function ensureBuilt(): Promise<void> {
    if (building) return await building;
    building = (async () => {
      const builtAt = await modifiedTime(`${distDir}/index.html`);
      const newestSource = await newestModification(webDir);
      if (builtAt !== null && builtAt >= newestSource) return;
      log(
        builtAt === null
          ? `Building the dashboard (${distDir} is missing)...`
          : "Building the dashboard (its sources changed since the last build)...",
      );
      const started = performance.now();
      try {
        await build(webDir);
      } catch (error) {
        buildFailure = error instanceof Error ? error.message : String(error);
        throw error;
      }
      buildFailure = null;
      log(`Dashboard built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    })();
    try {
      await building;
    } finally {
      building = null;
    }
  }

  async function serve(request: Request): Promise<Response | null> {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const path = decodePath(new URL(request.url).pathname);
    if (path === null) return new Response("Bad path", { status: 400 });
    if (API_PATHS.some((api) => path === api || path.startsWith(`${api}/`))) return null;

    const file = path === "/" ? null : await readDistFile(path);
    if (file) return respond(request, file.body, path, cacheControlFor(path));
    if (extensionOf(path) !== "") return null;

    const index = await readDistFile("/index.html");
    if (index) return respond(request, index.body, "/index.html", "no-cache");
    return notBuiltResponse();
  }

  async function readDistFile(path: string): Promise<{ body: Uint8Array } | null> {
    try {
      const info = await Deno.stat(`${distDir}${path}`);
      if (!info.isFile) return null;
      return { body: await Deno.readFile(`${distDir}${path}`) };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
        return null;
      }
      throw error;
    }
  }

  function notBuiltResponse(): Response {
    const reason = buildFailure
      ? `The dashboard build failed:\n\n${buildFailure}`
      : building
      ? "The dashboard is being built; reload in a few seconds."
      : `The dashboard is not built (no ${distDir}/index.html). Run: deno task build:web`;
    return new Response(`${reason}\n\nThe API is up: /graphql and /healthz.\n`, {
      status: 503,
      headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "5" },
    });
  }

  return { serve, ensureBuilt };
}

function respond(request: Request, body: Uint8Array, path: string, cacheControl: string) {
  const headers = {
    "content-type": CONTENT_TYPES[extensionOf(path)] ?? "application/octet-stream",
    "content-length": String(body.byteLength),
    "cache-control": cacheControl,
    "x-content-type-options": "nosniff",
  };
  return new Response(request.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>, {
    headers,
  });
}

function cacheControlFor(path: string): string {
  if (path.startsWith("/assets/") && HASHED_NAME.test(path)) {
    return "public, max-age=31536000, immutable";
  }
  return "no-cache";
}

/** The decoded path, or null when it tries to leave the folder (`..`, NUL, backslashes). */
function decodePath(pathname: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (path.includes("\0") || path.includes("\\")) return null;
  if (path.split("/").some((segment) => segment === "..")) return null;
  return path;
}

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot).toLowerCase();
}

function directoryPath(dir: string | URL): string {
  const path = dir instanceof URL ? decodeURIComponent(dir.pathname) : dir;
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

async function modifiedTime(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** The latest modification time of the build's inputs, in ms since the epoch. */
async function newestModification(webDir: string): Promise<number> {
  let newest = 0;
  for (const name of BUILD_INPUTS) {
    newest = Math.max(newest, (await modifiedTime(`${webDir}/${name}`)) ?? 0);
  }
  const pending = [`${webDir}/src`];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) pending.push(path);
      else newest = Math.max(newest, (await modifiedTime(path)) ?? 0);
    }
  }
  return newest;
}

/** Installs the dashboard's npm packages and runs its Vite build, each in `webDir`. */
async function buildWithDeno(webDir: string): Promise<void> {
  for (const args of [["install"], ["run", "--allow-all", "build.ts"]]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: webDir,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const text = new TextDecoder().decode(output.stderr) +
        new TextDecoder().decode(output.stdout);
      const tail = text.trim().split("\n").slice(-30).join("\n");
      throw new Error(
        `Dashboard build failed: "deno ${args.join(" ")}" in ${webDir} exited with ` +
          `${output.code}:\n${tail}`,
      );
    }
  }
}
