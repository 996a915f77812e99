/**
 * The dashboard as a user meets it, in headless Chromium, while the local Binance stand-in streams
 * BTCUSDT and ETHUSDT aggTrades at a steady rate into the real app (embedded database, built
 * dashboard): how soon the Market view draws its candles after navigation, how long a trade takes
 * from leaving the stand-in to being drawn on the candle chart (and to showing as the last price),
 * and whether the page's JS heap grows over minutes of streaming. The store starts with a few
 * minutes of history more than the chart's window holds, as a tab left open all day has it, so the
 * heap readings compare a full window with a full window. The server knows the dashboard's
 * persisted operations, as `deno task start` does, so that no operation pays the extra round trip
 * of an unknown hash. Stand-in, server and bench share this process; Chromium runs beside it.
 */
import { createApp } from "../app.ts";
import { loadPersistedOperations } from "../api/persisted_operations.ts";
import type { Trade } from "../domain.ts";
import { createBinanceFeed } from "../feed/binance.ts";
import { aggTradeEvent, startBinanceStandin } from "../testing/binance_standin.ts";
import { createWebAssets } from "../web_assets.ts";
import { CHROMIUM_PATH, openBrowser, type Page } from "../../web/tests/chromium.ts";
import {
  CANDLE_DRAWS_GLOBAL,
  type CandleDraw,
  type CandleDrawLog,
} from "../../web/src/market/candle_draws.ts";

export interface DashboardBenchOptions {
  /** Trades per second per symbol. Default 50. */
  rate?: number;
  /** Minutes of streaming before the last heap reading. Default 10. */
  minutes?: number;
  /** Markers timed from the stand-in to the candle chart and the last price. Default 200. */
  markers?: number;
  /** Minutes of 1-second history stored before the page opens. Default 12 (720 S1 bars). */
  historyMinutes?: number;
  /** Navigations timed to the first drawn candles. Default 5. */
  navigations?: number;
}

const CANDLES = '[data-chart="candles"] .apexcharts-candlestick-series path';
/** Trade ids of the stored history start here, clear of the streamed ones. */
const HISTORY_FIRST_ID = 1_000_000_000;
/**
 * How far above the walk a marker is priced, so that it is the high of its 1-second candle:
 * `100.5` plus 100 per quarter second it is sent in. Markers are at least 250 ms apart, so a
 * later marker of the same second stands higher than an earlier one (the walk moves ~15 dollars
 * in 250 ms at most at 50 trades/s).
 */
function markerSpike(sentAtMs: number): number {
  return 100.5 + 100 * Math.floor((sentAtMs % 1000) / 250);
}
const SYMBOLS = ["BTCUSDT", "ETHUSDT"] as const;
/** Random walks start near the levels of the recorded 2024-08-08 session. */
const START_PRICE: Record<(typeof SYMBOLS)[number], number> = { BTCUSDT: 60_000, ETHUSDT: 2_600 };

/** Wall-clock milliseconds with sub-millisecond resolution; the page computes the same. */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Two trades a second per symbol for `minutes` ending now: a random walk on whole dollars from
 * `START_PRICE`, stored before the page opens. Returns where each walk ended.
 */
function historyTrades(minutes: number): { trades: Trade[]; prices: Record<BenchSymbol, number> } {
  const prices = { ...START_PRICE };
  const trades: Trade[] = [];
  const nowMs = Date.now();
  const count = minutes * 60 * 2;
  for (let index = 0; index < count; index++) {
    const timeUs = (nowMs - (count - index) * 500) * 1000;
    for (const symbol of SYMBOLS) {
      prices[symbol] += Math.random() < 0.5 ? -1 : 1;
      trades.push({
        venue: "binance-futures",
        symbol,
        tradeId: HISTORY_FIRST_ID + index,
        price: prices[symbol].toFixed(1),
        qty: "0.010",
        timeUs,
        receivedAtUs: timeUs,
        buyerMaker: false,
      });
    }
  }
  return { trades, prices };
}

type BenchSymbol = (typeof SYMBOLS)[number];

/** A marker trade as sent: when, its price, and that price as the Market view shows it. */
interface Marker {
  sentAtMs: number;
  /** Start of its 1-second bar, ms since the epoch. */
  bucketMs: number;
  price: number;
  text: string;
}

