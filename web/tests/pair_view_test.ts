import assert from "node:assert/strict";
import { DEFAULT_PARAMS } from "../src/state/dashboard_params.ts";
import { formatNumber } from "../src/ui/format.ts";
import { openBrowser } from "./chromium.ts";
import { type DashboardServer, startDashboardServer } from "./dashboard_server.ts";
import { graphql } from "./graphql_request.ts";
import { readRecordedTrades, shiftTrades } from "./recorded_trades.ts";
import { schemaHas } from "./schema_fields.ts";

const pairApi = schemaHas("Query", "pairAnalytics") && schemaHas("Subscription", "pairStream");
if (!pairApi) {
  console.warn("Pair view browser tests skipped: the server has no pairAnalytics/pairStream yet");
}

/** The z-score of each bucket, as `pairAnalytics` answers for the pair the view follows live. */
async function pairZScores(server: DashboardServer): Promise<Map<number, number | null>> {
  const query = `{ pairAnalytics(input: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: S1,
    zWindow: 30, method: ROLLING_OLS, priceTransform: ${DEFAULT_PARAMS.transform},
    corrWindow: ${DEFAULT_PARAMS.corrWindow}, hedgeWindow: ${DEFAULT_PARAMS.hedgeWindow} }) {
    points { time zscore } } }`;
  const answer = await graphql(server, query);
  const points: { time: string; zscore: number | null }[] = answer.pairAnalytics.points;
  return new Map(points.map((point) => [Date.parse(point.time), point.zscore]));
}

Deno.test({
  name: "pair view analyses real trades: charts, every hedge method, the reading in words",
  ignore: !pairApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
      const trades = shiftTrades(recorded, Date.now() * 1000 - 2_000_000);
      server.app.queue.push(trades);
      await server.app.queue.flush();
      const { page } = browser;
      await page.goto(`${server.baseUrl}/pair?base=BTCUSDT&quote=ETHUSDT&tf=S1&z=30`);

      const table = page.getByTestId("method-table");
      await table.locator("tbody tr").nth(4).waitFor({ timeout: 20_000 });
      const methods = await table.locator("tbody tr td:first-child").allTextContents();
      assert.deepEqual(methods, ["OLS", "Huber", "Theil-Sen", "Rolling OLS", "Kalman"]);

      const reading = page.getByTestId("pair-reading");
      await reading.getByText(/cointegrated at 5%/).first().waitFor({ timeout: 20_000 });
      const words = await reading.textContent() ?? "";
      assert.match(words, /Engle-Granger p [=<] /);
      assert.match(words, /ADF on the spread: statistic/);
      assert.match(words, /Half-life: /);
      assert.match(await page.getByTestId("pair-signal").textContent() ?? "", /Current z = -?\d/);

      for (const chart of ["pair-prices", "pair-spread", "pair-zscore", "pair-correlation"]) {
        const lines = page.locator(`[data-chart="${chart}"] .apexcharts-line-series path`);
        await lines.first().waitFor({ timeout: 10_000 });
      }
      await page.waitForTimeout(500);
      await browser.screenshot("pair");

      // New trades of both legs in a later second: pairStream brings the new point.
      const count = page.getByTestId("pair-point-count");
      const held = Number(
        (await count.textContent())!.match(/^([\d,]+) points/)![1].replace(",", ""),
      );
      assert.match(await count.textContent() ?? "", /following live/);
      const nowUs = Date.now() * 1000;
      const newest = (symbol: string) => trades.findLast((trade) => trade.symbol === symbol)!;
      server.app.queue.push(["BTCUSDT", "ETHUSDT"].map((symbol) => ({
        ...newest(symbol),
        tradeId: newest(symbol).tradeId + 1,
        timeUs: nowUs,
        receivedAtUs: nowUs,
      })));
      await count.filter({ hasText: new RegExp(`^${(held + 1).toLocaleString("en-US")} points`) })
        .waitFor({ timeout: 5_000 });

      // A live trade moves the current z-score within a second, to what pairAnalytics answers for
      // that bucket. Rolling OLS fits only past bars, so the live point and the query agree.
      await page.getByTestId("pair-method").selectOption("ROLLING_OLS");
      await page.waitForURL(/method=ROLLING_OLS/);
      const signal = page.getByTestId("pair-signal");
      await signal.filter({ hasText: /Current z = -?\d/ }).waitFor({ timeout: 20_000 });
      await page.waitForTimeout(1_500);
      const shownZ = async () => (await signal.textContent())?.match(/Current z = (\S+?),/)?.[1];
      const before = await shownZ();
      assert.ok(before, "the page shows the current z before the trade");
      const liveUs = Date.now() * 1000;
      const lastBtc = newest("BTCUSDT");
      const pushedAt = performance.now();
      server.app.queue.push([{
        ...lastBtc,
        tradeId: lastBtc.tradeId + 2,
        price: (Number(lastBtc.price) * 1.004).toFixed(2),
        timeUs: liveUs,
        receivedAtUs: liveUs,
      }]);
      await signal.filter({ hasNotText: `Current z = ${before},` }).waitFor({ timeout: 1_000 });
      const movedMs = performance.now() - pushedAt;
      const after = await shownZ();
      await server.app.queue.flush();
      const analysed = await pairZScores(server);
      const bucket = Math.floor(liveUs / 1_000_000) * 1000;
      assert.ok(analysed.has(bucket), "pairAnalytics has the live trade's bucket");
      assert.equal(after, formatNumber(analysed.get(bucket), 2), `z shown ${movedMs} ms after`);
      assert.ok(movedMs < 1_000, `the z-score moved ${movedMs} ms after the trade`);

      await page.getByTestId("pair-method").selectOption("KALMAN");
      await page.waitForURL(/method=KALMAN/);
      await page.reload();
      assert.equal(await page.getByTestId("pair-method").inputValue(), "KALMAN");
      assert.equal(await page.getByTestId("pair-z-window").inputValue(), "30");
      await table.locator("tr.selected-method td:first-child").getByText("Kalman").waitFor();
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "a pair view shows the server's error message when the pair cannot be analysed",
  ignore: !pairApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
      server.app.queue.push(recorded.slice(-2000));
      await server.app.queue.flush();
      const { page } = browser;
      await page.goto(`${server.baseUrl}/pair?base=BTCUSDT&quote=DOGEUSDT&tf=M5`);
      const alert = page.getByRole("alert").first();
      await alert.waitFor({ timeout: 10_000 });
      assert.match(await alert.textContent() ?? "", /DOGEUSDT/);
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
