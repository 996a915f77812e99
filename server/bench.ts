/**
 * `deno task bench [name...]`: the benchmarks, one JSON object per line on stdout. Names: ingest,
 * latency (stand-in to graphql-ws subscriber),
 * analytics (pair analytics in process, against Python, over GraphQL, and pairStream's figures),
 * pairStream, dashboard (headless Chromium on the Market view while the stand-in streams;
 * `BENCH_DASHBOARD_MINUTES` shortens its default 10 minutes), load (a server process at 5,000
 * trades/s with 500 graphql-ws subscribers; `BENCH_LOAD_MINUTES`, default 10, `BENCH_LOAD_RATE`,
 * `BENCH_LOAD_SUBSCRIBERS` such as `trades:100,bars:300,pairStream:100`, `BENCH_LOAD_DENO_FLAGS` for
 * the server (`--v8-flags=--prof` to profile it), `BENCH_LOAD_NICE` for the subscribers' CPU
 * priority, default 10 (0: the server's), `BENCH_LOAD_DATABASE=pglite`
 * to use the embedded database even when a PostgreSQL URL is set).
 * PostgreSQL figures need `BENCH_DATABASE_URL` (or `TEST_DATABASE_URL`) naming a server where test
 * databases may be created.
 */
import { analyticsBench } from "./bench/analytics_bench.ts";
import { dashboardBench } from "./bench/dashboard_bench.ts";
import { ingestBench } from "./bench/ingest_bench.ts";
import { latencyBench } from "./bench/latency_bench.ts";
import { loadBench } from "./bench/load_bench.ts";
import { benchPairStream } from "./bench/pair_stream_bench.ts";

const postgresUrl = Deno.env.get("BENCH_DATABASE_URL") ?? Deno.env.get("TEST_DATABASE_URL");
const benches: Record<string, () => AsyncIterable<Record<string, unknown>>> = {
  ingest: () => ingestBench({ postgresUrl, rows: Number(Deno.env.get("BENCH_ROWS") ?? 200_000) }),
  latency: () => latencyBench({ postgresUrl }),
  analytics: () => analyticsBench({ postgresUrl }),
  pairStream: () => benchPairStream(),
  dashboard: () =>
    dashboardBench({ minutes: Number(Deno.env.get("BENCH_DASHBOARD_MINUTES") ?? 10) }),
  load: () =>
    loadBench({
      postgresUrl: Deno.env.get("BENCH_LOAD_DATABASE") === "pglite" ? undefined : postgresUrl,
      minutes: Number(Deno.env.get("BENCH_LOAD_MINUTES") ?? 10),
      rate: Number(Deno.env.get("BENCH_LOAD_RATE") ?? 5_000),
      subscribers: loadSubscribers(Deno.env.get("BENCH_LOAD_SUBSCRIBERS")),
      serverFlags: Deno.env.get("BENCH_LOAD_DENO_FLAGS")?.split(" ").filter(Boolean),
      subscriberNice: Number(Deno.env.get("BENCH_LOAD_NICE") ?? 10),
    }),
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

/** `trades:100,bars:300,pairStream:100` (the default). */
function loadSubscribers(text: string | undefined) {
  const counts = { trades: 100, bars: 300, pairStream: 100 };
  for (const part of (text ?? "").split(",").filter(Boolean)) {
    const [kind, count] = part.split(":");
    if (!(kind in counts) || !/^\d+$/.test(count ?? "")) {
      throw new RangeError(
        `BENCH_LOAD_SUBSCRIBERS: "${part}" is not kind:count (trades, bars, pairStream)`,
      );
    }
    counts[kind as keyof typeof counts] = Number(count);
  }
  return counts;
}

function machine(): string {
  return `${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}, deno ${Deno.version.deno}`;
}
