/**
 * Pair analytics speed, measured in one run:
 * 1. `computePairAnalytics` (grid, hedge, spread, z-score, correlation, ADF, Engle-Granger,
 *    half-life) on `points` aligned 1s points, every hedge method, LOG prices.
 * 2. The same analysis with statsmodels / scipy / pandas (`analytics_reference.py`, run by
 *    /usr/bin/python3) on the first `referencePoints` of the same series (`theilSenReferencePoints`
 *    for THEIL_SEN: scipy's `theilslopes` holds all n² pairwise differences), next to the TypeScript
 *    on the same points: speedup = Python ms / TypeScript ms, target at least 20.
 * 3. `pairAnalytics` over GraphQL on `points` stored 1s bars per leg, from the POST to the parsed
 *    answer with every point (a client in a process of its own, `timed_queries.ts`), on the
 *    embedded database and on PostgreSQL when `postgresUrl` is given: target under 500 ms.
 * 4. The live pair stream's cost per bar update (`benchPairStream`).
 *
 * Data: the recorded USD-M futures ticks of 2025-12-16 (about an hour of BTCUSDT and ETHUSDT) made
 * into 1s bars (close = the bucket's last trade), aligned on the product's LOCF grid; their paired
 * 1s log returns are resampled in blocks (a seeded moving-block bootstrap, which keeps the
 * cross-correlation and short-range dependence of the real returns) and compounded from the first
 * real closes, rounded to the instruments' ticks. Every second has a bar on both legs.
 */
import { createApp } from "../app.ts";
import { alignPairGrid, type BarClose } from "../analytics/pair_grid.ts";
import {
  computePairAnalytics,
  type HedgeMethod,
  type PairAnalytics,
  type PairSeries,
} from "../analytics/pair_analytics.ts";
import type { ImportedBar } from "../store/trade_store.ts";
import { withServerDatabase } from "../testing/databases.ts";
import { RECORDED_FILES, recordedTrades } from "../testing/recorded_trades.ts";
import { referenceBars } from "../testing/reference_bars.ts";
import { benchPairStream } from "./pair_stream_bench.ts";
import type { TimedQueries } from "./timed_queries.ts";
import process from "node:process";

/** Complete USD-M futures trade streams (every trade, ids contiguous) of BTCUSDT and ETHUSDT. */
const RECORDINGS = [RECORDED_FILES.futures0718, RECORDED_FILES.futures0808];
const REFERENCE_SCRIPT = new URL("./analytics_reference.py", import.meta.url);
const TIMED_QUERIES = new URL("./timed_queries.ts", import.meta.url);
const METHODS: HedgeMethod[] = ["OLS", "HUBER", "THEIL_SEN", "ROLLING_OLS", "KALMAN"];
/** The product's defaults (PairInput), passed to both implementations. */
const WINDOWS = { z: 60, corr: 60, hedge: 100, kalmanDelta: 1e-4, kalmanR: 1e-3 };
const VENUE = "binance-futures";
/** Price increments of the two USD-M contracts. */
const LEGS = [
  { symbol: "BTCUSDT", tickDecimals: 1 },
  { symbol: "ETHUSDT", tickDecimals: 2 },
] as const;
const SPEEDUP_TARGET = 20;
const GRAPHQL_TARGET_MS = 500;

export interface AnalyticsBenchOptions {
  /** Aligned points for the in-process and GraphQL measurements. Default 100,000. */
  points?: number;
  /** Points for the comparison with Python. Default 20,000. */
  referencePoints?: number;
  /** Points for the THEIL_SEN comparison with Python. Default 10,000. */
  theilSenReferencePoints?: number;
  /** Timed runs per measurement (best and median reported). Default 3. */
  runs?: number;
  /** Timed GraphQL requests per method and database. Default 5. */
  requests?: number;
  /** A PostgreSQL server where a bench database may be created and dropped. */
  postgresUrl?: string;
  /** The Python that has statsmodels 0.13.5, scipy and pandas. Default /usr/bin/python3. */
  python?: string;
  /** Block bootstrap seed. Default 20251216. */
  seed?: number;
}

