import assert from "node:assert/strict";
import { engleGrangerTest } from "./cointegration.ts";
import { assertClose } from "./fixtures/assert_close.ts";
import fixtures from "./fixtures/stationarity.json" with { type: "json" };
import { type FixtureInput, fixturePair } from "./fixtures/stationarity_inputs.ts";

// References: statsmodels 0.13.5 `coint(y, x, trend="c", method="aeg", autolag="aic")` on
// pairs of the 2018-06-18 klines and on generated pairs, written to fixtures/stationarity.json
// by fixtures/make_fixtures_stationarity.py.

for (const reference of fixtures.coint) {
  Deno.test(`Engle-Granger matches statsmodels coint: ${reference.name}`, () => {
    const { y, x } = fixturePair(reference.input as FixtureInput);
    const result = engleGrangerTest(y, x);
    assertClose(result.statistic, reference.statistic, 1e-8, "statistic");
    assertClose(result.pValue, reference.pValue, reference.pValue < 1e-6 ? 1e-4 : 1e-8, "p-value");
    for (const level of ["p1", "p5", "p10"] as const) {
      assertClose(result.criticalValues[level], reference.criticalValues[level], 1e-12, level);
    }
  });
}

Deno.test("Engle-Granger refuses collinear, constant and mismatched inputs", () => {
  const x = Array.from({ length: 100 }, (_, t) => Math.sin(t / 7) + t / 50);
  assert.throws(() => engleGrangerTest(x.map((value) => 2 * value + 1), x), /collinear/);
  assert.throws(() => engleGrangerTest(new Array(100).fill(3), x), /y to move/);
  assert.throws(() => engleGrangerTest(x.slice(1), x), /equal length; y has 99 points, x has 100/);
  assert.throws(() => engleGrangerTest([...x.slice(0, 99), Infinity], x), /y\[99\] = Infinity/);
});
