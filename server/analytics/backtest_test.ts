import assert from "node:assert/strict";
import { type BacktestSeries, runBacktest } from "./backtest.ts";
import { assertClose } from "./fixtures/assert_close.ts";
import reference from "./fixtures/backtest_reference.json" with { type: "json" };
import { readKlinePair } from "./fixtures/klines.ts";
import { assertMatchesReference } from "./fixtures/assert_backtest.ts";

const MINUTES_PER_YEAR = 365 * 24 * 60;

function minuteBars(
  priceY: number[],
  priceX: number[],
  zscore: (number | null)[],
  hedgeRatio: number | null,
  transform: "LOG" | "RAW" = "LOG",
): BacktestSeries {
  return {
    timesUs: priceY.map((_, index) => 1_700_000_000_000_000 + index * 60_000_000),
    priceY,
    priceX,
    zscore,
    hedgeRatio: priceY.map(() => hedgeRatio),
    transform,
    barSeconds: 60,
    inSample: true,
  };
}

Deno.test("a LONG spread trade enters a bar after z < -E and exits a bar after z >= -X", () => {
  // z_1 = -2.5 < -2: LONG filled at bar 2 (P^y 100, P^x 50): qty_y = 10000/100 = 100,
  // qty_x = beta N / P^x = 0.5 * 10000 / 50 = 100 (LOG: dollar hedge).
  // z_2 = -1 < -0.5 holds; z_3 = 0 >= -0.5 exits at bar 4.
  // Bar 3: +(100 * (110 - 100) - 100 * (50 - 50)) = 1000; bar 4: 100 * 10 - 100 * (40 - 50) = 2000.
  const result = runBacktest(
    minuteBars(
      [100, 100, 100, 110, 120, 120],
      [50, 50, 50, 50, 40, 40],
      [0, -2.5, -1, 0, 0, 0],
      0.5,
    ),
    { entry: 2, exit: 0.5, stop: null, feeBps: 0 },
  );
  assert.deepEqual(result.equity.map((point) => point.equity), [
    1e4,
    1e4,
    1e4,
    11000,
    13000,
    13000,
  ]);
  assert.equal(result.tradeList.length, 1);
  const [trade] = result.tradeList;
  assert.equal(trade.side, "LONG");
  assert.equal(trade.reason, "EXIT");
  assert.deepEqual([trade.entryIndex, trade.exitIndex, trade.bars], [2, 4, 2]);
  assert.deepEqual([trade.qtyY, trade.qtyX, trade.pnl], [100, 100, 3000]);
  assert.deepEqual([trade.entryPriceY, trade.entryPriceX, trade.exitPriceY, trade.exitPriceX], [
    100,
    50,
    120,
    40,
  ]);
  assert.equal(trade.entryTimeUs, 1_700_000_000_000_000 + 2 * 60_000_000);
  assert.equal(result.netPnl, 3000);
  assert.equal(result.return, 0.3);
  // Equity changes / N: 0, 0, 0.1, 0.2, 0; mean 0.06; squared deviations sum to 0.032, so the
  // sample variance is 0.032 / 4 = 0.008; one-minute bars: sqrt(525,600) per year.
  assertClose(
    result.sharpe,
    0.06 / Math.sqrt(0.008) * Math.sqrt(MINUTES_PER_YEAR),
    1e-12,
    "sharpe",
  );
  assert.equal(result.maxDrawdown, 0);
  assert.deepEqual([result.trades, result.winRate, result.avgHoldingBars], [1, 1, 2]);
  assert.equal(result.exposure, 2 / 6);
  assert.equal(result.inSample, true);
});

Deno.test("a SHORT spread trade with RAW prices is unit-hedged and pays fees on both fills", () => {
  // z_0 = 2.5 > 2: SHORT filled at bar 1 (P^y 100, P^x 20) with beta 2:
  // qty_y = 10000/100 = 100, qty_x = beta qty_y = 200 (RAW: unit hedge).
  // Entry fee at 10 bps: 0.001 * (100 * 100 + 200 * 20) = 14.
  // z_2 = 0.2 <= 0.5 exits at bar 3. Bar 2: -(100 * (90 - 100) - 200 * 0) = 1000;
  // bar 3: -(100 * (80 - 90) - 200 * (22 - 20)) = 1400. Exit fee 0.001 * (100*80 + 200*22) = 12.4.
  // Trade: 1000 + 1400 - 14 - 12.4 = 2373.6.
  const result = runBacktest(
    minuteBars([100, 100, 90, 80, 80], [20, 20, 20, 22, 22], [2.5, 1, 0.2, 0, 0], 2, "RAW"),
    { feeBps: 10 },
  );
  const [trade] = result.tradeList;
  assert.equal(trade.side, "SHORT");
  assert.deepEqual([trade.qtyY, trade.qtyX, trade.entryIndex, trade.exitIndex], [100, 200, 1, 3]);
  assertClose(trade.fees, 26.4, 1e-12, "fees");
  assertClose(trade.pnl, 2373.6, 1e-12, "pnl");
  const expectedEquity = [1e4, 9986, 10986, 12373.6, 12373.6];
  result.equity.forEach((point, index) =>
    assertClose(point.equity, expectedEquity[index], 1e-12, `equity ${index}`)
  );
  // The only dip is the entry fee: 14 below the starting peak of 10000.
  assertClose(result.maxDrawdown, 14 / 1e4, 1e-12, "max drawdown");
});

