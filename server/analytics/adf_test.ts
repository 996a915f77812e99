import assert from "node:assert/strict";
import { adfTest } from "./adf.ts";
import { assertClose } from "./fixtures/assert_close.ts";
import { lcgSeries } from "./fixtures/lcg_series.ts";
import fixtures from "./fixtures/stationarity.json" with { type: "json" };
import { type FixtureInput, fixtureSeries } from "./fixtures/stationarity_inputs.ts";

// References: statsmodels 0.13.5 `adfuller(x, maxlag, regression, autolag)` on the 2018-06-18
// klines (OLS spreads, ln closes) and on generated adversarial series, written to
// fixtures/stationarity.json by fixtures/make_fixtures_stationarity.py.

for (const reference of fixtures.adf) {
  Deno.test(`ADF matches statsmodels adfuller: ${reference.name}`, () => {
    const series = fixtureSeries(reference.input as FixtureInput);
    const { regression, autolag, maxLag } = reference.options;
    const result = adfTest(series, {
      regression: regression as "c" | "n",
      autolag: autolag === null ? null : "AIC",
      maxLag: maxLag ?? undefined,
    });
    assert.equal(result.usedLag, reference.usedLag, "used lag");
    assert.equal(result.nobs, reference.nobs, "nobs");
    assertClose(result.statistic, reference.statistic, 1e-8, "statistic");
    // p-values below 1e-6 (deep lower tail) to 1e-4 relative; 0 stays exactly 0.
    assertClose(result.pValue, reference.pValue, reference.pValue < 1e-6 ? 1e-4 : 1e-8, "p-value");
    for (const level of ["p1", "p5", "p10"] as const) {
      assertClose(result.criticalValues[level], reference.criticalValues[level], 1e-12, level);
    }
    assertClose(result.icBest, reference.icBest, 1e-8, "icBest");
  });
}

Deno.test("ADF refuses inputs it cannot test, saying why", () => {
  assert.throws(() => adfTest([1, 2, 3]), /needs at least 4 points, the series has 3/);
  assert.throws(
    () => adfTest(lcgSeries({ seed: 1, n: 20 }), { regression: "n" }),
    /regression "n"\) needs at least 21 points, the series has 20/,
  );
  assert.throws(() => adfTest(new Array(50).fill(7.5)), /all 50 values equal 7.5/);
  assert.throws(() => adfTest([1, 2, NaN, 4, 5, 6]), /series\[2\] is NaN/);
  assert.throws(() => adfTest(lcgSeries({ seed: 1, n: 50 }), { maxLag: 30 }), /maxLag 30/);
  assert.throws(() => adfTest(lcgSeries({ seed: 1, n: 50 }), { maxLag: 1.5 }), /whole number/);
  // A period-4 pattern repeats its differences exactly: lag 4 duplicates lag 0.
  const periodic = Array.from({ length: 200 }, (_, t) => [0, 1, 3, 2][t % 4]);
  assert.throws(() => adfTest(periodic), /ADF regression/);
});