export async function* analyticsBench(
  options: AnalyticsBenchOptions = {},
): AsyncIterable<Record<string, unknown>> {
  const points = options.points ?? 100_000;
  const runs = options.runs ?? 3;
  const sample = await bootstrappedPair(points, options.seed ?? 20251216);
  const data = sample.description;

  for (const method of METHODS) {
    const timing = timeRuns(runs, () => analyse(sample.series, method));
    yield {
      bench: "analytics",
      measurement: "computePairAnalytics in process",
      method,
      priceTransform: "LOG",
      n: timing.result.n,
      bestMs: round(timing.bestMs, 1),
      medianMs: round(timing.medianMs, 1),
      runs,
      covers: "LOCF grid, ln prices, hedge, spread, z 60, corr 60, ADF (AIC), Engle-Granger, " +
        "half-life, the point series as columns",
      data,
    };
  }

  yield* pythonComparison(sample.series, data, {
    referencePoints: options.referencePoints ?? 20_000,
    theilSenReferencePoints: options.theilSenReferencePoints ?? 10_000,
    runs,
    python: options.python ?? "/usr/bin/python3",
  });

  const databases: {
    name: string;
    run: (body: (url: string) => Promise<void>) => Promise<void>;
  }[] = [{ name: "pglite", run: (body) => body("memory://") }];
  if (options.postgresUrl) {
    const serverUrl = options.postgresUrl;
    databases.push({
      name: "postgres",
      run: (body) => withServerDatabase(serverUrl, { migrate: false }, (db) => body(db.url)),
    });
  }
  for (const database of databases) {
    const results: Record<string, unknown>[] = [];
    await database.run(async (url) => {
      results.push(
        ...await graphqlTimings(url, database.name, sample.series, options.requests ?? 5),
      );
    });
    for (const result of results) yield { ...result, data };
  }

  for await (const line of benchPairStream()) {
    yield {
      ...line,
      measurement: "pairStream cost per live bar update (pair_stream_bench.ts: 5,000 buckets of " +
        "history, then 5,000 more, each as a provisional and a final close per leg; its seeded " +
        "synthetic cointegrated pair)",
    };
  }
}

function analyse(series: PairSeries, method: HedgeMethod): PairAnalytics {
  return computePairAnalytics(series, {
    method,
    priceTransform: "LOG",
    zWindow: WINDOWS.z,
    corrWindow: WINDOWS.corr,
    hedgeWindow: WINDOWS.hedge,
    kalmanDelta: WINDOWS.kalmanDelta,
    kalmanR: WINDOWS.kalmanR,
    barSeconds: 1,
  });
}

/** One untimed warm-up run, then `runs` timed ones. */
function timeRuns<T>(runs: number, work: () => T): { bestMs: number; medianMs: number; result: T } {
  let result = work();
  const durations: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    result = work();
    durations.push(performance.now() - started);
  }
  return { bestMs: Math.min(...durations), medianMs: median(durations), result };
}

interface ReferenceCase {
  method: HedgeMethod;
  n: number;
  ms: number[];
  result: {
    n: number;
    hedgeRatio: number;
    adfStatistic: number;
    adfUsedLag: number;
    cointegrationStatistic: number;
    halfLifeBars: number | null;
    lastZscore: number;
    lastCorrelation: number;
  };
}

