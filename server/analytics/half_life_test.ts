import assert from "node:assert/strict";
import { assertClose } from "./fixtures/assert_close.ts";
import fixtures from "./fixtures/stationarity.json" with { type: "json" };
import { type FixtureInput, fixtureSeries } from "./fixtures/stationarity_inputs.ts";
import { halfLifeBars } from "./half_life.ts";

// References: statsmodels 0.13.5 `OLS(diff(s), add_constant(s[:-1])).fit().params[1]` = b and
// -ln 2 / ln(1 + b), from fixtures/make_fixtures_stationarity.py.

for (const reference of fixtures.halfLife) {
  Deno.test(`half-life matches the statsmodels OLS slope: ${reference.name}`, () => {
    const actual = halfLifeBars(fixtureSeries(reference.input as FixtureInput));
    assertClose(actual, reference.halfLifeBars, 1e-9, "half-life bars");
  });
}

Deno.test("half-life of a spread that halves every bar is one bar", () => {
  // s = 8, 4, 2, 1, 0.5: changes -4, -2, -1, -0.5 = -0.5 * s_{t-1} exactly, so b = -0.5 and
  // half-life = -ln 2 / ln 0.5 = 1.
  assertClose(halfLifeBars([8, 4, 2, 1, 0.5]), 1, 1e-14, "half-life");
});

Deno.test("half-life refuses short, constant and non-finite spreads", () => {
  assert.throws(() => halfLifeBars([1, 2]), /at least 3 points, the spread has 2/);
  assert.throws(() => halfLifeBars([5, 5, 5, 5]), /spread that moves/);
  assert.throws(() => halfLifeBars([1, NaN, 2, 3]), /spread\[1\] is NaN/);
});
