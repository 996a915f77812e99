import assert from "node:assert/strict";
import { importFile } from "../../server/ingest/import_file.ts";
import { equityAndDrawdown } from "../src/backtest/backtest_series.ts";
import { rebasedPrices } from "../src/pair/pair_series.ts";
import { DEFAULT_PARAMS } from "../src/state/dashboard_params.ts";
import { formatNumber, formatPrice } from "../src/ui/format.ts";
import {
  assertEveryChartZoomsPansAndHovers,
  axisValue,
  type ChartValues,
  hover,
  rangeOnceEqual,
  resetZoom,
  shownRange,
  tooltipTime,
  zoomAndPan,
} from "./chart_gestures.ts";
import { openBrowser } from "./chromium.ts";
import { startDashboardServer } from "./dashboard_server.ts";
import { graphql } from "./graphql_request.ts";
import { readRecordedTrades, shiftTrades } from "./recorded_trades.ts";
import { schemaHas } from "./schema_fields.ts";

Deno.test("market charts zoom, pan and hover, and a zoomed chart stays put while bars stream in", async () => {
  const server = await startDashboardServer();
  const browser = await openBrowser();
  try {
    const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
    const trades = shiftTrades(recorded.slice(-12_000), Date.now() * 1000 - 200_000);
    server.app.queue.push(trades);
    await server.app.queue.flush();
    const { page } = browser;
    await page.goto(`${server.baseUrl}/market?symbol=BTCUSDT&tf=S1`);
    await page.locator('[data-chart="candles"] .apexcharts-candlestick-series path').first()
      .waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);

    // The volume chart below zooms and pans too, and follows the candles' zoom.
    const wholeVolume = await shownRange(page, "volume");
    await zoomAndPan(page, "volume");
    await resetZoom(page, "volume");
    const panned = await zoomAndPan(page, "candles");
    const followed = await rangeOnceEqual(page, "volume", panned);
    assert.deepEqual(followed, panned, "the volume chart follows the candles' zoom and pan");
    assert.ok(
      followed[1] - followed[0] < wholeVolume[1] - wholeVolume[0],
      "the volume chart narrowed with the candles' zoom",
    );

    const answer = await graphql(
      server,
      `{ bars(symbol: "BTCUSDT", venue: "binance-futures", timeframe: S1, limit: 1000) {
        time open high low close volume } }`,
    );
    const bars = new Map<
      number,
      { open: number; high: number; low: number; close: number; volume: number }
    >(
      answer.bars.map((bar: { time: string }) => [Date.parse(bar.time), bar]),
    );
    const candleText = await hover(page, "candles", 0.5);
    const candle = bars.get(tooltipTime(candleText));
    assert.ok(candle, `the hovered candle is a stored bar: ${candleText}`);
    for (const price of [candle.open, candle.high, candle.low, candle.close]) {
      assert.ok(
        candleText.includes(formatPrice(price)),
        `${candleText} shows ${formatPrice(price)}`,
      );
    }
    const volumeText = await hover(page, "volume", 0.5);
    const volumeBar = bars.get(tooltipTime(volumeText));
    assert.ok(volumeBar, `the hovered volume bar is a stored bar: ${volumeText}`);
    assert.ok(volumeText.includes(formatNumber(volumeBar.volume, 4)), volumeText);

    // Trades keep arriving for a few seconds: new candles form, the zoomed range stays.
    const last = trades.findLast((trade) => trade.symbol === "BTCUSDT")!;
    for (let second = 1; second <= 3; second++) {
      const nowUs = Date.now() * 1000;
      const price = (Number(last.price) + second).toFixed(1);
      server.app.queue.push([{
        ...last,
        tradeId: last.tradeId + second,
        price,
        timeUs: nowUs,
        receivedAtUs: nowUs,
      }]);
      await page.getByTestId("last-price").filter({
        hasText: Number(price).toLocaleString("en-US", { minimumFractionDigits: 1 }),
      }).waitFor({ timeout: 5_000 });
      await page.waitForTimeout(1_000);
    }
    assert.deepEqual(await shownRange(page, "candles"), panned, "the zoom survived live bars");
    browser.assertNoPageErrors();
  } finally {
    await browser.close();
    await server.close();
  }
});

const pairApi = schemaHas("Query", "pairAnalytics");

