import assert from "node:assert/strict";
import { type ChartPairPoint, fieldSeries, rebasedPrices, spreadBands } from "./pair_series.ts";

function point(time: number, spread: number | null, y = 0, x = 0): ChartPairPoint {
  return { time, y, x, hedgeRatio: 1, spread, zscore: null, correlation: null };
}

Deno.test("log prices are rebased to 100 at the first point", () => {
  const points = [
    point(0, 0, Math.log(60000), Math.log(3000)),
    point(1, 0, Math.log(66000), Math.log(2700)),
  ];
  const { base, quote } = rebasedPrices(points, "LOG");
  assert.equal(base[0][1], 100);
  assert.ok(Math.abs(base[1][1]! - 110) < 1e-9);
  assert.ok(Math.abs(quote[1][1]! - 90) < 1e-9);
  const raw = rebasedPrices([point(0, 0, 50, 4), point(1, 0, 75, 5)], "RAW");
  assert.deepEqual([raw.base[1][1], raw.quote[1][1]], [150, 125]);
});

Deno.test("spread bands sit where z = ±entry, with the sample std as pandas rolling().std()", () => {
  // /usr/bin/python3 (pandas 1.5): s = pd.Series([1, 2, 4, 7, 11]); s.rolling(3).mean() -> NaN NaN 2.333333 4.333333 7.333333
  // s.rolling(3).std() -> NaN NaN 1.527525 2.516611 3.511885
  const points = [1, 2, 4, 7, 11].map((s, i) => point(i, s));
  const { mean, upper, lower } = spreadBands(points, 3, 2);
  assert.deepEqual(mean.slice(0, 2).map(([, v]) => v), [null, null]);
  const expected = [[2.333333, 1.527525], [4.333333, 2.516611], [7.333333, 3.511885]];
  expected.forEach(([m, sd], i) => {
    assert.ok(Math.abs(mean[i + 2][1]! - m) < 1e-6);
    assert.ok(Math.abs(upper[i + 2][1]! - (m + 2 * sd)) < 1e-5);
    assert.ok(Math.abs(lower[i + 2][1]! - (m - 2 * sd)) < 1e-5);
  });
});

Deno.test("a flat spread has no bands rather than bands of zero width", () => {
  const { upper } = spreadBands([5, 5, 5].map((s, i) => point(i, s)), 3, 2);
  assert.equal(upper[2][1], null);
});

Deno.test("missing spreads stay gaps in every series", () => {
  const points = [point(0, null), point(1, 1), point(2, 2), point(3, 3)];
  assert.deepEqual(fieldSeries(points, "spread").map(([, v]) => v), [null, 1, 2, 3]);
  assert.equal(spreadBands(points, 3, 2).mean[2][1], null);
  assert.equal(spreadBands(points, 3, 2).mean[3][1], 2);
});