/**
 * Publishes one trade per symbol every `1000 / rate` ms. Ordinary trades walk on whole dollars;
 * a marker is priced `markerSpike` above the walk, so it is the high of its candle and its
 * half-dollar price ("60,112.5") can be shown by nothing else.
 */
function startTradeStream(
  standin: ReturnType<typeof startBinanceStandin>,
  rate: number,
  startPrices: Record<BenchSymbol, number>,
) {
  const prices = { ...startPrices };
  const ids = { BTCUSDT: 0, ETHUSDT: 0 };
  const pendingMarkers: ((marker: Marker) => void)[] = [];
  const start = performance.now();
  let ticks = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      for (; ticks < due; ticks++) {
        for (const symbol of SYMBOLS) {
          prices[symbol] += Math.random() < 0.5 ? -1 : 1;
          const marker = symbol === "BTCUSDT" ? pendingMarkers.shift() : undefined;
          const timeMs = Date.now();
          const price = marker ? prices[symbol] + markerSpike(timeMs) : prices[symbol];
          const event = aggTradeEvent(symbol, ++ids[symbol], {
            timeMs,
            price: price.toFixed(1),
            qty: "0.010",
          });
          const sentAtMs = epochMs();
          standin.publish([{ stream: `${symbol.toLowerCase()}@aggTrade`, data: event }]);
          // The Market view shows a BTC price with one decimal (formatPrice).
          marker?.({
            sentAtMs,
            bucketMs: Math.floor(timeMs / 1000) * 1000,
            price,
            text: price.toLocaleString("en-US", { minimumFractionDigits: 1 }),
          });
        }
      }
      await sleep(2);
    }
  })();
  return {
    /** The next BTCUSDT trade is a marker; resolves with it once sent. */
    marker(): Promise<Marker> {
      return new Promise((resolve) => pendingMarkers.push(resolve));
    },
    sent: () => ticks * SYMBOLS.length,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

interface LastPriceWatch {
  seen: [string, number][];
  observer: MutationObserver;
}

/** Records every text the last price shows, with the page's wall clock, in `window.__lastPrices`. */
function observeLastPrice(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: [string, number][] = [];
    const target = document.querySelector('[data-testid="last-price"]');
    if (!target) throw new Error("The Market view shows no last price to observe");
    const observer = new MutationObserver(() => {
      seen.push([target.textContent ?? "", performance.timeOrigin + performance.now()]);
    });
    observer.observe(target, { characterData: true, childList: true, subtree: true });
    (globalThis as unknown as { __lastPrices?: LastPriceWatch }).__lastPrices = { seen, observer };
  });
}

/** The texts recorded since `observeLastPrice`; stops recording so the page's heap is its own. */
function takeLastPrices(page: Page): Promise<[string, number][]> {
  return page.evaluate(() => {
    const page = globalThis as unknown as { __lastPrices?: LastPriceWatch };
    const watch = page.__lastPrices;
    if (!watch) throw new Error("The last price was not observed");
    watch.observer.disconnect();
    delete page.__lastPrices;
    return watch.seen;
  });
}

/** When the last price first showed a marker's text after it was sent. */
function shownIn(lastPrices: [string, number][]) {
  return (marker: Marker) =>
    lastPrices.find(([text, at]) => text === marker.text && at >= marker.sentAtMs)?.[1];
}

/** Delays from each marker's send to when `shownAt` says the page showed it, sorted. */
function markerDelays(
  markers: readonly Marker[],
  shownAt: (marker: Marker) => number | undefined,
): number[] {
  const delays: number[] = [];
  for (const marker of markers) {
    const at = shownAt(marker);
    if (at !== undefined) delays.push(at - marker.sentAtMs);
  }
  return delays.sort((a, b) => a - b);
}

/**
 * Seconds the page's main thread spends running tasks (script, style, layout, paint), counted
 * from this call on: `busySeconds()` reads the running total, `stop()` ends the count.
 */
