import assert from "node:assert/strict";
import { adversarialCases, assertClose } from "./fixtures/hedge_fixtures.ts";
import { fitOls, fitWeightedLine, lineResiduals } from "./linear_regression.ts";

// Reference: statsmodels OLS(y, add_constant(x)).fit() params and rsquared, written by
// fixtures/make_fixtures_hedge.py; its "near-constant" case is also checked there against exact
// rational arithmetic.
for (const fixture of adversarialCases()) {
  Deno.test(`OLS line on "${fixture.name}" matches statsmodels`, () => {
    const line = fitOls(fixture.y, fixture.x);
    assertClose(line.slope, fixture.ols.slope, "slope", { relative: 1e-9 });
    assertClose(line.intercept, fixture.ols.intercept, "intercept", { relative: 1e-9 });
    assertClose(line.rSquared, fixture.ols.rSquared, "R²", { relative: 1e-9 });
  });
}

Deno.test("a fit over a sub-range equals the fit of that slice", () => {
  const y = [5, 1, 2, 4, 3, 9];
  const x = [0, 1, 2, 3, 4, 5];
  assert.deepEqual(fitOls(y, x, { start: 1, end: 5 }), fitOls(y.slice(1, 5), x.slice(1, 5)));
});

Deno.test("whole-number weights give the line of the points repeated that often", () => {
  const y = [1.5, 2.25, 2.0, 4.75, 5.5];
  const x = [1, 2, 3, 4, 5];
  const weights = [1, 3, 2, 1, 4];
  const repeatedY = y.flatMap((value, i) => Array(weights[i]).fill(value));
  const repeatedX = x.flatMap((value, i) => Array(weights[i]).fill(value));
  const weighted = fitWeightedLine(y, x, weights);
  const repeated = fitOls(repeatedY, repeatedX);
  assertClose(weighted.slope, repeated.slope, "slope", { relative: 1e-14 });
  assertClose(weighted.intercept, repeated.intercept, "intercept", { relative: 1e-14 });
});

Deno.test("residuals at BTC-level prices come back exactly as the noise that was added", () => {
  // y = 60000.05 + 2 (x − 3000) + e with e = ±0.01, each x once with +e and once with −e (so e is
  // orthogonal to the line): the residuals must come back as ±0.01.
  const x = Array.from({ length: 200 }, (_, i) => 3000 + (Math.floor(i / 2) % 17) * 0.01);
  const e = x.map((_, i) => (i % 2 === 0 ? 0.01 : -0.01));
  const y = x.map((value, i) => 60000.05 + 2 * (value - 3000) + e[i]);
  const line = fitOls(y, x);
  const residuals = lineResiduals(line, y, x);
  residuals.forEach((residual, i) =>
    assertClose(residual, e[i], `residual ${i}`, { relative: 1e-6 })
  );
});

Deno.test("a line needs two points and an x that moves", () => {
  assert.throws(() => fitOls([1, 2, 3], [4, 4, 4]), /x is constant over the 3 points/);
  assert.throws(() => fitOls([1], [1]), /at least 2 points/);
  assert.throws(() => fitOls([1, 2], [1, 2, 3]), /y has 2 points but x has 3/);
  assert.throws(() => fitOls([1, NaN], [1, 2]), /point 1 is not finite/);
  assert.equal(fitOls([2, 2, 2], [1, 2, 3]).rSquared, null);
});
