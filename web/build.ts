/**
 * Builds the dashboard into `web/dist` with Vite and the Solid plugin (`deno task build:web`, or
 * `deno run --allow-all build.ts` inside `web/`).
 *
 * The bundle is written beside `dist` first and swapped in when complete, so a server that serves
 * `dist` while a build runs never sends half a build.
 *
 * The build also writes `persisted-operations.json`: every GraphQL document the dashboard sends
 * (the exports of `src/**\/*documents.ts`), keyed by the sha256 of the text the dashboard's
 * persisted exchange hashes. The server runs those by hash, and only those with
 * `GRAPHQL_PERSISTED_ONLY=1`; generating the list from the documents keeps the two in step.
 */
import { build } from "vite";
import solid from "vite-plugin-solid";
import { stringifyDocument } from "@urql/core";

type DocumentNode = Parameters<typeof stringifyDocument>[0] & { kind: "Document" };

/** The name of the manifest inside the build. */
export const PERSISTED_MANIFEST = "persisted-operations.json";

export interface BuildOptions {
  /** Where the finished build goes. Default: `dist` beside this file. */
  outDir?: string;
  /** Vite's console output. Default "warn". */
  logLevel?: "info" | "warn" | "error" | "silent";
}

export async function buildDashboard(options: BuildOptions = {}): Promise<void> {
  const root = import.meta.dirname!;
  const outDir = options.outDir ?? `${root}/dist`;
  const staging = `${outDir}-next`;
  await build({
    root,
    configFile: false,
    logLevel: options.logLevel ?? "warn",
    plugins: [solid()],
    build: {
      outDir: staging,
      emptyOutDir: true,
      target: "es2022",
      // ApexCharts' core alone is about 600 kB minified: its own chunk, so it stays cached when
      // the dashboard's code changes.
      chunkSizeWarningLimit: 900,
      rolldownOptions: {
        output: {
          codeSplitting: { groups: [{ name: "apexcharts", test: /node_modules[\\/]apexcharts/ }] },
        },
      },
    },
  });
  const manifest = await persistedOperationsManifest(`${root}/src`);
  await Deno.writeTextFile(
    `${staging}/${PERSISTED_MANIFEST}`,
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.rename(staging, outDir);
}

/**
 * sha256 (hex) -> document text of every document exported by a `*documents.ts` module under
 * `srcDir`. The text is `stringifyDocument`'s, which the persisted exchange hashes in the browser.
 */
export async function persistedOperationsManifest(srcDir: string): Promise<Record<string, string>> {
  const manifest: Record<string, string> = {};
  for (const path of await documentModules(srcDir)) {
    const module = await import(`file://${path}`) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (!isDocument(value)) continue;
      const text = stringifyDocument(value);
      manifest[await sha256Hex(text)] = text;
    }
  }
  return Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
}

async function documentModules(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await documentModules(path));
    else if (entry.isFile && entry.name.endsWith("documents.ts")) found.push(path);
  }
  return found.sort();
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "Document";
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) {
  await buildDashboard({ logLevel: "info" });
}
