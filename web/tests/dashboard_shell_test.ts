import assert from "node:assert/strict";
import { openBrowser } from "./chromium.ts";
import { startDashboardServer } from "./dashboard_server.ts";
import { readRecordedTrades } from "./recorded_trades.ts";

Deno.test("switching views back and forth leaves only the shown view's charts alive", async () => {
  const server = await startDashboardServer();
  const browser = await openBrowser();
  try {
    const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
    server.app.queue.push(recorded.slice(-3000));
    await server.app.queue.flush();
    const { page } = browser;
    await page.goto(`${server.baseUrl}/market?symbol=BTCUSDT&tf=S1`);
    await page.locator('[data-chart="candles"] .apexcharts-canvas').waitFor();
    for (let round = 0; round < 4; round++) {
      await page.getByRole("link", { name: "Pair" }).click();
      await page.locator('[data-chart="pair-zscore"] .apexcharts-canvas').waitFor();
      await page.getByRole("link", { name: "Market" }).click();
      await page.locator('[data-chart="candles"] .apexcharts-canvas').waitFor();
    }
    await page.waitForTimeout(300);
    const alive = await page.evaluate(() => ({
      canvases: document.querySelectorAll(".apexcharts-canvas").length,
      // ApexCharts registers grouped charts globally until they are destroyed.
      registered: (globalThis as { Apex?: { _chartInstances?: unknown[] } }).Apex
        ?._chartInstances?.length ?? 0,
    }));
    assert.deepEqual(alive, { canvases: 2, registered: 2 });
    await page.goBack();
    await page.locator('[data-view="pair"]').waitFor();
    browser.assertNoPageErrors();
  } finally {
    await browser.close();
    await server.close();
  }
});

Deno.test("the connection indicator says when the server goes away", async () => {
  const server = await startDashboardServer();
  const browser = await openBrowser();
  let serverOpen = true;
  try {
    const { page } = browser;
    await page.goto(`${server.baseUrl}/market`);
    const status = page.getByTestId("connection-status");
    // The test server runs without a market feed.
    await status.getByText("no feed").waitFor({ timeout: 10_000 });
    await page.getByText("No instruments with data yet").waitFor();
    await server.close();
    serverOpen = false;
    await status.getByText(/reconnecting|server unreachable/).waitFor({ timeout: 10_000 });
    await browser.screenshot("market-server-gone");
  } finally {
    await browser.close();
    if (serverOpen) await server.close();
  }
});
