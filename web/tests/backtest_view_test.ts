import assert from "node:assert/strict";
import { importFile } from "../../server/ingest/import_file.ts";
import { DEFAULT_PARAMS } from "../src/state/dashboard_params.ts";
import { formatNumber } from "../src/ui/format.ts";
import { openBrowser, type Page } from "./chromium.ts";
import { type DashboardServer, startDashboardServer } from "./dashboard_server.ts";
import { graphql } from "./graphql_request.ts";
import { schemaHas } from "./schema_fields.ts";

const backtestApi = schemaHas("Query", "backtest");
if (!backtestApi) {
  console.warn("Backtest view browser test skipped: the server has no backtest yet");
}

const KLINES = "../shared/data/spot-klines-1m-2018-06-18";

/** The pair as the view's URL below and its defaults name it. */
const PAIR =
  `{ base: "BTCUSDT", quote: "ETHUSDT", venue: "binance-spot", timeframe: M1, zWindow: 30,
  method: ${DEFAULT_PARAMS.method}, priceTransform: ${DEFAULT_PARAMS.transform},
  corrWindow: ${DEFAULT_PARAMS.corrWindow}, hedgeWindow: ${DEFAULT_PARAMS.hedgeWindow} }`;

/** The `backtest` query as any API client sends it, for the figures the view must show. */
async function backtestFigures(
  server: DashboardServer,
  thresholds: string,
): Promise<
  { netPnl: number; trades: number; tradeList: { entryTime: string; exitTime: string }[] }
> {
  const answer = await graphql(
    server,
    `{ backtest(input: {
      pair: ${PAIR}, ${thresholds}, stop: null, feeBps: 2, walkForward: ROLLING
    }) { netPnl trades tradeList { entryTime exitTime } } }`,
  );
  return answer.backtest;
}

/** The pair's spread and z-score at each bar, as `pairAnalytics` answers them. */
async function pairValues(
  server: DashboardServer,
): Promise<{ spread: Map<number, number | null>; zscore: Map<number, number | null> }> {
  const answer = await graphql(
    server,
    `{ pairAnalytics(input: ${PAIR}) { points { time spread zscore } } }`,
  );
  const points: { time: string; spread: number | null; zscore: number | null }[] =
    answer.pairAnalytics.points;
  return {
    spread: new Map(points.map((point) => [Date.parse(point.time), point.spread])),
    zscore: new Map(points.map((point) => [Date.parse(point.time), point.zscore])),
  };
}

/**
 * Where a chart drew its trade markers and its line, in screen pixels: each point annotation's
 * centre, and each vertex of the series line (one per bar with a value, in time order).
 */
function drawnMarkersAndLine(page: Page, chart: string) {
  return page.evaluate((label) => {
    const root = document.querySelector(`[data-chart="${label}"]`)!;
    const markers = [...root.querySelectorAll(".apexcharts-point-annotation-marker")].map(
      (marker) => {
        const box = marker.getBoundingClientRect();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      },
    );
    const line = root.querySelector<SVGPathElement>(
      ".apexcharts-line-series path.apexcharts-line",
    )!;
    const toScreen = line.getScreenCTM()!;
    const numbers = (line.getAttribute("d") ?? "").match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? [];
    const vertices = [];
    for (let i = 0; i + 1 < numbers.length; i += 2) {
      const point = new DOMPoint(Number(numbers[i]), Number(numbers[i + 1])).matrixTransform(
        toScreen,
      );
      vertices.push({ x: point.x, y: point.y });
    }
    return { markers, vertices };
  }, chart);
}

/**
 * Asserts the chart carries an entry and an exit marker per trade, each drawn on the chart's own
 * line at that trade's bar (the vertex of that bar), within `tolerancePx`.
 */
async function assertMarkersOnLine(
  page: Page,
  chart: string,
  trades: { entryTime: string; exitTime: string }[],
  values: Map<number, number | null>,
  tolerancePx = 3,
) {
  const times = [...values.keys()].filter((time) => values.get(time) !== null).sort((a, b) =>
    a - b
  );
  const { markers, vertices } = await drawnMarkersAndLine(page, chart);
  assert.equal(vertices.length, times.length, `${chart}: one line vertex per bar with a value`);
  const barTimes = trades.flatMap((trade) => [
    Date.parse(trade.entryTime),
    Date.parse(trade.exitTime),
  ]);
  assert.equal(markers.length, barTimes.length, `${chart}: an entry and an exit marker per trade`);
  barTimes.forEach((time, i) => {
    assert.notEqual(values.get(time) ?? null, null, `${chart} has a value at trade bar ${time}`);
    const vertex = vertices[times.indexOf(time)];
    const marker = markers[i];
    assert.ok(
      Math.abs(marker.x - vertex.x) <= tolerancePx && Math.abs(marker.y - vertex.y) <= tolerancePx,
      `${chart}: marker ${i} at (${marker.x}, ${marker.y}) is off its bar's point ` +
        `(${vertex.x}, ${vertex.y})`,
    );
  });
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
      // Entry and exit markers on the spread and the z-score, each on its own line at the bar.
      const values = await pairValues(server);
      const markedCharts = [
        ["backtest-zscore", values.zscore],
        ["backtest-spread", values.spread],
      ] as const;
      for (const [chart, series] of markedCharts) {
        await page.locator(`[data-chart="${chart}"] .apexcharts-point-annotation-marker`)
          .nth(2 * first.trades - 1).waitFor({ state: "attached", timeout: 10_000 });
        await page.waitForTimeout(500);
        await assertMarkersOnLine(page, chart, first.tradeList, series);
      }
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
