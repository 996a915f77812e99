import assert from "node:assert/strict";
import { createWebAssets } from "./web_assets.ts";

/** A dashboard folder with sources and, unless `built` is false, a build of them. */
async function dashboardFolder(options: { built?: boolean } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "web-assets-" });
  await Deno.mkdir(`${dir}/src`);
  await Deno.writeTextFile(`${dir}/src/main.tsx`, "export {};");
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html>");
  if (options.built !== false) await writeBuild(dir);
  return dir;
}

async function writeBuild(dir: string) {
  await Deno.mkdir(`${dir}/dist/assets`, { recursive: true });
  await Deno.writeTextFile(`${dir}/dist/index.html`, "<!doctype html><title>dashboard</title>");
  await Deno.writeTextFile(`${dir}/dist/assets/index-DiAf3ulF.js`, "console.log(1)");
  await Deno.writeTextFile(`${dir}/dist/assets/index-BXez7KcK.css`, "body{}");
  await Deno.writeTextFile(`${dir}/dist/favicon.svg`, "<svg/>");
}

const get = (path: string, method = "GET") => new Request(`http://localhost${path}`, { method });

Deno.test("hashed assets are served with their type and cached for a year; index.html is revalidated", async () => {
  const dir = await dashboardFolder();
  try {
    const assets = createWebAssets({ webDir: dir });
    const script = (await assets.serve(get("/assets/index-DiAf3ulF.js")))!;
    assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(script.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(await script.text(), "console.log(1)");
    const style = (await assets.serve(get("/assets/index-BXez7KcK.css")))!;
    assert.equal(style.headers.get("content-type"), "text/css; charset=utf-8");
    await style.body?.cancel();
    const icon = (await assets.serve(get("/favicon.svg")))!;
    assert.equal(icon.headers.get("content-type"), "image/svg+xml");
    assert.equal(icon.headers.get("cache-control"), "no-cache");
    await icon.body?.cancel();
    const index = (await assets.serve(get("/")))!;
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(await index.text(), /dashboard/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a view path such as /pair gets index.html, so a shared link opens the dashboard", async () => {
  const dir = await dashboardFolder();
  try {
    const assets = createWebAssets({ webDir: dir });
    const page = (await assets.serve(get("/pair?base=BTCUSDT&quote=ETHUSDT")))!;
    assert.equal(page.status, 200);
    assert.match(await page.text(), /dashboard/);
    const head = (await assets.serve(get("/scanner", "HEAD")))!;
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the API's paths, missing files and other methods are left to the caller", async () => {
  const dir = await dashboardFolder();
  try {
    const assets = createWebAssets({ webDir: dir });
    assert.equal(await assets.serve(get("/graphql")), null);
    assert.equal(await assets.serve(get("/healthz")), null);
    assert.equal(await assets.serve(get("/assets/index-gone1234.js")), null);
    assert.equal(await assets.serve(get("/", "POST")), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("paths that try to leave the build folder are refused", async () => {
  const dir = await dashboardFolder();
  try {
    await Deno.writeTextFile(`${dir}/secret.txt`, "secret");
    const assets = createWebAssets({ webDir: dir });
    for (const path of ["/assets/%2e%2e/%2e%2e/secret.txt", "/../secret.txt", "/..%5csecret.txt"]) {
      const response = await assets.serve(get(path));
      const body = response ? await response.text() : "";
      assert.ok(!body.includes("secret"), `${path} must not reach files outside the build`);
      assert.ok(response === null || response.status === 400, `${path}: ${response?.status}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing build is built, an up-to-date one is not rebuilt, a changed source rebuilds", async () => {
  const dir = await dashboardFolder({ built: false });
  try {
    const builds: string[] = [];
    const assets = createWebAssets({
      webDir: dir,
      log: () => {},
      build: async (webDir) => {
        builds.push(webDir);
        await writeBuild(webDir);
      },
    });
    const before = (await assets.serve(get("/")))!;
    assert.equal(before.status, 503);
    assert.match(await before.text(), /not built.*deno task build:web/s);

    await assets.ensureBuilt();
    assert.deepEqual(builds, [dir]);
    assert.equal((await assets.serve(get("/")))?.status, 200);

    await assets.ensureBuilt();
    assert.equal(builds.length, 1, "an up-to-date build is kept");

    const later = new Date(Date.now() + 5_000);
    await Deno.utime(`${dir}/src/main.tsx`, later, later);
    await assets.ensureBuilt();
    assert.equal(builds.length, 2, "a source newer than the build triggers a build");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed build is reported by ensureBuilt and shown on the dashboard's page", async () => {
  const dir = await dashboardFolder({ built: false });
  try {
    const assets = createWebAssets({
      webDir: dir,
      log: () => {},
      build: () => Promise.reject(new Error("src/app.tsx:3: Unexpected token")),
    });
    await assert.rejects(assets.ensureBuilt(), /Unexpected token/);
    const page = (await assets.serve(get("/market")))!;
    assert.equal(page.status, 503);
    const text = await page.text();
    assert.match(text, /The dashboard build failed:\s+src\/app\.tsx:3: Unexpected token/);
    assert.match(text, /The API is up/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrent ensureBuilt calls share one build", async () => {
  const dir = await dashboardFolder({ built: false });
  try {
    let builds = 0;
    const assets = createWebAssets({
      webDir: dir,
      log: () => {},
      build: async (webDir) => {
        builds++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        await writeBuild(webDir);
      },
    });
    await Promise.all([assets.ensureBuilt(), assets.ensureBuilt(), assets.ensureBuilt()]);
    assert.equal(builds, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the real dashboard builds with Vite and its page loads its hashed script", async () => {
  const assets = createWebAssets({ log: () => {} });
  await assets.ensureBuilt();
  const html = await (await assets.serve(get("/")))!.text();
  const script = html.match(/src="(\/assets\/index-[\w-]+\.js)"/)?.[1];
  assert.ok(script, `index.html names its script: ${html}`);
  const response = (await assets.serve(get(script)))!;
  assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.match(await response.text(), /graphql/);
});
