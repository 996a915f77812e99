import assert from "node:assert/strict";
import { importFile } from "../../server/ingest/import_file.ts";
import { formatNumber } from "../src/ui/format.ts";
import { openBrowser } from "./chromium.ts";
import { type DashboardServer, startDashboardServer } from "./dashboard_server.ts";
import { schemaHas } from "./schema_fields.ts";

const backtestApi = schemaHas("Query", "backtest");
if (!backtestApi) {
  console.warn("Backtest view browser test skipped: the server has no backtest yet");
}

const KLINES = "../shared/data/spot-klines-1m-2018-06-18";

/** The `backtest` query as any API client sends it, for the figures the view must show. */
async function backtestFigures(
  server: DashboardServer,
  thresholds: string,
): Promise<{ netPnl: number; trades: number }> {
  const query = `{ backtest(input: {
    pair: { base: "BTCUSDT", quote: "ETHUSDT", venue: "binance-spot", timeframe: M1, zWindow: 30 },
    ${thresholds}, stop: null, feeBps: 2, walkForward: ROLLING
  }) { netPnl trades } }`;
  const response = await server.app.http.handle(
    new Request("http://local/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  const answer = await response.json();
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data.backtest;
}

Deno.test({
  name: "backtest view shows the same net PnL and trades as the backtest query, keeps its " +
    "parameters through a reload, and a sweep cell loads its backtest",
  ignore: !backtestApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
        await importFile(`${KLINES}/${symbol}-1m-octobot-20180618.csv`, server.app.store, {
          defaultVenue: "binance-spot",
        });
      }
      const first = await backtestFigures(server, "entry: 1.5, exit: 0.25");
      assert.ok(first.trades > 0, "the chosen thresholds trade on these klines");
      const { page } = browser;
      await page.goto(
        `${server.baseUrl}/backtest?venue=binance-spot&base=BTCUSDT&quote=ETHUSDT&tf=M1&z=30` +
          "&entry=1.5&exit=0.25&stop=off&fee=2&wf=rolling",
      );
      const netPnl = page.getByTestId("backtest-net-pnl");
      await netPnl.waitFor({ timeout: 20_000 });
      assert.equal(await netPnl.textContent(), formatNumber(first.netPnl, 2));
      assert.equal(
        await page.getByTestId("backtest-trade-count").textContent(),
        String(first.trades),
      );
      const rows = page.locator('[data-testid="backtest-trade-table"] tbody tr');
      assert.equal(await rows.count(), first.trades);
      // Walk-forward fits only on past bars: no look-ahead warning.
      assert.equal(await page.getByTestId("backtest-in-sample").count(), 0);

      for (const chart of ["backtest-equity", "backtest-drawdown", "backtest-zscore"]) {
        await page.locator(`[data-chart="${chart}"] .apexcharts-line-series path`).first()
          .waitFor({ timeout: 10_000 });
      }
      await page.locator('[data-chart="backtest-zscore"] .apexcharts-point-annotations')
        .first().waitFor({ state: "attached", timeout: 10_000 });
      await page.waitForTimeout(500);
      await browser.screenshot("backtest");

      const second = await backtestFigures(server, "entry: 1.8, exit: 0.25");
      await page.getByTestId("backtest-entry").fill("1.8");
      await page.getByTestId("backtest-entry").press("Enter");
      await page.waitForURL(/entry=1\.8/);
      await page.reload();
      assert.equal(await page.getByTestId("backtest-entry").inputValue(), "1.8");
      assert.equal(await page.getByTestId("backtest-exit").inputValue(), "0.25");
      assert.equal(await page.getByTestId("backtest-fee").inputValue(), "2");
      assert.ok(await page.getByTestId("backtest-stop-off").isChecked());
      await page.getByTestId("backtest-net-pnl")
        .filter({ hasText: formatNumber(second.netPnl, 2) }).waitFor({ timeout: 20_000 });
      assert.equal(
        await page.getByTestId("backtest-trade-count").textContent(),
        String(second.trades),
      );

      // The sweep's heat map: a cell shows its net PnL, and clicking it loads that backtest.
      const third = await backtestFigures(server, "entry: 2.5, exit: 0.5");
      await page.getByTestId("sweep-run").click();
      const cell = page.locator('[data-testid="sweep-map"] td[data-entry="2.5"][data-exit="0.5"]');
      await cell.waitFor({ timeout: 30_000 });
      assert.equal(await cell.textContent(), formatNumber(third.netPnl, 0));
      assert.match(await cell.getAttribute("title") ?? "", new RegExp(`${third.trades} trades`));
      await page.getByTestId("sweep-map").screenshot({ path: "test-artifacts/backtest-sweep.png" });
      await cell.click();
      await page.waitForURL(/entry=2\.5/);
      await page.getByTestId("backtest-net-pnl")
        .filter({ hasText: formatNumber(third.netPnl, 2) }).waitFor({ timeout: 20_000 });
      assert.equal(
        await page.getByTestId("backtest-trade-count").textContent(),
        String(third.trades),
      );
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
