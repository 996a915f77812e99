import assert from "node:assert/strict";
import { openBrowser } from "./chromium.ts";
import { startDashboardServer } from "./dashboard_server.ts";
import { schemaHas } from "./schema_fields.ts";

const importApi = schemaHas("Subscription", "importProgress");
if (!importApi) console.warn("Data view browser test skipped: the server has no uploads yet");

const TICKS = "../shared/data/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz";

Deno.test({
  name: "a file uploaded in the data view is imported with its report and export links appear",
  ignore: !importApi,
  fn: async () => {
    const server = await startDashboardServer();
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${server.baseUrl}/data`);
      await page.getByTestId("upload-file").setInputFiles(TICKS);
      await page.getByTestId("upload-start").click();

      const report = page.locator('[data-testid="import-report"][data-state="DONE"]');
      await report.waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId("import-stored").textContent(), "33,661");
      assert.equal(await page.getByTestId("import-rejected").textContent(), "192");
      const rejections = await page.getByTestId("import-rejections").locator("li")
        .allTextContents();
      assert.ok(rejections.length > 0);
      assert.match(rejections[0], /^line \d+: /);
      assert.equal(
        await page.getByTestId("import-progress").evaluate((bar) =>
          (bar as HTMLProgressElement).value
        ),
        1,
      );

      await browser.screenshot("data");

      // The imported instrument's bars and trades are offered as CSV and download as CSV.
      await page.reload();
      const links = page.getByTestId("export-links").locator("a");
      await links.first().waitFor({ timeout: 10_000 });
      const href = await links.first().getAttribute("href");
      assert.match(href ?? "", /^\/export\/bars\.csv\?symbol=/);
      const csv = await fetch(`${server.baseUrl}${href}`);
      assert.equal(csv.status, 200);
      assert.match((await csv.text()).split("\n")[0], /^time,venue,symbol,timeframe,open/);
      browser.assertNoPageErrors();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
