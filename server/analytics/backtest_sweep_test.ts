import assert from "node:assert/strict";
import { runBacktest } from "./backtest.ts";
import { sweepBacktest } from "./backtest_sweep.ts";
import { assertClose } from "./fixtures/assert_close.ts";
import reference from "./fixtures/backtest_reference.json" with { type: "json" };
import { readKlinePair } from "./fixtures/klines.ts";
import { lcgPair, lcgSeries } from "./fixtures/lcg_series.ts";

const sweep = reference.sweep;
const pair = readKlinePair(sweep.pair.y, sweep.pair.x, "LOG");
const signals = sweep.windows.map((window) =>
  reference
    .zscores[`${sweep.pair.y}/${sweep.pair.x} LOG OLS z${window}` as keyof typeof reference.zscores]
);
const series = {
  timesUs: pair.timesUs,
  priceY: pair.priceY,
  priceX: pair.priceX,
  hedgeRatio: pair.priceY.map(() => signals[0].hedgeRatio),
  transform: "LOG" as const,
  barSeconds: 60,
  inSample: true,
  zscores: sweep.windows.map((window, index) => ({ window, zscore: signals[index].zscore })),
};
const options = {
  entries: [1.5, 2, 2.5],
  exits: [0, 0.5, 1],
  stop: sweep.stop,
  feeBps: sweep.feeBps,
  notional: sweep.notional,
};

// Reference: the Python backtest of fixtures/make_fixtures_stationarity.py run once per cell on
// pandas rolling z-scores (windows 30, 60, 120) of the statsmodels OLS spread of the 2018-06-18
// klines.
Deno.test("every sweep cell agrees with the Python reference backtest", () => {
  const cells = sweepBacktest(series, options);
  assert.equal(cells.length, sweep.cells.length);
  cells.forEach((cell, index) => {
    const expected = sweep.cells[index];
    assert.deepEqual([cell.window, cell.entry, cell.exit], [
      expected.window,
      expected.entry,
      expected.exit,
    ]);
    const label = `window ${cell.window} entry ${cell.entry} exit ${cell.exit}`;
    assert.equal(cell.metrics.trades, expected.metrics.trades, `${label} trades`);
    for (const key of ["netPnl", "sharpe", "maxDrawdown", "winRate", "exposure"] as const) {
      assertClose(cell.metrics[key], expected.metrics[key], 1e-9, `${label} ${key}`, 1e-9);
    }
  });
});

Deno.test("a sweep cell reports exactly what a full backtest with its thresholds reports", () => {
  for (const cell of sweepBacktest(series, options)) {
    const index = sweep.windows.indexOf(cell.window as number);
    const { equity: _equity, tradeList: _trades, inSample: _inSample, ...metrics } = runBacktest(
      { ...series, zscore: signals[index].zscore },
      { entry: cell.entry, exit: cell.exit, stop: options.stop, feeBps: options.feeBps },
    );
    assert.deepEqual(cell.metrics, metrics);
  }
});

Deno.test("threshold pairs that break 0 <= exit < entry < stop are left out of the grid", () => {
  const cells = sweepBacktest(series, { entries: [1, 3.5], exits: [0.5, 1.5], stop: 3 });
  assert.deepEqual(
    cells.map((cell) => [cell.window, cell.entry, cell.exit]),
    sweep.windows.map((window) => [window, 1, 0.5]),
  );
});

Deno.test("a 4 x 4 x 3 sweep over 100,000 bars fills every cell and trades", () => {
  const n = 100_000;
  const { y, x } = lcgPair({
    beta: 1,
    x: { seed: 51, n, level: 1000 },
    noise: { seed: 52, n, phi: 0.95, level: 1000 },
  });
  const zscores = [20, 60, 120].map((window) => ({
    window,
    zscore: Array.from(lcgSeries({ seed: window, n, phi: 0.97, scale: 0.5 })),
  }));
  const cells = sweepBacktest({
    timesUs: Array.from({ length: n }, (_, index) => index * 1_000_000),
    priceY: y,
    priceX: x,
    hedgeRatio: new Array(n).fill(1),
    transform: "RAW",
    barSeconds: 1,
    inSample: false,
    zscores,
  });
  assert.equal(cells.length, 3 * 16);
  assert.ok(cells.some((cell) => cell.metrics.trades > 100), "the grid trades");
});
