/**
 * The product under load: a real server process (`server/main.ts`) streams from the local Binance
 * stand-in at 5,000 trades/s across 10 symbols while 500 graphql-ws subscribers (trades, bars and
 * pairStream mixed, each its own connection, as dashboards are) receive what it publishes.
 *
 * Measured: delivery latency from the stand-in's send to a subscriber's receipt, per subscription
 * kind (p50, p99); the server process's CPU (from /proc/<pid>/stat) and RSS (/proc/<pid>/status)
 * every 5 seconds; whether RSS grows (the least-squares line through those samples). One line per
 * minute, then a summary.
 *
 * The stand-in publishes from this thread; the subscribers run in two Workers (other threads of this
 * process) so that receiving their messages does not delay the sending or its time stamps. With the
 * server, that is three busy threads on the machine's cores: the figures include that contention.
 *
 * The subscribers stand for dashboards on other machines, yet here they take about half a core from
 * the server and its database. By default their threads run at a lower CPU priority (nice 10), so
 * that they use what the product leaves rather than preempt it. A subscriber starved of the CPU
 * still counts against the server: its receipt time is taken when it reads. `subscriberNice: 0`
 * runs them as equals.
 */
import { startBinanceStandin } from "../testing/binance_standin.ts";
import { withServerDatabase } from "../testing/databases.ts";
import { parseExposition } from "../metrics/exposition_parser.ts";
import {
  binEdge,
  BINS,
  ID_SLOTS,
  priceOf,
  type SubscriberKind,
  type SubscriberSpec,
  type WorkerReport,
} from "./load_bench_subscribers.ts";

export interface LoadBenchOptions {
  /** PostgreSQL server where a bench database may be created; unset: embedded PGlite. */
  postgresUrl?: string;
  /** Measured minutes (after a warm-up of `warmupSeconds`). Default 10. */
  minutes?: number;
  /** Trades per second, all symbols together. Default 5,000. */
  rate?: number;
  /** Subscribers per kind. Default 100 trades, 300 bars, 100 pairStream. */
  subscribers?: Record<SubscriberKind, number>;
  /** Default 10. */
  symbolCount?: number;
  /** Default 15. */
  warmupSeconds?: number;
  /** Extra environment for the server (connection limits and the like). */
  serverEnv?: Record<string, string>;
  /** Extra `deno run` flags for the server, e.g. `--v8-flags=--prof` to profile it. */
  serverFlags?: string[];
  /** Nice value of the subscriber threads (0-19). Default 10; 0: the server's priority. */
  subscriberNice?: number;
}

const ALL_SYMBOLS = [
  "BTCUSDT",
  "ETHUSDT",
  "SOLUSDT",
  "BNBUSDT",
  "XRPUSDT",
  "ADAUSDT",
  "DOGEUSDT",
  "AVAXUSDT",
  "LINKUSDT",
  "DOTUSDT",
  "LTCUSDT",
  "TRXUSDT",
];
const KINDS: SubscriberKind[] = ["trades", "bars", "pairStream"];
const METHODS = ["OLS", "KALMAN", "ROLLING_OLS", "HUBER", "THEIL_SEN"];
const WORKERS = 2;
const CLOCK_TICKS_PER_SECOND = 100;

type Line = Record<string, unknown>;