async function* pythonComparison(
  series: PairSeries,
  data: string,
  settings: {
    referencePoints: number;
    theilSenReferencePoints: number;
    runs: number;
    python: string;
  },
): AsyncIterable<Record<string, unknown>> {
  const cases = METHODS.map((method) => ({
    method,
    n: method === "THEIL_SEN" ? settings.theilSenReferencePoints : settings.referencePoints,
  }));
  const longest = Math.max(...cases.map((c) => c.n));
  const input = await Deno.makeTempFile({ prefix: "analytics_reference_", suffix: ".json" });
  let reference: { versions: Record<string, string>; cases: ReferenceCase[] } | { skipped: string };
  try {
    await Deno.writeTextFile(
      input,
      JSON.stringify({
        base: series.base.bars.slice(0, longest).map((bar) => [bar.timeUs, bar.close]),
        quote: series.quote.bars.slice(0, longest).map((bar) => [bar.timeUs, bar.close]),
        runs: settings.runs,
        cases,
        windows: WINDOWS,
      }),
    );
    reference = await runReference(settings.python, input);
  } finally {
    await Deno.remove(input);
  }
  if ("skipped" in reference) {
    yield {
      bench: "analytics",
      measurement: "speedup over statsmodels/scipy/pandas",
      ...reference,
    };
    return;
  }
  for (const pythonCase of reference.cases) {
    const leg = (bars: readonly BarClose[]) => bars.slice(0, pythonCase.n);
    const head: PairSeries = {
      base: { symbol: series.base.symbol, bars: leg(series.base.bars) },
      quote: { symbol: series.quote.symbol, bars: leg(series.quote.bars) },
    };
    const timing = timeRuns(settings.runs, () => analyse(head, pythonCase.method));
    const pythonMs = Math.min(...pythonCase.ms);
    const speedup = pythonMs / timing.bestMs;
    yield {
      bench: "analytics",
      measurement: "speedup over statsmodels/scipy/pandas",
      method: pythonCase.method,
      priceTransform: "LOG",
      n: pythonCase.n,
      pythonBestMs: round(pythonMs, 1),
      typescriptBestMs: round(timing.bestMs, 2),
      speedup: round(speedup, 1),
      target: `speedup >= ${SPEEDUP_TARGET}`,
      targetMet: speedup >= SPEEDUP_TARGET,
      runs: settings.runs,
      sameAnswer: agreement(timing.result, pythonCase.result),
      python: reference.versions,
      data,
    };
  }
}

async function runReference(
  python: string,
  input: string,
): Promise<{ versions: Record<string, string>; cases: ReferenceCase[] } | { skipped: string }> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, {
      args: [REFERENCE_SCRIPT.pathname, input],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    return { skipped: `cannot run ${python}: ${error instanceof Error ? error.message : error}` };
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3).join(" / ");
    return { skipped: `${python} analytics_reference.py failed: ${stderr}` };
  }
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/**
 * Largest relative difference between the two answers, so that a speedup is never reported for
 * a different computation. RollingOLS' default fit solves the normal equations and keeps fewer
 * digits than the product's centred sums; the other figures agree to about 1e-9.
 */
function agreement(ours: PairAnalytics, theirs: ReferenceCase["result"]): Record<string, unknown> {
  const last = ours.points[ours.points.length - 1];
  const pairs: [string, number | null, number | null][] = [
    ["hedgeRatio", ours.hedgeRatio, theirs.hedgeRatio],
    ["adfStatistic", ours.adf.statistic, theirs.adfStatistic],
    ["cointegrationStatistic", ours.cointegration.statistic, theirs.cointegrationStatistic],
    ["halfLifeBars", ours.halfLifeBars, theirs.halfLifeBars],
    ["lastZscore", last.zscore, theirs.lastZscore],
    ["lastCorrelation", last.correlation, theirs.lastCorrelation],
  ];
  let worst = 0;
  let worstField = "";
  for (const [field, a, b] of pairs) {
    const difference = a === null || b === null
      ? (a === b ? 0 : Infinity)
      : Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    if (difference > worst) [worst, worstField] = [difference, field];
  }
  return {
    n: ours.n === theirs.n,
    adfUsedLag: ours.adf.usedLag === theirs.adfUsedLag,
    maxRelativeDifference: Number(worst.toPrecision(2)),
    in: worstField || null,
  };
}

/**
 * Times `pairAnalytics` requests per method, and in the same run the two parts that are not
 * GraphQL: reading both legs' closes from the store as the resolver does, and the analysis on
 * them. What remains of the request is GraphQL execution, JSON, HTTP and the client's parse.
 */
