import assert from "node:assert/strict";
import type { Trade } from "../../server/domain.ts";
import { openBrowser } from "./chromium.ts";
import { startDashboardServer } from "./dashboard_server.ts";
import { readRecordedTrades, shiftTrades } from "./recorded_trades.ts";
import { schemaHas } from "./schema_fields.ts";

const alertsApi = schemaHas("Query", "alertRules") && schemaHas("Subscription", "alerts");
if (!alertsApi) console.warn("Alerts view browser test skipped: the server has no alerts yet");

Deno.test({
  name: "a price rule created in the alerts view fires on a crossing trade: toast and log entry",
  ignore: !alertsApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
      const trades = shiftTrades(recorded.slice(-500), Date.now() * 1000 - 5_000_000);
      server.app.queue.push(trades);
      await server.app.queue.flush();
      const last = trades.findLast((trade) => trade.symbol === "BTCUSDT")!;
      const level = Math.round(Number(last.price)) + 50;

      const { page } = browser;
      await page.goto(`${server.baseUrl}/alerts?symbol=BTCUSDT`);
      assert.equal(await page.getByTestId("alert-symbol").inputValue(), "BTCUSDT");
      await page.getByTestId("alert-level").fill(String(level));
      await page.getByTestId("alert-create").click();
      const rule = page.getByTestId("alert-rules").locator("tbody tr");
      await rule.first().waitFor({ timeout: 10_000 });
      assert.match(await rule.first().textContent() ?? "", /BTCUSDT/);

      // A trade under the level, then one over it: the rule fires once, on the crossing.
      const nowUs = Date.now() * 1000;
      const next = (offset: number, price: number): Trade => ({
        ...last,
        tradeId: last.tradeId + offset,
        price: String(price),
        timeUs: nowUs + offset,
        receivedAtUs: nowUs + offset,
      });
      server.app.queue.push([next(1, level - 20), next(2, level + 20)]);
      await server.app.queue.flush();

      const toast = page.getByTestId("alert-toast").first();
      await toast.waitFor({ timeout: 10_000 });
      assert.match(await toast.textContent() ?? "", /BTCUSDT/);
      const entry = page.getByTestId("alert-log").locator("li").first();
      await entry.waitFor({ timeout: 10_000 });
      assert.match(await entry.textContent() ?? "", new RegExp(String(level).slice(0, 3)));
      await browser.screenshot("alerts");

      // The toast follows the user to another view, and leaves by itself.
      await page.getByRole("link", { name: "Market" }).click();
      await page.getByTestId("alert-toast").first().waitFor({ state: "detached", timeout: 10_000 });

      await page.getByRole("link", { name: "Alerts" }).click();
      await page.getByRole("button", { name: "Pause" }).click();
      await rule.first().getByText("paused").waitFor({ timeout: 5_000 });
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByText("No alert rules yet").waitFor({ timeout: 5_000 });
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