export async function* loadBench(options: LoadBenchOptions = {}): AsyncGenerator<Line> {
  // The run streams its per-minute lines while it is still going.
  const lines: Line[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  const emit = (line: Line) => {
    lines.push(line);
    wake?.();
  };
  const database = options.postgresUrl ? "postgres" : "pglite";
  const run =
    (options.postgresUrl
      ? withServerDatabase(options.postgresUrl, { migrate: false }, (db) => measure(db.url, emit))
      : measure("memory://", emit))
      .finally(() => {
        finished = true;
        wake?.();
      });
  run.catch(() => {});
  while (!finished || lines.length > 0) {
    const line = lines.shift();
    if (line) yield { bench: "load", database, ...line };
    else await new Promise<void>((resolve) => (wake = resolve));
  }
  await run;

  async function measure(databaseUrl: string, emit: (line: Line) => void): Promise<void> {
    const minutes = options.minutes ?? 10;
    const rate = options.rate ?? 5_000;
    const counts = options.subscribers ?? { trades: 100, bars: 300, pairStream: 100 };
    const symbols = ALL_SYMBOLS.slice(0, options.symbolCount ?? 10);
    const warmupMs = (options.warmupSeconds ?? 15) * 1000;
    const specs = subscriberSpecs(counts, symbols.length);
    const subscriberNice = options.subscriberNice ?? 10;
    if (!Number.isInteger(subscriberNice) || subscriberNice < 0 || subscriberNice > 19) {
      throw new RangeError(`subscriberNice: ${subscriberNice} is not an integer from 0 to 19`);
    }

    const standin = startBinanceStandin({ market: "futures", historyLimit: 20_000 });
    const port = freePort();
    const server = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--unstable-no-legacy-abort",
        ...(options.serverFlags ?? []),
        "server/main.ts",
      ],
      cwd: new URL("../../", import.meta.url).pathname,
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: databaseUrl,
        FEED: "binance-futures",
        SYMBOLS: symbols.join(","),
        BINANCE_WS_URL: standin.wsBaseUrl,
        BINANCE_REST_URL: standin.restBaseUrl,
        WEB_BUILD: "off",
        // As `deno task start` and the image run it: two malloc arenas keep RSS from creeping.
        MALLOC_ARENA_MAX: "2",
        // Nothing of the caller's own configuration leaks in.
        REDIS_URL: "",
        API_TOKEN: "",
        // Every subscriber connects from 127.0.0.1: the per-address socket limit must let them all.
        MAX_SOCKETS_PER_ADDRESS: "100000",
        ...options.serverEnv,
      },
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const workers: Worker[] = [];
    try {
      const base = `http://127.0.0.1:${port}`;
      await until(
        async () => {
          const health = await fetch(`${base}/healthz`).then((r) => r.json()).catch(() => null);
          return health?.ok === true && health.feed?.connected === true;
        },
        180_000,
        "the server to start and connect to the stand-in",
      );

      const sentAt = new SharedArrayBuffer(symbols.length * ID_SLOTS * 8);
      const control = new SharedArrayBuffer(8);
      const sentTimes = new Float64Array(sentAt);
      const measuringFrom = new Float64Array(control);
      const clock = () => performance.timeOrigin + performance.now();
      const nextId = symbols.map(() => 1);
      const publishedSince = symbols.map(() => 0);

      // The publisher keeps the rate from here to the end, subscribers or not.
      let publishing = true;
      const publisher = (async () => {
        const start = performance.now();
        let sent = 0;
        while (publishing) {
          const due = Math.floor(((performance.now() - start) / 1000) * rate);
          const batch: object[] = [];
          const stamps: [number, number][] = [];
          while (sent < due) {
            const symbol = sent % symbols.length;
            const id = nextId[symbol]++;
            const timeMs = Date.now();
            batch.push({
              stream: `${symbols[symbol].toLowerCase()}@aggTrade`,
              data: {
                e: "aggTrade",
                E: timeMs,
                s: symbols[symbol],
                a: id,
                p: priceOf(id),
                q: "0.010",
                f: id,
                l: id,
                T: timeMs,
                m: id % 2 === 0,
              },
            });
            stamps.push([symbol, id]);
            if (measuringFrom[0] !== 0) publishedSince[symbol]++;
            sent++;
          }
          if (batch.length > 0) {
            const now = clock();
            for (const [symbol, id] of stamps) sentTimes[symbol * ID_SLOTS + (id % ID_SLOTS)] = now;
            standin.publish(batch);
          }
          await sleep(1);
        }
      })();

      // pairStream answers NOT_FOUND for a pair without data: subscribe once trades are stored.
      await sleep(3_000);
      const ready: Promise<void>[] = [];
      for (let w = 0; w < WORKERS; w++) {
        const worker = new Worker(new URL("./load_bench_subscribers.ts", import.meta.url).href, {
          type: "module",
        });
        workers.push(worker);
        ready.push(
          new Promise((resolve) => {
            worker.addEventListener("message", function onReady(event) {
              if ((event as MessageEvent).data.type !== "ready") return;
              worker.removeEventListener("message", onReady);
              resolve();
            });
          }),
        );
        worker.postMessage({
          type: "init",
          url: `ws://127.0.0.1:${port}/graphql`,
          symbols,
          subscribers: specs.filter((_, i) => i % WORKERS === w),
          sentAt,
          control,
          nice: subscriberNice,
        });
      }
      await withTimeout(Promise.all(ready), 120_000, `${specs.length} subscribers to connect`);

      const report = async (): Promise<WorkerReport[]> =>
        await Promise.all(workers.map((worker) =>
          new Promise<WorkerReport>((resolve) => {
            worker.addEventListener("message", function onReport(event) {
              const data = (event as MessageEvent).data;
              if (data.type !== "report") return;
              worker.removeEventListener("message", onReport);
              resolve(data);
            });
            worker.postMessage({ type: "report" });
          })
        ));

      const samples: { atS: number; cpuPercent: number; rssMB: number }[] = [];
      const benchCpu: number[] = [];
      const totals = emptyHistograms();
      const tradeEventsTotal = symbols.map(() => 0);
      const errors: string[] = [];
      let events = 0;

      await sleep(warmupMs);
      await report(); // what arrived during the warm-up is not measured
      measuringFrom[0] = clock();
      const measureStart = performance.now();
      const loadAverageAtStart = loadAverage();
      let lastSample = { at: performance.now(), cpu: cpuTicks(server.pid), self: cpuTicks() };
      const sampler = setInterval(() => {
        const now = { at: performance.now(), cpu: cpuTicks(server.pid), self: cpuTicks() };
        const seconds = (now.at - lastSample.at) / 1000;
        samples.push({
          atS: Math.round((now.at - measureStart) / 1000),
          cpuPercent: round((100 * (now.cpu - lastSample.cpu)) / CLOCK_TICKS_PER_SECOND / seconds),
          rssMB: rssMB(server.pid),
        });
        benchCpu.push((100 * (now.self - lastSample.self)) / CLOCK_TICKS_PER_SECOND / seconds);
        lastSample = now;
      }, 5_000);

      let writesBefore = writeHistogram(await fetchMetrics(base));
      const minuteMetrics = async () => {
        const text = await fetchMetrics(base);
        const writes = writeHistogram(text);
        const figures = { ...heapMB(text), writes: writeFigures(writes, writesBefore) };
        writesBefore = writes;
        return figures;
      };
      for (let minute = 1; minute <= minutes; minute++) {
        await sleep(measureStart + minute * 60_000 - performance.now());
        const merged = mergeReports(await report(), totals, tradeEventsTotal, errors);
        events += merged.events;
        const inMinute = samples.filter((s) => s.atS > (minute - 1) * 60 && s.atS <= minute * 60);
        emit({
          measurement: "per minute",
          minute,
          ...latencyFigures(merged.histograms),
          serverCpuPercent: round(mean(inMinute.map((s) => s.cpuPercent))),
          serverRssMB: inMinute.at(-1)?.rssMB ?? null,
          serverRssMeanMB: inMinute.length > 0 ? round(mean(inMinute.map((s) => s.rssMB))) : null,
          // The JavaScript heap in use and held (from /metrics): tells a growing heap from a
          // growing RSS. The minute's batch writes: how far the database lags the deliveries.
          ...await minuteMetrics(),
          loadAverage: loadAverage(),
        });
      }
      await sleep(measureStart + minutes * 60_000 - performance.now());
      publishing = false;
      await publisher;
      clearInterval(sampler);
      const publishedSeconds = (performance.now() - measureStart) / 1000;
      // Let the last trades arrive, then collect what is left.
      await sleep(3_000);
      const last = mergeReports(await report(), totals, tradeEventsTotal, errors);
      events += last.events;

      const health = await fetch(`${base}/healthz`).then((r) => r.json()).catch(() => null);
      const metrics = await fetchMetrics(base);
      const expected = symbols.reduce(
        (sum, _, symbol) =>
          sum +
          publishedSince[symbol] * specs.filter((s) => s.kind === "trades" && s.symbol === symbol)
              .length,
        0,
      );
      const delivered = tradeEventsTotal.reduce((a, b) => a + b, 0);
      const rssAtMinute1 = samples.find((s) => s.atS >= 60)?.rssMB ?? null;
      const rssAtEnd = samples.at(-1)?.rssMB ?? null;
      // RSS rises and falls by tens of MB with each major collection, so one sample against another
      // says little; the least-squares line through every 5-second sample tells growth from noise.
      const trend = minutes >= 2 ? rssTrend(samples) : null;
      const growth = trend === null ? null : round((100 * trend.perTenMinutesMB) / trend.meanMB);
      const figures = latencyFigures(totals);
      const peakRss = Math.max(...samples.map((s) => s.rssMB));
      emit({
        measurement: "stand-in send -> graphql-ws subscriber under load",
        minutes,
        rate,
        achievedRate: Math.round(
          Object.values(publishedSince).reduce((a, b) => a + b, 0) /
            publishedSeconds,
        ),
        symbols: symbols.length,
        subscribers: counts,
        subscriberNice,
        ...figures,
        tradeDeliveries: { expected, delivered },
        events,
        errors: errors.slice(0, 5),
        serverCpuPercent: {
          mean: round(mean(samples.map((s) => s.cpuPercent))),
          max: round(Math.max(...samples.map((s) => s.cpuPercent))),
        },
        benchProcessCpuPercent: round(mean(benchCpu)),
        serverRssMB: {
          minute1: rssAtMinute1,
          end: rssAtEnd,
          peak: peakRss,
          mean: trend && round(trend.meanMB),
          trendMBPer10Minutes: trend && round(trend.perTenMinutesMB),
          growthPercent: growth,
        },
        // Other work on the machine shows here: above the core count, the figures are not the product's.
        loadAverage: { start: loadAverageAtStart, end: loadAverage() },
        rssOverTime: samples.filter((_, i) => i % 6 === 5).map((s) => [s.atS, s.rssMB]),
        stored: health?.ingest?.stored ?? null,
        // Trades go to subscribers when received; the writes follow behind them.
        ingestWrites: writeFigures(writeHistogram(metrics), null),
        queueDepth: health?.ingest?.queueDepth ?? null,
        target:
          "p99 < 50 ms (trades, bars), RSS < 400 MB, RSS trend under 10% of its mean per 10 minutes",
        targetMet: (figures.tradesP99Ms ?? Infinity) < 50 && (figures.barsP99Ms ?? Infinity) < 50 &&
          peakRss < 400 && (growth === null || growth < 10),
      });
    } finally {
      await Promise.all(workers.map((worker) =>
        withTimeout(
          new Promise<void>((resolve) => {
            worker.addEventListener("message", (event) => {
              if ((event as MessageEvent).data.type === "closed") resolve();
            });
            worker.postMessage({ type: "close" });
          }),
          10_000,
          "subscribers to close",
        ).catch(() => {})
      ));
      workers.forEach((worker) => worker.terminate());
      try {
        server.kill("SIGTERM");
      } catch { /* already gone */ }
      const exited = await withTimeout(server.status, 30_000, "the server to stop").catch(() =>
        null
      );
      if (exited === null) server.kill("SIGKILL");
      await standin.close();
    }
  }
}