async function countMainThreadBusy(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  return {
    async busySeconds(): Promise<number> {
      const { metrics } = await cdp.send("Performance.getMetrics");
      const busy = metrics.find((metric) => metric.name === "TaskDuration");
      if (!busy) throw new Error("Chromium's Performance.getMetrics gave no TaskDuration");
      return busy.value;
    },
    stop: () => cdp.detach(),
  };
}

async function heapUsedBytes(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("Performance.enable");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const used = metrics.find((metric) => metric.name === "JSHeapUsedSize");
    if (!used) throw new Error("Chromium's Performance.getMetrics gave no JSHeapUsedSize");
    return used.value;
  } finally {
    await cdp.detach();
  }
}

export async function* dashboardBench(options: DashboardBenchOptions = {}) {
  const rate = options.rate ?? 50;
  const minutes = options.minutes ?? 10;
  const markerCount = options.markers ?? 200;
  const navigations = options.navigations ?? 5;
  const historyMinutes = options.historyMinutes ?? 12;
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    yield {
      bench: "dashboard",
      skipped: `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`,
    };
    return;
  }

  const assets = createWebAssets({ log: () => {} });
  await assets.ensureBuilt();
  const operations = await loadPersistedOperations(
    new URL("../../web/dist/persisted-operations.json", import.meta.url),
  );
  const standin = startBinanceStandin({ market: "futures" });
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    serveStatic: assets.serve,
    log: () => {},
    api: { persisted: { operations, only: false } },
    createFeed: (sink, lastStoredTrade) =>
      createBinanceFeed("futures", {
        symbols: [...SYMBOLS],
        sink,
        lastStoredTrade,
        wsBaseUrl: standin.wsBaseUrl,
        restBaseUrl: standin.restBaseUrl,
        log: () => {},
      }),
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const marketUrl =
    `http://127.0.0.1:${server.addr.port}/market?symbol=BTCUSDT&venue=binance-futures&tf=S1`;
  const browser = await openBrowser();
  const { page } = browser;
  let stream: ReturnType<typeof startTradeStream> | null = null;
  try {
    while (!app.feed!.health().connected) await sleep(20);
    const history = historyTrades(historyMinutes);
    // Twenty seconds at a time: each stored batch closes its bars at once, and the app's own
    // subscriber to every bar holds at most 1,024 undelivered updates.
    for (let start = 0; start < history.trades.length; start += 80) {
      app.queue.push(history.trades.slice(start, start + 80));
      await app.queue.flush();
    }
    stream = startTradeStream(standin, rate, history.prices);
    const streamStart = performance.now();
    await sleep(3_000);

    const drawnMs: number[] = [];
    for (let run = 0; run < navigations; run++) {
      await page.goto("about:blank");
      const started = performance.now();
      await page.goto(marketUrl);
      await page.locator(CANDLES).first().waitFor({ timeout: 15_000 });
      drawnMs.push(performance.now() - started);
    }
    const drawnSorted = [...drawnMs].sort((a, b) => a - b);
    yield {
      bench: "dashboard",
      measurement: "page.goto(Market BTCUSDT S1) -> first candles drawn",
      rate,
      navigations,
      bestMs: round(drawnSorted[0]),
      medianMs: round(percentile(drawnSorted, 50)),
      worstMs: round(drawnSorted.at(-1)!),
      target: "< 1000 ms",
      targetMet: percentile(drawnSorted, 50) < 1000,
    };

    // The page that stays open from here on: heap readings follow its minutes of streaming.
    const pageOpened = performance.now();
    await page.locator('[data-testid="last-price"]').waitFor();
    await observeLastPrice(page);
    await sleep(500);
    const markers: Marker[] = [];
    const draws: CandleDraw[] = [];
    // The page's draw log is a bounded ring: gather it every few seconds so that no draw is lost.
    const gatherDraws = async () => {
      const held = await page.evaluate((drawsGlobal) => {
        const log = (globalThis as unknown as Record<string, CandleDrawLog | undefined>)[
          drawsGlobal
        ];
        if (!log) throw new Error(`The Market view published no ${drawsGlobal}`);
        return log.draws();
      }, CANDLE_DRAWS_GLOBAL);
      const after = draws.at(-1)?.atMs ?? -Infinity;
      draws.push(...held.filter((draw) => draw.atMs > after));
    };
    // Four markers a second: each one is drawn long before the next is sent.
    for (let index = 0; index < markerCount; index++) {
      markers.push(await stream.marker());
      await sleep(250);
      if (index % 20 === 19) await gatherDraws();
    }
    await sleep(1_000);
    await gatherDraws();
    const lastPrices = await takeLastPrices(page);
    // The first redraw with the marker's candle showing it, or with a later candle (the chart
    // redraws every candle, so the closed one holding the marker is drawn too). A later marker
    // can land on the same price: a draw more than 5 s on is not this one's.
    const chartDelays = markerDelays(
      markers,
      (marker) =>
        draws.find((draw) =>
          draw.atMs >= marker.sentAtMs && draw.atMs < marker.sentAtMs + 5_000 &&
          (draw.time > marker.bucketMs ||
            (draw.time === marker.bucketMs && draw.high === marker.price))
        )?.atMs,
    );
    yield {
      bench: "dashboard",
      measurement: "stand-in send -> Market candle chart redrawn with the trade in its candle",
      rate,
      markers: markers.length,
      seen: chartDelays.length,
      p50Ms: round(percentile(chartDelays, 50)),
      p99Ms: round(percentile(chartDelays, 99)),
      maxMs: round(chartDelays.at(-1) ?? NaN),
      target: "p99 < 100 ms",
      targetMet: chartDelays.length === markers.length && percentile(chartDelays, 99) < 100,
    };
    const priceDelays = markerDelays(markers, shownIn(lastPrices));
    yield {
      bench: "dashboard",
      measurement: "stand-in send -> Market view last price shows the trade",
      rate,
      markers: markers.length,
      seen: priceDelays.length,
      p50Ms: round(percentile(priceDelays, 50)),
      p99Ms: round(percentile(priceDelays, 99)),
      maxMs: round(priceDelays.at(-1) ?? NaN),
    };

    await sleep(Math.max(0, 60_000 - (performance.now() - pageOpened)));
    const heapAtOneMinute = await heapUsedBytes(page);
    const mainThread = await countMainThreadBusy(page);
    const busyFrom = { seconds: await mainThread.busySeconds(), at: performance.now() };
    // Twenty markers in the last seconds: a page that fell behind the stream shows it here.
    await sleep(Math.max(0, minutes * 60_000 - 6_000 - (performance.now() - pageOpened)));
    await observeLastPrice(page);
    const lateMarkers: Marker[] = [];
    for (let index = 0; index < 20; index++) {
      lateMarkers.push(await stream.marker());
      await sleep(250);
    }
    await sleep(1_000);
    const lateDelays = markerDelays(lateMarkers, shownIn(await takeLastPrices(page)));
    const busyPercent = ((await mainThread.busySeconds()) - busyFrom.seconds) /
      ((performance.now() - busyFrom.at) / 1000) * 100;
    await mainThread.stop();
    const heapAtEnd = await heapUsedBytes(page);
    const growthPercent = (heapAtEnd / heapAtOneMinute - 1) * 100;
    const candles = await page.locator(CANDLES).count();
    await browser.screenshot("dashboard-bench-market");
    browser.assertNoPageErrors();
    yield {
      bench: "dashboard",
      measurement: "Market view JS heap after forced GC, 1 minute vs N minutes of streaming",
      rate,
      minutes,
      tradesSent: stream.sent(),
      streamedSeconds: round((performance.now() - streamStart) / 1000),
      candlesShown: candles,
      heapAtOneMinuteMB: round(heapAtOneMinute / 2 ** 20, 2),
      heapAtEndMB: round(heapAtEnd / 2 ** 20, 2),
      growthPercent: round(growthPercent),
      mainThreadBusyPercent: round(busyPercent),
      lastPriceDelayAtEnd: {
        seen: lateDelays.length,
        p50Ms: round(percentile(lateDelays, 50)),
        maxMs: round(lateDelays.at(-1) ?? NaN),
      },
      target: "growth < 20 %",
      targetMet: growthPercent < 20,
    };
  } finally {
    await stream?.stop();
    await browser.close();
    await app.close();
    await server.shutdown();
    await standin.close();
  }
}