/** Times `1 + requests` POSTs of `query` from `timed_queries.ts` in a process of its own. */
async function timedQueriesInOwnProcess(
  url: string,
  query: string,
  requests: number,
): Promise<TimedQueries> {
  const client = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-net=${new URL(url).host}`,
      TIMED_QUERIES.pathname,
      url,
      String(requests),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = client.stdin.getWriter();
  await writer.write(new TextEncoder().encode(query));
  await writer.close();
  const { code, stdout, stderr } = await client.output();
  if (code !== 0) {
    throw new Error(`The timed GraphQL client failed: ${new TextDecoder().decode(stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(stdout));
}

async function graphqlTimings(
  databaseUrl: string,
  database: string,
  series: PairSeries,
  requests: number,
): Promise<Record<string, unknown>[]> {
  const maxPointsPerResponse = 200_000;
  const app = await createApp({
    databaseUrl,
    defaultVenue: VENUE,
    maxPointsPerResponse,
    log: () => {},
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const results: Record<string, unknown>[] = [];
  try {
    const loadStarted = performance.now();
    for (const [index, leg] of [series.base, series.quote].entries()) {
      const decimals = LEGS[index].tickDecimals;
      for (let start = 0; start < leg.bars.length; start += 20_000) {
        await app.store.insertImportedBars(
          leg.bars.slice(start, start + 20_000).map((bar) =>
            importedBar(leg.symbol, bar, decimals)
          ),
        );
      }
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const readLegs = () =>
      Promise.all([series.base, series.quote].map((leg) =>
        app.store.closes({
          venue: VENUE,
          symbol: leg.symbol,
          timeframe: "1s",
          limit: maxPointsPerResponse + 1,
        })
      ));
    const readDurations: number[] = [];
    let stored = await readLegs();
    for (let run = 0; run < requests; run++) {
      const started = performance.now();
      stored = await readLegs();
      readDurations.push(performance.now() - started);
    }
    const storedSeries: PairSeries = {
      base: { symbol: series.base.symbol, bars: stored[0] },
      quote: { symbol: series.quote.symbol, bars: stored[1] },
    };
    const url = `http://127.0.0.1:${server.addr.port}/graphql`;
    for (const method of METHODS) {
      const query = `{ pairAnalytics(input: { base: "${series.base.symbol}", quote: ` +
        `"${series.quote.symbol}", timeframe: S1, method: ${method} }) {
          n hedgeRatio intercept rSquared halfLifeBars halfLifeSeconds inSample
          adf { statistic pValue usedLag nobs icBest criticalValues { p1 p5 p10 } }
          cointegration { statistic pValue criticalValues { p1 p5 p10 } }
          points { time y x hedgeRatio spread zscore correlation } } }`;
      // The client runs in a process of its own, as a user's program does: the server does not pay
      // for its parse and garbage, and the server's CPU is this process's alone.
      const cpuBefore = process.cpuUsage();
      const timed = await timedQueriesInOwnProcess(url, query, requests);
      const cpu = process.cpuUsage(cpuBefore);
      const durations = timed.durationsMs;
      const best = Math.min(...durations);
      const readMs = Math.min(...readDurations);
      const analysisMs = timeRuns(requests, () => analyse(storedSeries, method)).bestMs;
      results.push({
        bench: "analytics",
        measurement: "pairAnalytics over GraphQL (POST to parsed JSON, every point, by a client " +
          "in its own process)",
        database: app.migration.timescale ? "timescaledb" : database,
        method,
        priceTransform: "LOG",
        timeframe: "1s",
        n: timed.points,
        bestMs: round(best, 1),
        medianMs: round(median(durations), 1),
        requests,
        target: `best < ${GRAPHQL_TARGET_MS} ms`,
        targetMet: best < GRAPHQL_TARGET_MS,
        bestSplitMs: {
          readBothLegsFromStore: round(readMs, 1),
          analysis: round(analysisMs, 1),
          graphqlJsonHttpAndParse: round(best - readMs - analysisMs, 1),
        },
        // Less sensitive to other load on the machine than the elapsed time: the work itself.
        serverCpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / (requests + 1), 1),
        serverCpuCovers: database === "pglite"
          ? "the server and the embedded database (this process, GC threads included)"
          : "the server (this process, GC threads included), not PostgreSQL's own work",
        responseMegabytes: round(timed.responseBytes / 1e6, 1),
        storedAs: `imported 1s bars, ${series.base.bars.length} per leg, loaded in ` +
          `${round(loadSeconds, 1)} s`,
      });
    }
  } finally {
    await app.close();
    await server.shutdown();
  }
  return results;
}

function importedBar(symbol: string, bar: BarClose, decimals: number): ImportedBar {
  const price = bar.close.toFixed(decimals);
  return {
    venue: VENUE,
    symbol,
    timeframe: "1s",
    timeUs: bar.timeUs,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: "1",
    trades: 1,
  };
}

/**
 * `points` seconds of both legs: blocks of `BLOCK` consecutive real paired 1s log returns drawn
 * with replacement (block starts from a Park-Miller generator seeded with `seed`), compounded from
 * the first real closes and rounded to the contracts' ticks. The returns are those of the recorded
 * USD-M trade streams' 1s bars (close = the bucket's last trade), between grid buckets one second
 * apart, both sessions pooled.
 */
async function bootstrappedPair(
  points: number,
  seed: number,
): Promise<{ series: PairSeries; description: string }> {
  const BLOCK = 60;
  const returnsY: number[] = [];
  const returnsX: number[] = [];
  let first: { closeY: number; closeX: number; timeUs: number } | null = null;
  for (const path of RECORDINGS) {
    const trades = (await recordedTrades(path, VENUE)).filter((trade) => Number(trade.price) > 0);
    const bars = referenceBars(trades, "1s");
    const [base, quote] = LEGS.map((leg) => ({
      symbol: leg.symbol,
      bars: bars.filter((bar) => bar.symbol === leg.symbol),
    }));
    const grid = alignPairGrid(base, quote);
    first ??= { closeY: grid.closeY[0], closeX: grid.closeX[0], timeUs: grid.timesUs[0] };
    for (let t = 1; t < grid.timesUs.length; t++) {
      if (grid.timesUs[t] - grid.timesUs[t - 1] !== 1_000_000) continue;
      returnsY.push(Math.log(grid.closeY[t] / grid.closeY[t - 1]));
      returnsX.push(Math.log(grid.closeX[t] / grid.closeX[t - 1]));
    }
  }
  if (first === null || returnsY.length < BLOCK) {
    throw new Error(`The recordings ${RECORDINGS.join(", ")} hold too few paired 1s returns`);
  }
  let state = seed % 2147483647 || 1;
  const nextBlockStart = () => {
    state = (state * 16807) % 2147483647;
    return Math.floor((state / 2147483647) * (returnsY.length - BLOCK + 1));
  };
  const baseBars: BarClose[] = [];
  const quoteBars: BarClose[] = [];
  let logY = Math.log(first.closeY);
  let logX = Math.log(first.closeX);
  let blockStart = 0;
  for (let t = 0; t < points; t++) {
    if (t > 0) {
      if ((t - 1) % BLOCK === 0) blockStart = nextBlockStart();
      const k = blockStart + ((t - 1) % BLOCK);
      logY += returnsY[k];
      logX += returnsX[k];
    }
    const timeUs = first.timeUs + t * 1_000_000;
    baseBars.push({ timeUs, close: round(Math.exp(logY), LEGS[0].tickDecimals) });
    quoteBars.push({ timeUs, close: round(Math.exp(logX), LEGS[1].tickDecimals) });
  }
  return {
    series: {
      base: { symbol: LEGS[0].symbol, bars: baseBars },
      quote: { symbol: LEGS[1].symbol, bars: quoteBars },
    },
    description: `${points} consecutive 1s bars per leg of BTCUSDT~ETHUSDT: moving-block ` +
      `bootstrap (blocks of ${BLOCK}, Park-Miller seed ${seed}) of the ${returnsY.length} paired ` +
      `real 1s log returns of ${RECORDINGS.map((path) => path.split("/").pop()).join(" and ")}, ` +
      `compounded from the first real closes, rounded to 0.1 / 0.01`,
  };
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