/** trades: one symbol each; bars: S1, M1 and M5 of every symbol; pairStream: consecutive pairs,
 * S1 and M1, the five hedge methods in turn. */
function subscriberSpecs(
  counts: Record<SubscriberKind, number>,
  symbols: number,
): SubscriberSpec[] {
  const specs: SubscriberSpec[] = [];
  for (let i = 0; i < counts.trades; i++) specs.push({ kind: "trades", symbol: i % symbols });
  const timeframes = ["S1", "M1", "M5"] as const;
  for (let i = 0; i < counts.bars; i++) {
    specs.push({
      kind: "bars",
      symbol: i % symbols,
      timeframe: timeframes[Math.floor(i / symbols) % 3],
    });
  }
  const pairs = Math.floor(symbols / 2);
  for (let i = 0; i < counts.pairStream; i++) {
    const pair = i % pairs;
    specs.push({
      kind: "pairStream",
      symbol: 2 * pair,
      quote: 2 * pair + 1,
      timeframe: Math.floor(i / pairs) % 2 === 0 ? "S1" : "M1",
      method: METHODS[i % METHODS.length],
    });
  }
  // Interleaved, so each Worker gets every kind.
  return specs.sort((a, b) =>
    (a.symbol - b.symbol) || KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind)
  );
}

