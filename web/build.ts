/**
 * Builds the dashboard into `web/dist` with Vite and the Solid plugin (`deno task build:web`, or
 * `deno run --allow-all build.ts` inside `web/`).
 *
 * The bundle is written beside `dist` first and swapped in when complete, so a server that serves
 * `dist` while a build runs never sends half a build.
 */
import { build } from "vite";
import solid from "vite-plugin-solid";

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
  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.rename(staging, outDir);
}

if (import.meta.main) {
  await buildDashboard({ logLevel: "info" });
}
