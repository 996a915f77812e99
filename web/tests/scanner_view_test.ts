import assert from "node:assert/strict";
import { openBrowser } from "./chromium.ts";
import { startDashboardServer } from "./dashboard_server.ts";
import { readRecordedTrades } from "./recorded_trades.ts";
import { schemaHas } from "./schema_fields.ts";

const scanApi = schemaHas("Query", "pairScan") && schemaHas("Query", "pairAnalytics");
if (!scanApi) console.warn("Scanner browser tests skipped: the server has no pairScan yet");

Deno.test({
  name: "scanner ranks real pairs, sorts by a column, and a row opens the pair view",
  ignore: !scanApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
      server.app.queue.push(recorded);
      await server.app.queue.flush();
      const { page } = browser;
      await page.goto(`${server.baseUrl}/scanner?tf=S1`);
      const rows = page.locator('[data-testid="scanner-table"] tbody tr');
      await rows.first().waitFor({ timeout: 20_000 });
      const pairs = await rows.evaluateAll((cells) => cells.map((row) => row.dataset.pair));
      assert.ok(
        pairs.includes("BTCUSDT/ETHUSDT") || pairs.includes("ETHUSDT/BTCUSDT"),
        `the scan names the recorded pair: ${pairs.join(", ")}`,
      );
      await browser.screenshot("scanner");

      await page.getByRole("button", { name: /^Bars/ }).click();
      await page.getByRole("button", { name: /^Bars ▼/ }).waitFor();

      const first = pairs[0]!;
      await rows.first().click();
      await page.waitForURL(/\/pair\?/);
      const [base, quote] = first.split("/");
      const url = new URL(page.url());
      assert.equal(url.searchParams.get("base"), base);
      assert.equal(url.searchParams.get("quote"), quote);
      assert.equal(url.searchParams.get("tf"), "S1");
      await page.getByTestId("pair-reading").waitFor();
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