function emptyHistograms(): Record<SubscriberKind, Uint32Array> {
  return {
    trades: new Uint32Array(BINS),
    bars: new Uint32Array(BINS),
    pairStream: new Uint32Array(BINS),
  };
}

interface WriteHistogram {
  count: number;
  sumSeconds: number;
  /** Cumulative counts by upper bound, seconds, ascending (the last one +Inf). */
  buckets: { le: number; count: number }[];
}

/** The server's batch write times (`pairs_ingest_write_duration_seconds`) as /metrics gives them. */
function writeHistogram(metrics: string): WriteHistogram | null {
  const family = metrics === "" ? undefined : parseExposition(metrics).get(
    "pairs_ingest_write_duration_seconds",
  );
  if (!family) return null;
  const value = (name: string) => family.samples.find((s) => s.name === name)?.value ?? 0;
  return {
    count: value("pairs_ingest_write_duration_seconds_count"),
    sumSeconds: value("pairs_ingest_write_duration_seconds_sum"),
    buckets: family.samples
      .filter((s) => s.name === "pairs_ingest_write_duration_seconds_bucket")
      .map((s) => ({ le: Number(s.labels.le), count: s.value }))
      .sort((a, b) => a.le - b.le),
  };
}

/**
 * The batch writes between two readings of the histogram (`since` null: since the server
 * started): how many, their mean, the bucket bounds below which half and 99% finished, and how
 * many took longer than 50 ms (the latency target: each of them alone holds its trades past it).
 */
