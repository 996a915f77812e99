import assert from "node:assert/strict";
import { openBrowser } from "./chromium.ts";
import { startDashboardServer } from "./dashboard_server.ts";
import { readRecordedTrades, shiftTrades } from "./recorded_trades.ts";
import { schemaHas } from "./schema_fields.ts";

const pairApi = schemaHas("Query", "pairAnalytics") && schemaHas("Subscription", "pairStream");
if (!pairApi) {
  console.warn("Pair view browser tests skipped: the server has no pairAnalytics/pairStream yet");
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

      await page.getByTestId("pair-method").selectOption("KALMAN");
      await page.waitForURL(/method=KALMAN/);
      await page.reload();
      assert.equal(await page.getByTestId("pair-method").inputValue(), "KALMAN");
      assert.equal(await page.getByTestId("z-window").inputValue(), "30");
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
