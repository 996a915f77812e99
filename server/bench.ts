/**
 * `deno task bench [name...]`: the benchmarks, one JSON object per line on stdout. Names: ingest,
 * latency (stand-in to graphql-ws subscriber),
 * analytics (pair analytics in process, against Python, over GraphQL, and pairStream's figures),
 * pairStream, dashboard (headless Chromium on the Market view while the stand-in streams;
 * `BENCH_DASHBOARD_MINUTES` shortens its default 10 minutes).
 * PostgreSQL figures need `BENCH_DATABASE_URL` (or `TEST_DATABASE_URL`) naming a server where test
 * databases may be created.
 */
import { analyticsBench } from "./bench/analytics_bench.ts";
import { dashboardBench } from "./bench/dashboard_bench.ts";
import { ingestBench } from "./bench/ingest_bench.ts";
import { latencyBench } from "./bench/latency_bench.ts";
import { benchPairStream } from "./bench/pair_stream_bench.ts";

const postgresUrl = Deno.env.get("BENCH_DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
const benches: Record<string, () => AsyncIterable<Record<string, unknown>>> = {
  ingest: () => ingestBench({ postgresUrl, rows: Number(Deno.env.get("BENCH_ROWS") ?? 200_000) }),
  latency: () => latencyBench({ postgresUrl }),
  analytics: () => analyticsBench({ postgresUrl }),
  pairStream: () => benchPairStream(),
  dashboard: () =>
    dashboardBench({ minutes: Number(Deno.env.get("BENCH_DASHBOARD_MINUTES") ?? 10) }),
};

const chosen = Deno.args.length > 0 ? Deno.args : Object.keys(benches);
for (const name of chosen) {
  const bench = benches[name];
  if (!bench) {
    console.error(`No bench "${name}"; choose from ${Object.keys(benches).join(", ")}`);
    Deno.exit(2);
  }
  for await (const result of bench()) {
    console.log(JSON.stringify({ ...result, machine: machine(), date: new Date().toISOString() }));
  }
}

function machine(): string {
  return `${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}, deno ${Deno.version.deno}`;
}
