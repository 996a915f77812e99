/**
 * The dashboard as a user meets it, in headless Chromium, while the local Binance stand-in streams
 * BTCUSDT and ETHUSDT aggTrades at a steady rate into the real app (embedded database, built
 * dashboard): how soon the Market view draws its candles after navigation, how long a trade takes
 * from leaving the stand-in to showing as the last price, and whether the page's JS heap grows over
 * minutes of streaming. Stand-in, server and bench share this process; Chromium runs beside it.
 */
import { createApp } from "../app.ts";
import { createBinanceFeed } from "../feed/binance.ts";
import { aggTradeEvent, startBinanceStandin } from "../testing/binance_standin.ts";
import { createWebAssets } from "../web_assets.ts";
import { CHROMIUM_PATH, openBrowser, type Page } from "../../web/tests/chromium.ts";

export interface DashboardBenchOptions {
  /** Trades per second per symbol. Default 50. */
  rate?: number;
  /** Minutes of streaming before the last heap reading. Default 10. */
  minutes?: number;
  /** Markers timed from the stand-in to the page's last price. Default 200. */
  markers?: number;
  /** Navigations timed to the first drawn candles. Default 5. */
  navigations?: number;
}

const CANDLES = '[data-chart="candles"] .apexcharts-candlestick-series path';
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
 * Publishes one trade per symbol every `1000 / rate` ms. Ordinary trades walk on whole dollars;
 * a marker is priced at half a dollar so its text ("60,012.5") can be shown by nothing else.
 */
function startTradeStream(
  standin: ReturnType<typeof startBinanceStandin>,
  rate: number,
) {
  const prices = { ...START_PRICE };
  const ids = { BTCUSDT: 0, ETHUSDT: 0 };
  const pendingMarkers: ((sentAtMs: number, text: string) => void)[] = [];
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
          const price = marker ? prices[symbol] + 0.5 : prices[symbol];
          const event = aggTradeEvent(symbol, ++ids[symbol], {
            timeMs: Date.now(),
            price: price.toFixed(1),
            qty: "0.010",
          });
          const sentAtMs = epochMs();
          standin.publish([{ stream: `${symbol.toLowerCase()}@aggTrade`, data: event }]);
          // The Market view shows a BTC price with one decimal (formatPrice).
          marker?.(sentAtMs, price.toLocaleString("en-US", { minimumFractionDigits: 1 }));
        }
      }
      await sleep(2);
    }
  })();
  return {
    /** The next BTCUSDT trade is a marker; resolves with when it was sent and its shown text. */
    marker(): Promise<{ sentAtMs: number; text: string }> {
      return new Promise((resolve) =>
        pendingMarkers.push((sentAtMs, text) => resolve({ sentAtMs, text }))
      );
    },
    sent: () => ticks * SYMBOLS.length,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Records every text the last price shows, with the page's wall clock, in `window.__lastPrices`. */
function observeLastPrice(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: [string, number][] = [];
    (globalThis as unknown as { __lastPrices: [string, number][] }).__lastPrices = seen;
    const target = document.querySelector('[data-testid="last-price"]');
    if (!target) throw new Error("The Market view shows no last price to observe");
    new MutationObserver(() => {
      seen.push([target.textContent ?? "", performance.timeOrigin + performance.now()]);
    }).observe(target, { characterData: true, childList: true, subtree: true });
  });
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
  const standin = startBinanceStandin({ market: "futures" });
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    serveStatic: assets.serve,
    log: () => {},
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
    stream = startTradeStream(standin, rate);
    const streamStart = performance.now();
    // A few seconds of bars stored, so the first view has history to draw.
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
    const markers: { sentAtMs: number; text: string }[] = [];
    // Four markers a second: each one is shown long before the next is sent.
    for (let index = 0; index < markerCount; index++) {
      markers.push(await stream.marker());
      await sleep(250);
    }
    await sleep(1_000);
    const shown = await page.evaluate(() =>
      (globalThis as unknown as { __lastPrices: [string, number][] }).__lastPrices
    );
    const delays: number[] = [];
    for (const marker of markers) {
      const seen = shown.find(([text, at]) => text === marker.text && at >= marker.sentAtMs);
      if (seen) delays.push(seen[1] - marker.sentAtMs);
    }
    const delaySorted = delays.sort((a, b) => a - b);
    yield {
      bench: "dashboard",
      measurement: "stand-in send -> Market view last price shows the trade",
      rate,
      markers: markers.length,
      seen: delays.length,
      p50Ms: round(percentile(delaySorted, 50)),
      p99Ms: round(percentile(delaySorted, 99)),
      maxMs: round(delaySorted.at(-1) ?? NaN),
      target: "p99 < 100 ms",
      targetMet: delays.length === markers.length && percentile(delaySorted, 99) < 100,
    };

    await sleep(Math.max(0, 60_000 - (performance.now() - pageOpened)));
    const heapAtOneMinute = await heapUsedBytes(page);
    await sleep(Math.max(0, minutes * 60_000 - (performance.now() - pageOpened)));
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
