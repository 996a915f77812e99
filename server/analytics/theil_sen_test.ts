import assert from "node:assert/strict";
import { adversarialCases, theilSenCases } from "./fixtures/hedge_fixtures.ts";
import { fitTheilSen, medianPairwiseSlope } from "./theil_sen.ts";

// References: scipy.stats.theilslopes(y, x, method="separate") from
// fixtures/make_fixtures_hedge.py (adversarial series; n = 2,000 real 1s log prices; n = 5,000 with
// heavy ties), and a brute-force list of all pairs below. The selection computes each slope exactly
// as scipy does, so equality is exact, not approximate.
for (const fixture of adversarialCases()) {
  Deno.test(`Theil-Sen on "${fixture.name}" equals scipy exactly`, () => {
    const line = fitTheilSen(fixture.y, fixture.x);
    assert.equal(line.slope, fixture.theilSen.slope);
    assert.equal(line.intercept, fixture.theilSen.intercept);
  });
}

for (const fixture of theilSenCases()) {
  Deno.test(`Theil-Sen on ${fixture.name} equals scipy exactly`, () => {
    const line = fitTheilSen(fixture.y, fixture.x);
    assert.equal(line.slope, fixture.slope);
    assert.equal(line.intercept, fixture.intercept);
  });
}

Deno.test("Theil-Sen with a tiny memory limit still finds scipy's slope among heavy ties", () => {
  // Forces the streaming passes (sample, count around two pivots, keep the part with the rank).
  const fixture = theilSenCases().find((c) => c.name.startsWith("integer-x-with-ties"))!;
  assert.equal(
    medianPairwiseSlope(fixture.y, fixture.x, { enumerationLimit: 1000 }),
    fixture.slope,
  );
});

/** Every pair's slope, sorted: the definition itself, O(n²). */
function bruteForceMedianSlope(y: ArrayLike<number>, x: ArrayLike<number>): number {
  const slopes: number[] = [];
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (x[i] > x[j]) slopes.push((y[i] - y[j]) / (x[i] - x[j]));
    }
  }
  const sorted = Float64Array.from(slopes).sort();
  const m = sorted.length;
  return m % 2 === 1 ? sorted[(m - 1) / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
}

/** Log prices of a random walk on a 0.01 / 0.1 tick grid, parsed as decimals like real closes. */
function tickSeries(n: number, seed: number): { y: Float64Array; x: Float64Array } {
  let state = seed;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const y = new Float64Array(n);
  const x = new Float64Array(n);
  let xTicks = 300_000;
  let yTicks = 600_000;
  for (let i = 0; i < n; i++) {
    xTicks += Math.round((random() - 0.5) * 6);
    yTicks += Math.round((random() - 0.5) * 6);
    x[i] = Math.log(Number((xTicks / 100).toFixed(2)));
    y[i] = Math.log(Number(((yTicks + 50 * (xTicks - 300_000)) / 10).toFixed(1)));
  }
  return { y, x };
}

Deno.test("Theil-Sen at n = 3,000 equals the brute-force median of all 4.5 million slopes", () => {
  const ticks = tickSeries(3000, 7);
  assert.equal(medianPairwiseSlope(ticks.y, ticks.x), bruteForceMedianSlope(ticks.y, ticks.x));
  let state = 11;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const x = Float64Array.from({ length: 3000 }, (_, i) => 60000 + i * 0.37 + random() * 50);
  const y = Float64Array.from(x, (value) => 3000 + 0.05 * value + random() * 20 - 10);
  assert.equal(medianPairwiseSlope(y, x), bruteForceMedianSlope(y, x));
});

Deno.test("Theil-Sen at n = 20,002 has exactly the right rank among 200 million slopes", () => {
  // N = 20002·20001/2 is odd, so the median is one slope v: fewer than (N+1)/2 slopes are below
  // v and at least (N+1)/2 are at or below it. Counted by brute force without storing the slopes.
  let state = 3;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const n = 20_002;
  let level = 0;
  const x = Float64Array.from({ length: n }, () => (level += random() - 0.5));
  const y = Float64Array.from(x, (value) => 0.8 * value + random());
  const slope = medianPairwiseSlope(y, x);
  let below = 0;
  let atOrBelow = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (!(x[i] > x[j])) continue;
      const pairSlope = (y[i] - y[j]) / (x[i] - x[j]);
      if (pairSlope < slope) below++;
      if (pairSlope <= slope) atOrBelow++;
    }
  }
  const rank = (n * (n - 1) / 2 + 1) / 2;
  assert.ok(
    below < rank && atOrBelow >= rank,
    `below ${below}, at or below ${atOrBelow}, rank ${rank}`,
  );
});

Deno.test("prices on a line up to rounding are answered from a sample, still at the median rank", () => {
  // 90% of the points lie exactly on y = 5x (0.1 / 0.01 ticks): millions of slopes within a few
  // ulps of 5. With a small workLimit the sampled answer is used; here it is the exact median.
  let state = 5;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const n = 5000;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let cents = 300_000;
  for (let i = 0; i < n; i++) {
    cents += Math.round((random() - 0.5) * 6);
    x[i] = Number((cents / 100).toFixed(2));
    const noise = random() < 0.1 ? Math.round((random() - 0.5) * 10) : 0;
    y[i] = Number(((600_000 + 50 * (cents - 300_000) + noise) / 10).toFixed(1));
  }
  const slope = medianPairwiseSlope(y, x, { workLimit: 1000 });
  let pairs = 0;
  let below = 0;
  let atOrBelow = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (!(x[i] > x[j])) continue;
      const pairSlope = (y[i] - y[j]) / (x[i] - x[j]);
      pairs++;
      if (pairSlope < slope) below++;
      if (pairSlope <= slope) atOrBelow++;
    }
  }
  const rank = pairs % 2 === 1 ? (pairs + 1) / 2 : pairs / 2;
  assert.ok(
    below < rank && atOrBelow >= rank + (pairs % 2 === 1 ? 0 : 1),
    `${below} ${atOrBelow} ${rank}`,
  );
});

Deno.test("Theil-Sen at n = 100,000 splits a sample of 2 million pairwise slopes in half", () => {
  // All 5·10⁹ slopes cannot be counted here; a seeded sample of pairs is. For the median v, the
  // share of sampled slopes below v is at most ½ and the share at or below it at least ½, each up
  // to sampling error (standard error 0.00035; the bound is 6 of those).
  const ticks = tickSeries(100_000, 5);
  const slope = medianPairwiseSlope(ticks.y, ticks.x);
  let state = 17;
  const randomIndex = () => (state = (state * 16807) % 2147483647) % ticks.x.length;
  let pairs = 0;
  let below = 0;
  let atOrBelow = 0;
  while (pairs < 2_000_000) {
    const i = randomIndex();
    const j = randomIndex();
    if (ticks.x[i] === ticks.x[j]) continue;
    const pairSlope = (ticks.y[i] - ticks.y[j]) / (ticks.x[i] - ticks.x[j]);
    pairs++;
    if (pairSlope < slope) below++;
    if (pairSlope <= slope) atOrBelow++;
  }
  assert.ok(below / pairs <= 0.502, `${below} of ${pairs} sampled slopes are below ${slope}`);
  assert.ok(atOrBelow / pairs >= 0.498, `${atOrBelow} of ${pairs} are at or below ${slope}`);
});

Deno.test("Theil-Sen needs two different x values", () => {
  assert.throws(() => fitTheilSen([1, 2, 3], [5, 5, 5]), /all 3 x values are equal/);
  assert.throws(() => fitTheilSen([1, 2], [5]), /y has 2 points but x has 1/);
});
