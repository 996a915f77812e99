import assert from "node:assert/strict";
import fixtures from "./fixtures/stationarity.json" with { type: "json" };
import { assertClose } from "./fixtures/assert_close.ts";
import { mackinnoncrit, mackinnonp, type UnitRootRegression } from "./mackinnon.ts";

// References: statsmodels 0.13.5 `mackinnonp(stat, regression, N)` and
// `mackinnoncrit(N, regression, nobs)` on grids, from fixtures/make_fixtures_stationarity.py.

Deno.test("MacKinnon p-values match statsmodels for every regression and N = 1..6", () => {
  for (const { statistic, regression, seriesCount, pValue } of fixtures.mackinnonp) {
    const actual = mackinnonp(statistic, {
      regression: regression as UnitRootRegression,
      seriesCount,
    });
    // Exact 0 and 1 outside [tau_min, tau_max]; deep-tail values (< 1e-6) compared to 1e-4.
    const tolerance = pValue < 1e-6 ? 1e-4 : 1e-12;
    assertClose(actual, pValue, tolerance, `p(${statistic}, ${regression}, N=${seriesCount})`);
  }
});

Deno.test("MacKinnon 2010 critical values match statsmodels, asymptotic and finite samples", () => {
  for (const { regression, seriesCount, nobs, criticalValues } of fixtures.mackinnoncrit) {
    const actual = mackinnoncrit({
      regression: regression as UnitRootRegression,
      seriesCount,
      nobs: nobs ?? Infinity,
    });
    for (const level of ["p1", "p5", "p10"] as const) {
      assertClose(
        actual[level],
        criticalValues[level],
        1e-14,
        `crit ${level} (${regression}, N=${seriesCount}, nobs=${nobs})`,
      );
    }
  }
});

Deno.test("MacKinnon surfaces reject series counts they have no table for", () => {
  assert.throws(() => mackinnonp(-3, { seriesCount: 7 }), RangeError);
  assert.throws(() => mackinnoncrit({ regression: "n", seriesCount: 2 }), /1 to 1 I\(1\) series/);
  assert.throws(() => mackinnoncrit({ nobs: 0 }), /positive sample size/);
  assert.throws(() => mackinnonp(NaN), /NaN/);
});
