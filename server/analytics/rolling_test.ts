import assert from "node:assert/strict";
import { adversarialCases, assertClose } from "./fixtures/hedge_fixtures.ts";
import {
  correlationAt,
  logReturns,
  rollingCorrelation,
  rollingZScore,
  slidingMoments,
  zScoreAt,
} from "./rolling.ts";

// Reference: pandas 1.5 `(s - s.rolling(w).mean()) / s.rolling(w).std()` and
// `ry.rolling(w).corr(rx)` on log returns, from fixtures/make_fixtures_hedge.py.
for (const fixture of adversarialCases()) {
  Deno.test(`rolling z-score and correlation on "${fixture.name}" match pandas`, () => {
    const z = rollingZScore(fixture.zscore.spread, fixture.zscore.window);
    fixture.zscore.index.forEach((t, k) => {
      assertClose(z[t], fixture.zscore.values[k], `z[${t}]`, { scale: 1e-6 });
    });
    if (fixture.correlation) {
      const { window, index, values } = fixture.correlation;
      const correlation = rollingCorrelation(logReturns(fixture.y), logReturns(fixture.x), window);
      index.forEach((t, k) =>
        assertClose(correlation[t], values[k], `corr[${t}]`, { scale: 1e-6 })
      );
    }
  });
}

Deno.test("a missing value blanks the next w windows, as pandas min_periods = w does", () => {
  // pandas: pd.Series([1, nan, 2, 3, 4, 5]).rolling(3).mean() -> [nan, nan, nan, nan, 3.0, 4.0]
  const moments = slidingMoments([1, NaN, 2, 3, 4, 5], [1, NaN, 2, 3, 4, 5], 3);
  assert.deepEqual([...moments.meanA], [NaN, NaN, NaN, NaN, 3, 4]);
  // ... and .std() -> [nan, nan, nan, nan, 1.0, 1.0]
  const z = rollingZScore([1, NaN, 2, 3, 4, 5], 3);
  assert.deepEqual([...z], [NaN, NaN, NaN, NaN, 1, 1]);
});

Deno.test("a window of equal values has no z-score (std 0) rather than noise", () => {
  const values = [0.1, 0.1, 0.1, 0.1, 0.2, 0.1];
  // pandas: s = pd.Series([0.1, 0.1, 0.1, 0.1, 0.2, 0.1]); (s - s.rolling(3).mean()) / s.rolling(3).std()
  //   -> [nan, nan, nan, nan, 1.1547005383792517, -0.5773502691896256]
  const z = rollingZScore(values, 3);
  [null, null, null, null, 1.1547005383792517, -0.5773502691896256].forEach((expected, t) => {
    assertClose(z[t], expected, `z[${t}]`, { relative: 1e-12 });
  });
  assert.ok(Number.isNaN(zScoreAt(values, 3, 3)));
  assert.ok(Number.isNaN(rollingCorrelation([1, 1, 1, 1], [1, 2, 3, 4], 3)[3]));
});

Deno.test("z-scores of BTC-level prices moving by a cent keep their digits", () => {
  // Exact answer: the window {60000.00, 60000.01, 60000.02} has mean 60000.01 and sample std
  // 0.01, so the last point's z is 1; the next window {..01, ..02, ..00} gives z = −1.
  const values = [60000.0, 60000.01, 60000.02, 60000.0];
  const z = rollingZScore(values, 3);
  assertClose(z[2], 1, "z[2]", { relative: 1e-9 });
  assertClose(z[3], -1, "z[3]", { relative: 1e-9 });
});

Deno.test("the one-window forms equal the rolling forms at every point", () => {
  let state = 9;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const a = Float64Array.from({ length: 500 }, (_, i) => 60000 + i * 0.3 + random());
  const b = Float64Array.from(a, (value) => value * 0.05 + random() * 0.1);
  const z = rollingZScore(a, 40);
  const correlation = rollingCorrelation(a, b, 25);
  for (let t = 0; t < a.length; t++) {
    assertClose(zScoreAt(a, t, 40), z[t], `z[${t}]`, { relative: 1e-10, scale: 1 });
    assertClose(correlationAt(a, b, t, 25), correlation[t], `corr[${t}]`, {
      relative: 1e-10,
      scale: 1,
    });
  }
});

Deno.test("a window longer than the series is refused with both sizes in the message", () => {
  assert.throws(
    () => rollingZScore([1, 2, 3], 5),
    /window 5 is larger than the series \(3 points\)/,
  );
  assert.throws(() => rollingZScore([1, 2, 3], 1), /at least 2 points/);
});

Deno.test("the z-score of one series uses the same window sums as its moments with itself", () => {
  // BTC-level prices moving by 0.01 with gaps and flat stretches: re-anchoring, runs and blanks.
  let state = 99;
  const next = () => (state = (state * 16807) % 2147483647) / 2147483647;
  let price = 61_234.5;
  const values = Array.from({ length: 3_000 }, (_, t) => {
    if (t % 700 === 13) return NaN;
    if (t % 500 < 80) return price;
    price += Math.round((next() - 0.5) * 20) / 100;
    return price;
  });
  const window = 45;
  const moments = slidingMoments(values, values, window);
  const z = rollingZScore(values, window);
  for (let t = 0; t < values.length; t++) {
    const variance = moments.sumSquaresA[t] / (window - 1);
    const expected = variance > 0 ? (values[t] - moments.meanA[t]) / Math.sqrt(variance) : NaN;
    assert.ok(Object.is(z[t], expected), `z[${t}] = ${z[t]}, from the pair moments ${expected}`);
  }
});
