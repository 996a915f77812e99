import assert from "node:assert/strict";
import { adversarialCases, assertClose } from "./fixtures/hedge_fixtures.ts";
import { rollingOls } from "./rolling_ols.ts";

// Reference: each window's OLS in numpy longdouble, asserted by fixtures/make_fixtures_hedge.py
// to agree with statsmodels RollingOLS(y, add_constant(x), window).fit(method="pinv") to 1e-6.
for (const fixture of adversarialCases()) {
  Deno.test(`rolling OLS on "${fixture.name}" matches statsmodels RollingOLS`, () => {
    const { window, index, slope, intercept, rSquared } = fixture.rollingOls;
    const rolling = rollingOls(fixture.y, fixture.x, window);
    index.forEach((t, k) => {
      assertClose(rolling.slope[t], slope[k], `slope[${t}]`, { relative: 1e-8 });
      assertClose(rolling.intercept[t], intercept[k], `intercept[${t}]`, { relative: 1e-8 });
      assertClose(rolling.rSquared[t], rSquared[k], `R²[${t}]`, { relative: 1e-7 });
    });
  });
}

Deno.test("windows before the first full one, and windows where x is flat, have no hedge", () => {
  // statsmodels: RollingOLS([2,4,6,6,6,7,8], add_constant([1,2,3,3,3,3,4]), window=3)
  //   .fit(method="pinv").params[:, 1]  ->  [nan nan 2. 2. nan nan 1.5]
  const rolling = rollingOls([2, 4, 6, 6, 6, 7, 8], [1, 2, 3, 3, 3, 3, 4], 3);
  [null, null, 2, 2, null, null, 1.5].forEach((expected, t) => {
    assertClose(rolling.slope[t], expected, `slope[${t}]`, { relative: 1e-12 });
  });
});

Deno.test("a rolling window needs at least two points", () => {
  assert.throws(() => rollingOls([1, 2, 3], [1, 2, 3], 1), /at least 2 points/);
});
