import assert from "node:assert/strict";
import { compensatedDot, compensatedLagDots, compensatedSum } from "./compensated_dot.ts";

Deno.test("compensated sum keeps the small terms that a plain sum loses", () => {
  // 1 + 1e-16 (x 10) - 1: each 1e-16 is below half an ulp of 1 and vanishes in a plain loop;
  // the exact sum is 1e-15.
  const values = [1, ...new Array(10).fill(1e-16), -1];
  let plain = 0;
  for (const value of values) plain += value;
  assert.equal(plain, 0);
  assert.ok(Math.abs(compensatedSum(values) - 1e-15) < 1e-30);
});

Deno.test("compensated dot product uses the requested slices", () => {
  const a = [1, 2, 3, 4];
  const b = [10, 20, 30, 40];
  // a[1..3] . b[0..2] = 2*10 + 3*20 + 4*30 = 200
  assert.equal(compensatedDot(a, b, { aStart: 1, bStart: 0, length: 3 }), 200);
  assert.equal(compensatedDot(a, b), 300);
  assert.equal(compensatedSum(a, { start: 2 }), 7);
  assert.throws(() => compensatedDot(a, b, { aStart: 2, length: 3 }), /out of range/);
});

Deno.test("lagged dot products equal one compensated dot product per lag, to the bit", () => {
  // Centred values with a wide range of magnitudes: the compensation matters in every sum.
  let state = 12345;
  const next = () => (state = (state * 16807) % 2147483647) / 2147483647 - 0.5;
  const a = Float64Array.from({ length: 5_003 }, () => next() * 10 ** Math.round(6 * next()));
  const b = Float64Array.from({ length: 5_003 }, () => next() * 10 ** Math.round(6 * next()));
  // 7 lags: a block of four and three on their own.
  const dots = compensatedLagDots(a, b, { aStart: 9, bStart: 9, length: 4_990, lags: 7 });
  for (let lag = 0; lag < 7; lag++) {
    assert.equal(dots[lag], compensatedDot(a, b, { aStart: 9, bStart: 9 - lag, length: 4_990 }));
  }
  assert.throws(
    () => compensatedLagDots(a, b, { aStart: 0, bStart: 3, length: 10, lags: 5 }),
    /out of range: .*lags 0\.\.4/,
  );
});
