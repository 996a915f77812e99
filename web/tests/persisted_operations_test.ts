/**
 * The dashboard's persisted operations: the manifest its build writes holds every document it
 * sends, each valid against the server's schema and far inside the default limits, and the
 * dashboard works against a server that runs nothing else (GRAPHQL_PERSISTED_ONLY=1).
 */
import assert from "node:assert/strict";
import { parse, specifiedRules, validate } from "graphql";
import { schema } from "../../server/api/schema.ts";
import {
  defaultOperationLimits,
  measureDocument,
  operationLimitsRule,
} from "../../server/api/limits.ts";
import { loadPersistedOperations, sha256Hex } from "../../server/api/persisted_operations.ts";
import { graphqlRequest } from "../../server/testing/graphql_client.ts";
import { createWebAssets } from "../../server/web_assets.ts";
import { openBrowser } from "./chromium.ts";
import { PERSISTED_MANIFEST, startDashboardServer } from "./dashboard_server.ts";
import { readRecordedTrades, shiftTrades } from "./recorded_trades.ts";

Deno.test("every dashboard document is in the manifest, valid, and well inside the default limits", async () => {
  await createWebAssets({ log: () => {} }).ensureBuilt();
  const manifest = JSON.parse(await Deno.readTextFile(PERSISTED_MANIFEST)) as Record<
    string,
    string
  >;
  assert.ok(await loadPersistedOperations(PERSISTED_MANIFEST), "every hash matches its document");
  const limits = defaultOperationLimits(100_000);
  const names = new Set<string>();
  for (const [hash, document] of Object.entries(manifest)) {
    assert.equal(sha256Hex(document), hash);
    const errors = validate(schema, parse(document), [
      ...specifiedRules,
      operationLimitsRule(limits),
    ]);
    assert.deepEqual(errors.map((error) => error.message), [], document);
    for (const measured of measureDocument(document, schema, limits)) {
      names.add(measured.name!);
      assert.ok(measured.depth <= limits.maxDepth / 4, `${measured.name} depth ${measured.depth}`);
      assert.ok(measured.cost <= limits.maxCost / 4, `${measured.name} cost ${measured.cost}`);
    }
  }
  // The documents of each view, by the names the dashboard gives them.
  for (
    const name of [
      "Instruments",
      "Bars",
      "LiveBars",
      "LiveTrades",
      "PairAnalytics",
      "PairMethods",
      "PairStream",
      "PairScan",
      "Backtest",
      "BacktestSweep",
      "AlertRules",
      "CreateAlertRule",
      "LiveAlerts",
      "ImportProgress",
      "ImportJob",
    ]
  ) assert.ok(names.has(name), `the manifest has ${name}`);
});

Deno.test("the dashboard works against a server that runs only its persisted operations", async () => {
  const server = await startDashboardServer({ persistedOnly: true });
  const browser = await openBrowser();
  try {
    const recorded = await readRecordedTrades("usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz");
    const trades = shiftTrades(recorded.slice(-6_000), Date.now() * 1000 - 120_000);
    server.app.queue.push(trades);
    await server.app.queue.flush();

    const refused = await graphqlRequest(server.baseUrl, "{ instruments { symbol } }");
    assert.equal(refused.errors?.[0].extensions?.code, "PERSISTED_QUERY_ONLY");

    const { page } = browser;
    const texts: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/graphql") && request.method() === "POST") {
        texts.push(request.postData() ?? "");
      }
    });
    await page.goto(`${server.baseUrl}/market?symbol=BTCUSDT&tf=M1`);
    await page.locator('[data-chart="candles"] .apexcharts-candlestick-series path').first()
      .waitFor({ timeout: 15_000 });
    const lastClose = Number(trades.filter((t) => t.symbol === "BTCUSDT").at(-1)!.price);
    await page.getByTestId("last-price").filter({
      hasText: lastClose.toLocaleString("en-US", { minimumFractionDigits: 1 }),
    }).waitFor({ timeout: 10_000 });
    await page.goto(`${server.baseUrl}/pair?base=BTCUSDT&quote=ETHUSDT&tf=S1`);
    await page.locator('[data-chart="pair-zscore"] .apexcharts-canvas').waitFor({
      timeout: 15_000,
    });
    assert.ok(texts.length > 0, "the dashboard sent queries");
    for (const body of texts) {
      const sent = JSON.parse(body);
      assert.equal(sent.query, undefined, "queries are sent by hash only");
      assert.match(sent.extensions.persistedQuery.sha256Hash, /^[0-9a-f]{64}$/);
    }
    browser.assertNoPageErrors();
  } finally {
    await browser.close();
    await server.close();
  }
});