Deno.test({
  name: "every pair chart zooms, pans and shows the hovered point's value",
  ignore: !pairApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
      server.app.queue.push(shiftTrades(recorded, Date.now() * 1000 - 2_000_000));
      await server.app.queue.flush();
      const answer = await graphql(
        server,
        `{ pairAnalytics(input: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: S1, zWindow: 30,
          method: ${DEFAULT_PARAMS.method}, priceTransform: ${DEFAULT_PARAMS.transform},
          corrWindow: ${DEFAULT_PARAMS.corrWindow}, hedgeWindow: ${DEFAULT_PARAMS.hedgeWindow} }) {
          points { time y x hedgeRatio spread zscore correlation } } }`,
      );
      const points = answer.pairAnalytics.points.map((
        point: { time: string } & Record<string, number | null>,
      ) => ({ ...point, time: Date.parse(point.time) }));
      const at = (time: number) => points.find((point: { time: number }) => point.time === time);
      const rebased = rebasedPrices(points, DEFAULT_PARAMS.transform);
      const baseAt = new Map(rebased.base);

      const { page } = browser;
      await page.goto(`${server.baseUrl}/pair?base=BTCUSDT&quote=ETHUSDT&tf=S1&z=30`);
      // (The OLS hedge ratio is one flat line: a path of no height, which is never "visible".)
      await page.locator('[data-chart="pair-hedge"] .apexcharts-line-series path').first()
        .waitFor({ state: "attached", timeout: 20_000 });
      await page.waitForTimeout(1_000);

      const charts: ChartValues[] = [
        ["pair-prices", (time) => axisValue(baseAt.get(time), 2)],
        ["pair-spread", (time) => axisValue(at(time)?.spread, 5)],
        ["pair-zscore", (time) => axisValue(at(time)?.zscore, 2)],
        ["pair-correlation", (time) => axisValue(at(time)?.correlation, 2)],
        ["pair-hedge", (time) => axisValue(at(time)?.hedgeRatio, 4)],
      ];
      // The pair's charts are zoomed and panned together: the z-score follows each.
      await assertEveryChartZoomsPansAndHovers(page, charts, "pair-zscore");
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

const backtestApi = schemaHas("Query", "backtest");

Deno.test({
  name: "every backtest chart zooms, pans and shows the hovered point's value",
  ignore: !backtestApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
        await importFile(
          `../shared/data/spot-klines-1m-2018-06-18/${symbol}-1m-octobot-20180618.csv`,
          server.app.store,
          { defaultVenue: "binance-spot" },
        );
      }
      const pair = `{ base: "BTCUSDT", quote: "ETHUSDT", venue: "binance-spot", timeframe: M1,
        zWindow: 30, method: ${DEFAULT_PARAMS.method}, priceTransform: ${DEFAULT_PARAMS.transform},
        corrWindow: ${DEFAULT_PARAMS.corrWindow}, hedgeWindow: ${DEFAULT_PARAMS.hedgeWindow} }`;
      const answer = await graphql(
        server,
        `{ backtest(input: { pair: ${pair}, entry: 1.5, exit: 0.25, stop: null, feeBps: 2,
          walkForward: NONE }) { equity { time equity } }
          pairAnalytics(input: ${pair}) { points { time spread zscore } } }`,
      );
      const curves = equityAndDrawdown(answer.backtest.equity);
      const equity = new Map(curves.equity);
      const drawdown = new Map(curves.drawdown);
      const points = new Map<number, { spread: number | null; zscore: number | null }>(
        answer.pairAnalytics.points.map((point: { time: string }) => [
          Date.parse(point.time),
          point,
        ]),
      );

      const { page } = browser;
      await page.goto(
        `${server.baseUrl}/backtest?venue=binance-spot&base=BTCUSDT&quote=ETHUSDT&tf=M1&z=30` +
          "&entry=1.5&exit=0.25&stop=off&fee=2&wf=none",
      );
      await page.locator('[data-chart="backtest-zscore"] .apexcharts-line-series path').first()
        .waitFor({ timeout: 20_000 });
      await page.waitForTimeout(1_000);

      const charts: ChartValues[] = [
        ["backtest-equity", (time) => axisValue(equity.get(time), 2)],
        ["backtest-drawdown", (time) => axisValue(drawdown.get(time), 4)],
        ["backtest-spread", (time) => axisValue(points.get(time)?.spread, 5)],
        ["backtest-zscore", (time) => axisValue(points.get(time)?.zscore, 2)],
      ];
      await assertEveryChartZoomsPansAndHovers(page, charts, "backtest-equity");
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
