import assert from "node:assert/strict";
import { openBrowser, type Page } from "./chromium.ts";
import { startDashboardServer } from "./dashboard_server.ts";
import { importFile } from "../../server/ingest/import_file.ts";
import { readRecordedTrades, shiftTrades } from "./recorded_trades.ts";

Deno.test("market view shows real bars and the forming candle moves within a second of a trade", async () => {
  await waitClearOfMinuteEnd();
  const server = await startDashboardServer();
  const browser = await openBrowser();
  try {
    const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
    // The last ~3 minutes of the session, ending a moment ago, so the newest minute is forming.
    const trades = shiftTrades(recorded.slice(-12_000), Date.now() * 1000 - 200_000);
    server.app.queue.push(trades);
    await server.app.queue.flush();
    const btc = trades.filter((trade) => trade.symbol === "BTCUSDT");

    const { page } = browser;
    await page.goto(`${server.baseUrl}/market?symbol=BTCUSDT&tf=M1`);
    await page.locator('[data-chart="candles"] .apexcharts-candlestick-series path').first()
      .waitFor({ timeout: 15_000 });
    const candles = await page.locator(
      '[data-chart="candles"] .apexcharts-candlestick-series path',
    ).count();
    const minutes = new Set(btc.map((trade) => Math.floor(trade.timeUs / 60_000_000))).size;
    assert.equal(candles, minutes, "one candle per minute with BTCUSDT trades");
    const lastClose = Number(btc.at(-1)!.price);
    assert.equal(
      await page.getByTestId("last-price").textContent(),
      lastClose.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    );
    await browser.screenshot(`market-${await currentTheme(page)}`);

    const lastCandle = page.locator('[data-chart="candles"] .apexcharts-candlestick-series path')
      .last();
    const before = await lastCandle.getAttribute("d");
    const spike = Math.round(lastClose * 1.004 * 10) / 10;
    const last = btc.at(-1)!;
    const pushedAt = performance.now();
    server.app.queue.push([{
      ...last,
      tradeId: last.tradeId + 1_000_000,
      price: spike.toFixed(1),
      timeUs: last.timeUs + 1000,
      receivedAtUs: last.receivedAtUs + 1000,
    }]);
    await page.waitForFunction(
      ([selector, previous]) => {
        const paths = document.querySelectorAll(selector);
        return paths.length > 0 && paths[paths.length - 1].getAttribute("d") !== previous;
      },
      ['[data-chart="candles"] .apexcharts-candlestick-series path', before] as const,
      { timeout: 1000, polling: 20 },
    );
    const movedAfterMs = performance.now() - pushedAt;
    assert.ok(movedAfterMs < 1000, `the candle moved after ${movedAfterMs.toFixed(0)} ms`);
    assert.equal(await lastCandle.count(), 1);
    await page.getByTestId("last-price").filter({
      hasText: spike.toLocaleString("en-US", { minimumFractionDigits: 1 }),
    })
      .waitFor({ timeout: 1000 });
    assert.match(
      await page.getByTestId("market-stats").textContent() ?? "",
      new RegExp(spike.toLocaleString("en-US", { minimumFractionDigits: 1 })),
    );
    console.log(`forming candle moved ${movedAfterMs.toFixed(0)} ms after the trade was pushed`);

    await page.getByTestId("theme-toggle").click();
    await page.waitForTimeout(400);
    await browser.screenshot(`market-${await currentTheme(page)}`);
    browser.assertNoPageErrors();
  } finally {
    await browser.close();
    await server.close();
  }
});

Deno.test("the market view's instrument and timeframe survive a reload", async () => {
  const server = await startDashboardServer();
  const browser = await openBrowser();
  try {
    const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
    server.app.queue.push(recorded.slice(-3000));
    await server.app.queue.flush();
    const { page } = browser;
    await page.goto(`${server.baseUrl}/`);
    await page.locator('[data-instrument="binance-futures:ETHUSDT"]').click();
    await page.getByRole("button", { name: "S1", exact: true }).click();
    await page.waitForURL(/symbol=ETHUSDT/);
    assert.match(page.url(), /\/market\?.*tf=S1/);
    await page.reload();
    await page.locator('[data-instrument="binance-futures:ETHUSDT"].selected').waitFor();
    assert.equal(
      await page.getByRole("button", { name: "S1", exact: true }).getAttribute("aria-pressed"),
      "true",
    );
    await page.locator('[data-chart="candles"] .apexcharts-candlestick-series path').first()
      .waitFor({ timeout: 15_000 });
    assert.match(await page.getByTestId("market-stats").textContent() ?? "", /ETHUSDT/);
    browser.assertNoPageErrors();
  } finally {
    await browser.close();
    await server.close();
  }
});

Deno.test("the market charts hold the newest 300 bars, and earlier ones load on demand", async () => {
  const server = await startDashboardServer();
  const browser = await openBrowser();
  try {
    // A day of 1-minute klines: 1,440 bars, more than two windows.
    const report = await importFile(
      "../shared/data/spot-klines-1m-2018-06-18/BTCUSDT-1m-octobot-20180618.csv",
      server.app.store,
      { defaultVenue: "binance-spot" },
    );
    assert.ok(report.barsStored > 600, `the day holds ${report.barsStored} klines`);

    const { page } = browser;
    await page.goto(`${server.baseUrl}/market?venue=binance-spot&symbol=BTCUSDT&tf=M1`);
    const candles = page.locator('[data-chart="candles"] .apexcharts-candlestick-series path');
    await candles.first().waitFor({ timeout: 15_000 });
    await page.waitForFunction(
      (selector) => document.querySelectorAll(selector).length === 300,
      '[data-chart="candles"] .apexcharts-candlestick-series path',
      { timeout: 10_000 },
    );
    assert.match(await page.getByTestId("market-stats").textContent() ?? "", /300 bars/);

    await page.getByTestId("earlier-bars").click();
    await page.waitForFunction(
      (selector) => document.querySelectorAll(selector).length === 600,
      '[data-chart="candles"] .apexcharts-candlestick-series path',
      { timeout: 10_000 },
    );
    assert.match(await page.getByTestId("market-stats").textContent() ?? "", /600 bars/);
    browser.assertNoPageErrors();
  } finally {
    await browser.close();
    await server.close();
  }
});

function currentTheme(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.documentElement.dataset.theme);
}

/** A forming M1 bar must not close under the test: start at least 15 s before a minute ends. */
async function waitClearOfMinuteEnd() {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await new Promise((resolve) => setTimeout(resolve, 61_000 - intoMinute));
}
