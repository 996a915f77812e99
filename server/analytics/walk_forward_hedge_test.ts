import assert from "node:assert/strict";
import { runBacktest } from "./backtest.ts";
import { assertMatchesReference } from "./fixtures/assert_backtest.ts";
import { assertClose } from "./fixtures/assert_close.ts";
import reference from "./fixtures/backtest_reference.json" with { type: "json" };
import { readKlinePair } from "./fixtures/klines.ts";
import { fitOls } from "./linear_regression.ts";
import { walkForwardHedge } from "./walk_forward_hedge.ts";

/**
 * Same nulls; values to 1e-9 relative, or 1e-13 absolute for spreads near 0: a spread is
 * y - (alpha + beta x) with ln prices near 9, so a few ulps of y (~2e-15 each) is all the
 * agreement two exact implementations can have.
 */
function assertSeriesClose(
  actual: (number | null)[],
  expected: (number | null)[],
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label} length`);
  actual.forEach((value, index) =>
    assertClose(value, expected[index], 1e-9, `${label}[${index}]`, 1e-4)
  );
}

Deno.test("walk-forward OLS on an exact line finds it from the bars before each point", () => {
  // y = 1 + 2x exactly: every window fit gives beta 2, alpha 1 and spread 0; bars 0..2 have no
  // three earlier bars to fit on and stay null.
  const x = [1, 3, 2, 5, 4, 7];
  const y = x.map((value) => 1 + 2 * value);
  for (const mode of ["rolling", "expanding"] as const) {
    const result = walkForwardHedge(y, x, { mode, window: 3 });
    assert.deepEqual(result.hedgeRatio.slice(0, 3), [null, null, null]);
    result.hedgeRatio.slice(3).forEach((beta) => assertClose(beta, 2, 1e-14, `${mode} beta`));
    result.intercept.slice(3).forEach((alpha) => assertClose(alpha, 1, 1e-14, `${mode} alpha`));
    result.spread.slice(3).forEach((spread) => assertClose(spread, 0, 0, `${mode} spread`, 1e-13));
  }
});

Deno.test("walk-forward hedge ratios never look ahead: changing the future leaves the past", () => {
  const { y, x } = readKlinePair("BTCUSDT", "ETHUSDT", "LOG");
  const changed = y.map((value, index) => index >= 500 ? value + 0.01 * Math.sin(index) : value);
  for (const mode of ["rolling", "expanding"] as const) {
    const before = walkForwardHedge(y, x, { mode, window: 120 });
    const after = walkForwardHedge(changed, x, { mode, window: 120 });
    // Bar 500's parameters come from bars < 500, so they are unchanged too.
    assert.deepEqual(after.hedgeRatio.slice(0, 501), before.hedgeRatio.slice(0, 501));
    assert.notDeepEqual(after.hedgeRatio.slice(501), before.hedgeRatio.slice(501));
  }
});

Deno.test("a flat x over the window gives no hedge ratio rather than a huge one", () => {
  const x = [1, 1, 1, 1, 2, 3];
  const y = [5, 6, 7, 8, 9, 10];
  const result = walkForwardHedge(y, x, { mode: "rolling", window: 3 });
  assert.deepEqual(result.hedgeRatio.slice(0, 5), [null, null, null, null, null]);
  assert.equal(typeof result.hedgeRatio[5], "number");
});

Deno.test("a custom fit refitted every k bars holds its parameters in between", () => {
  const { y, x } = readKlinePair("BTCUSDT", "ETHUSDT", "LOG");
  const calls: number[] = [];
  const fit = (ys: Float64Array, xs: Float64Array) => {
    calls.push(ys.length);
    const line = fitOls(ys, xs);
    return { hedgeRatio: line.slope, intercept: line.intercept };
  };
  const custom = walkForwardHedge(y, x, { mode: "expanding", window: 100, refitEvery: 10, fit });
  const running = walkForwardHedge(y, x, { mode: "expanding", window: 100, refitEvery: 10 });
  // Refits at bars 100, 110, ..., 990 on all earlier bars.
  assert.deepEqual(calls, Array.from({ length: 90 }, (_, k) => 100 + 10 * k));
  assert.equal(custom.hedgeRatio[105], custom.hedgeRatio[100]);
  assertSeriesClose(custom.hedgeRatio, running.hedgeRatio, "custom vs running OLS beta");
  assertSeriesClose(custom.spread, running.spread, "custom vs running OLS spread");
});

Deno.test("walk-forward options are checked", () => {
  assert.throws(() => walkForwardHedge([1, 2], [1, 2, 3]), /equal lengths; y has 2, x has 3/);
  assert.throws(() => walkForwardHedge([1, 2], [1, 2], { window: 1 }), /window must be/);
  assert.throws(() => walkForwardHedge([1, 2], [1, 2], { refitEvery: 0 }), /refitEvery/);
  assert.throws(() => walkForwardHedge([1, NaN], [1, 2]), /y\[1\] = NaN/);
});

// Reference: numpy lstsq of y on [1, x] over the bars before each point, refitted every k bars,
// then the Python backtest on a pandas rolling z-score (window 60) of that spread with beta_t
// (fixtures/make_fixtures_stationarity.py, 2018-06-18 1-minute klines).
for (const run of reference.walkForward) {
  Deno.test(`walk-forward hedge and its backtest agree with Python: ${run.name}`, () => {
    const pair = readKlinePair(run.pair.y, run.pair.x, run.pair.transform as "LOG" | "RAW");
    const hedge = walkForwardHedge(pair.y, pair.x, {
      mode: run.mode as "rolling" | "expanding",
      window: run.window,
      refitEvery: run.refitEvery,
    });
    assertSeriesClose(hedge.hedgeRatio, run.hedgeRatio, "hedge ratio");
    assertSeriesClose(hedge.intercept, run.intercept, "intercept");
    assertSeriesClose(hedge.spread, run.spread, "spread");
    const result = runBacktest({
      timesUs: pair.timesUs,
      priceY: pair.priceY,
      priceX: pair.priceX,
      zscore: run.zscore,
      hedgeRatio: hedge.hedgeRatio,
      transform: "LOG",
      barSeconds: 60,
      inSample: false,
    }, run.rules);
    assertMatchesReference(result, run.expected);
  });
}
