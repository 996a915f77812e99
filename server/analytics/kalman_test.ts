import assert from "node:assert/strict";
import { adversarialCases, assertClose } from "./fixtures/hedge_fixtures.ts";
import { KALMAN_START, kalmanHedge, type KalmanState, kalmanStep } from "./kalman.ts";

// Reference: the recursion of ANALYTICS.md written out with numpy 2×2 matrices in
// fixtures/make_fixtures_hedge.py (P = P⁻ − outer(K, H) @ P⁻).
for (const fixture of adversarialCases()) {
  Deno.test(`Kalman hedge on "${fixture.name}" matches the numpy recursion`, () => {
    const { delta, r, index, beta, alpha, innovation, sqrtS } = fixture.kalman;
    const filtered = kalmanHedge(fixture.y, fixture.x, { delta, observationVariance: r });
    const scale = Math.max(...fixture.y.map(Math.abs)) * 1e-6;
    index.forEach((t, k) => {
      assertClose(filtered.beta[t], beta[k], `beta[${t}]`, { relative: 1e-9 });
      assertClose(filtered.alpha[t], alpha[k], `alpha[${t}]`, { relative: 1e-9 });
      assertClose(filtered.innovation[t], innovation[k], `e[${t}]`, { relative: 1e-6, scale });
      assertClose(filtered.innovationStd[t], sqrtS[k], `sqrt(S)[${t}]`, { relative: 1e-9 });
    });
  });
}

Deno.test("the first step predicts 0 and moves beta by K·e from the unit prior", () => {
  // P⁻ = I(1 + q), q = 1e-4/(1 − 1e-4); H = [2, 1]; S = 5(1 + q) + 1e-3; K = P⁻Hᵀ/S; e = y = 3.
  const q = 1e-4 / (1 - 1e-4);
  const s = 5 * (1 + q) + 1e-3;
  const step = kalmanStep(KALMAN_START, { y: 3, x: 2 });
  assert.equal(step.innovation, 3);
  assertClose(step.innovationStd, Math.sqrt(s), "sqrt(S)", { relative: 1e-15 });
  assertClose(step.state.beta, (2 * (1 + q) / s) * 3, "beta", { relative: 1e-15 });
  assertClose(step.state.alpha, ((1 + q) / s) * 3, "alpha", { relative: 1e-15 });
});

Deno.test("stepping one observation at a time gives the batch filter", () => {
  const y = [1.5, 1.7, 1.6, 1.9, 2.2];
  const x = [1.0, 1.1, 1.05, 1.2, 1.4];
  const batch = kalmanHedge(y, x);
  let state: Readonly<KalmanState> = KALMAN_START;
  y.forEach((value, t) => {
    state = kalmanStep(state, { y: value, x: x[t] }).state;
    assert.equal(state.beta, batch.beta[t]);
  });
});

Deno.test("Kalman noise settings outside their ranges are refused", () => {
  assert.throws(() => kalmanHedge([1], [1], { delta: 1 }), /kalmanDelta must be in \(0, 1\)/);
  assert.throws(
    () => kalmanHedge([1], [1], { observationVariance: 0 }),
    /kalmanR must be positive/,
  );
});
