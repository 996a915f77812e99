import assert from "node:assert/strict";
import { adversarialCases, assertClose } from "./fixtures/hedge_fixtures.ts";
import { fitHuber } from "./huber.ts";

// Reference: statsmodels RLM(y, add_constant(x), M=HuberT()).fit() and the same iteration in
// 50-digit mpmath arithmetic, both written by fixtures/make_fixtures_hedge.py. On ill-conditioned
// designs ("near-constant", "btc-level-raw") statsmodels' pinv perturbs its own IRLS path (it runs
// to maxiter there), so it is only good to ~3e-7; the exact iteration is matched to 1e-9.
for (const fixture of adversarialCases().filter((c) => c.huber !== undefined)) {
  Deno.test(`Huber line on "${fixture.name}" matches statsmodels and the exact iteration`, () => {
    const line = fitHuber(fixture.y, fixture.x);
    const statsmodels = fixture.huber!;
    const exact = fixture.huberHighPrecision!;
    assertClose(line.slope, statsmodels.slope, "slope vs statsmodels");
    assertClose(line.intercept, statsmodels.intercept, "intercept vs statsmodels");
    assertClose(line.slope, exact.slope, "slope vs exact", { relative: 1e-9 });
    assertClose(line.intercept, exact.intercept, "intercept vs exact", { relative: 1e-9 });
    if (statsmodels.iterations === exact.iterations) {
      assert.equal(line.iterations, statsmodels.iterations, "iterations");
    }
  });
}

Deno.test("Huber down-weights outliers that pull OLS away", () => {
  const x = Array.from({ length: 50 }, (_, i) => i);
  const y = x.map((value) => 2 + 0.5 * value + (value % 10 === 0 ? 20 : 0));
  const line = fitHuber(y, x);
  assert.ok(Math.abs(line.slope - 0.5) < 0.01, `slope ${line.slope}`);
});

Deno.test("a perfect line stops at the OLS start (MAD scale 0) as statsmodels does", () => {
  const x = [1, 2, 3, 4, 5, 6];
  const line = fitHuber(x.map((value) => 3 * value + 1), x);
  assert.equal(line.iterations, 1);
  assert.equal(line.scale, 0);
  assert.equal(line.slope, 3);
});

Deno.test("a Huber fit needs three points", () => {
  assert.throws(() => fitHuber([1, 2], [1, 2]), /at least 3 points/);
});