function writeFigures(
  now: WriteHistogram | null,
  since: WriteHistogram | null,
): Record<string, number | null> | null {
  if (now === null) return null;
  const count = now.count - (since?.count ?? 0);
  const buckets = now.buckets.map((bucket, i) => ({
    le: bucket.le,
    count: bucket.count - (since?.buckets[i]?.count ?? 0),
  }));
  const bound = (share: number) => {
    const bucket = buckets.find((b) => b.count >= share * count);
    return bucket && Number.isFinite(bucket.le) ? bucket.le * 1000 : null;
  };
  const within50Ms = buckets.find((b) => b.le === 0.05)?.count ?? null;
  return {
    writes: count,
    meanMs: count > 0 ? round((1000 * (now.sumSeconds - (since?.sumSeconds ?? 0))) / count) : null,
    p50AtMostMs: bound(0.5),
    p99AtMostMs: bound(0.99),
    over50Ms: within50Ms === null ? null : count - within50Ms,
  };
}

function mergeReports(
  reports: WorkerReport[],
  totals: Record<SubscriberKind, Uint32Array>,
  tradeEvents: number[],
  errors: string[],
) {
  const histograms = emptyHistograms();
  let events = 0;
  for (const report of reports) {
    for (const kind of KINDS) {
      const bins = report.histograms[kind];
      for (let bin = 0; bin < BINS; bin++) {
        histograms[kind][bin] += bins[bin];
        totals[kind][bin] += bins[bin];
      }
    }
    report.tradeEvents.forEach((n, symbol) => (tradeEvents[symbol] += n));
    errors.push(...report.errors);
    events += report.events;
  }
  return { histograms, events };
}

function latencyFigures(histograms: Record<SubscriberKind, Uint32Array>) {
  const figures: Record<string, number | null> = {};
  for (const kind of KINDS) {
    const bins = histograms[kind];
    const total = bins.reduce((a, b) => a + b, 0);
    figures[`${kind}Measured`] = total;
    figures[`${kind}P50Ms`] = percentile(bins, total, 0.5);
    figures[`${kind}P99Ms`] = percentile(bins, total, 0.99);
    figures[`${kind}MaxMs`] = percentile(bins, total, 1);
  }
  return figures;
}

function percentile(bins: Uint32Array, total: number, fraction: number): number | null {
  if (total === 0) return null;
  const wanted = Math.max(1, Math.ceil(total * fraction));
  let seen = 0;
  for (let bin = 0; bin < bins.length; bin++) {
    seen += bins[bin];
    if (seen >= wanted) return binEdge(bin);
  }
  return null;
}

/** utime + stime of a process (this one without `pid`), in clock ticks. */
function cpuTicks(pid?: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid ?? "self"}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** The server's JavaScript heap in use and held (its /metrics), in MB; null when unanswered. */
async function fetchMetrics(base: string): Promise<string> {
  return await fetch(`${base}/metrics`).then((r) => r.text()).catch(() => "");
}

/** The JavaScript heap in use and held, from /metrics. */
function heapMB(metrics: string): Record<string, number | null> {
  const families = metrics === "" ? new Map() : parseExposition(metrics);
  const mb = (name: string) => {
    const value = families.get(name)?.samples[0]?.value;
    return value === undefined ? null : round(value / 2 ** 20);
  };
  return {
    serverHeapUsedMB: mb("pairs_process_heap_used_bytes"),
    serverHeapTotalMB: mb("pairs_process_heap_total_bytes"),
  };
}

function rssMB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kB = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN);
  return round(kB / 1024);
}

/** The 1-minute load average of the machine. */
function loadAverage(): number {
  return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Gave up waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The least-squares line through the RSS samples: its slope per 10 minutes, and the mean. */
function rssTrend(samples: { atS: number; rssMB: number }[]): {
  perTenMinutesMB: number;
  meanMB: number;
} | null {
  if (samples.length < 2) return null;
  const meanS = mean(samples.map((s) => s.atS));
  const meanMB = mean(samples.map((s) => s.rssMB));
  let covariance = 0;
  let variance = 0;
  for (const sample of samples) {
    covariance += (sample.atS - meanS) * (sample.rssMB - meanMB);
    variance += (sample.atS - meanS) ** 2;
  }
  return { perTenMinutesMB: (600 * covariance) / variance, meanMB };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