Deno.test("after a stop no entry is taken until |z| < X has been seen", () => {
  // LONG at bar 1 (z_0 = -2.5); z_2 = -4.5 <= -4 stops at bar 3. z_3 = -3 and z_4 = -2.5 would
  // enter, but the stop blocks them; z_5 = -0.2 (|z| < 0.5) lifts the block; z_6 = -2.5 enters at
  // bar 7, and z_7 = 0 exits at bar 8 (the last bar, an ordinary EXIT).
  // Trade 1: qty_y = 100, bars 2 and 3: 100 * (95 - 100) + 100 * (90 - 95) = -1000.
  // Trade 2: qty_y = 10000 / 90, bar 8: (10000 / 90) * (99 - 90) = 1000. X held flat (P^x = 50).
  const result = runBacktest(
    minuteBars(
      [100, 100, 95, 90, 90, 90, 90, 90, 99],
      new Array(9).fill(50),
      [-2.5, -3, -4.5, -3, -2.5, -0.2, -2.5, 0, 0],
      1,
    ),
    { entry: 2, exit: 0.5, stop: 4, feeBps: 0 },
  );
  assert.deepEqual(
    result.tradeList.map((trade) => [trade.entryIndex, trade.exitIndex, trade.reason]),
    [[1, 3, "STOP"], [7, 8, "EXIT"]],
  );
  assertClose(result.tradeList[0].pnl, -1000, 1e-12, "stopped trade");
  assertClose(result.tradeList[1].pnl, 1000, 1e-12, "second trade");
  // Equity falls from 10000 to 9000: a 10 % drawdown.
  assertClose(result.maxDrawdown, 0.1, 1e-12, "max drawdown");
  assert.deepEqual([result.winRate, result.avgHoldingBars], [0.5, 1.5]);
  assert.equal(result.exposure, 3 / 9);
});

Deno.test("a position still open at the last bar is closed there with reason END", () => {
  // z_1 = 2.5: SHORT at bar 2 (P^y 50, P^x 10, beta 1): qty_y = 200, qty_x = 1000.
  // Default fee 4 bps: entry 4e-4 * (200 * 50 + 1000 * 10) = 8. z_2 = 1 > 0.5 holds.
  // Bar 3 (last): -(200 * (55 - 50)) = -1000, closed at once: fee 4e-4 * (200*55 + 1000*10) = 8.4.
  const result = runBacktest(minuteBars([50, 50, 50, 55], [10, 10, 10, 10], [0, 2.5, 1, 1], 1));
  const [trade] = result.tradeList;
  assert.deepEqual([trade.side, trade.reason, trade.bars], ["SHORT", "END", 1]);
  assertClose(trade.pnl, -1016.4, 1e-12, "pnl");
  assertClose(result.equity[3].equity, 8983.6, 1e-12, "final equity");
  // Peak 10000, trough 8983.6.
  assertClose(result.maxDrawdown, 1016.4 / 1e4, 1e-12, "max drawdown");
  assert.equal(result.winRate, 0);
});

Deno.test("no trade: signals beyond the stop, on the last bar, or without a hedge ratio", () => {
  // z = -5 is beyond the stop of 4; z at the last bar cannot be filled; null z gives no signal.
  const beyondStop = runBacktest(minuteBars([1, 1, 1], [1, 1, 1], [-5, null, -3], 1));
  assert.equal(beyondStop.trades, 0);
  assert.deepEqual([beyondStop.sharpe, beyondStop.winRate, beyondStop.avgHoldingBars], [
    null,
    null,
    null,
  ]);
  const noHedge = runBacktest(minuteBars([1, 1, 1], [1, 1, 1], [-3, -3, -3], null));
  assert.equal(noHedge.trades, 0);
  assert.equal(noHedge.netPnl, 0);
});

Deno.test("backtest rules and series are checked with messages that say what to fix", () => {
  const series = minuteBars([1, 2, 3], [1, 2, 3], [0, 0, 0], 1);
  assert.throws(() => runBacktest(series, { exit: 2.5 }), /0 <= exit < entry \(2\); got 2.5/);
  assert.throws(() => runBacktest(series, { stop: 1 }), /stop must be above entry/);
  assert.throws(() => runBacktest(series, { notional: 0 }), /notional must be positive/);
  assert.throws(
    () => runBacktest({ ...series, priceX: [1, 0, 3] }),
    /priceX\[1\] must be a positive/,
  );
  assert.throws(() => runBacktest({ ...series, zscore: [0, NaN, 0] }), /zscore\[1\]/);
  assert.throws(() => runBacktest({ ...series, zscore: [0, 0] }), /zscore has 2 bars, not 3/);
  assert.throws(() => runBacktest({ ...series, barSeconds: 0 }), /barSeconds/);
});

// Reference: a plain-Python backtest written from ANALYTICS.md (backtest() in
// fixtures/make_fixtures_stationarity.py) on the 2018-06-18 1-minute klines, with pandas rolling
// z-scores of the statsmodels OLS spread.
for (const run of reference.cases) {
  Deno.test(`backtest agrees with the Python reference: ${run.name}`, () => {
    const pair = readKlinePair(run.pair.y, run.pair.x, run.pair.transform as "LOG" | "RAW");
    const signal = reference.zscores[run.zscoreKey as keyof typeof reference.zscores];
    const result = runBacktest({
      timesUs: pair.timesUs,
      priceY: pair.priceY,
      priceX: pair.priceX,
      zscore: signal.zscore,
      hedgeRatio: pair.priceY.map(() => signal.hedgeRatio),
      transform: run.pair.transform as "LOG" | "RAW",
      barSeconds: run.barSeconds,
      inSample: true,
    }, { ...run.rules, notional: run.notional });
    assertMatchesReference(result, run.expected);
  });
}
