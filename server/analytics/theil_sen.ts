/**
 * Theil-Sen line, exactly as scipy 1.10 `theilslopes(y, x, method="separate")`:
 * slope = median over all pairs with xᵢ < xⱼ of (yⱼ − yᵢ)/(xⱼ − xᵢ) (pairs with equal x are left
 * out; an even count takes the mean of the two middle slopes), intercept = median(y) − slope·median(x).
 *
 * scipy lists all n² pairs; at n = 100,000 that is 5·10⁹ slopes. This selects the median slope
 * without listing them, by slope selection through inversion counting (Cole, Salowe, Steiger and
 * Szemerédi 1989; the simple randomised form of Matoušek 1991, "Randomized optimal algorithm for
 * slope selection", Information Processing Letters 39):
 *
 * - Order the points by x. For a trial slope t let zᵢ = yᵢ − t·xᵢ. A pair i < j has slope ≤ t exactly
 *   when zⱼ ≤ zᵢ, so the number of slopes ≤ t is the number of inversions of z: a merge sort, O(n log n).
 * - Narrow an interval (lo, hi] around the wanted rank, first with quantiles of a random sample of
 *   pair slopes, then by interpolating the count, until about 2n slopes remain inside.
 * - The pairs whose order flips between z(lo) and z(hi) are exactly the slopes in the interval; list
 *   them (inversions between two orderings, O(n log n + flips)), compute each as scipy does,
 *   (yⱼ − yᵢ)/(xⱼ − xᵢ) on the original numbers, and select the wanted rank among them.
 *
 * Rounding. z is rounded, so a pair whose slope lies within ηᵢⱼ ≈ 4ε·(|y| + 2|t|·|x|)/(xⱼ − xᵢ) of t
 * may be counted on the wrong side. Pairs closer in x than a distance D (chosen so that there are at
 * most 4n of them) are therefore kept aside and always judged by their computed slope; for all
 * other pairs η = 8ε·(max|y − ỹ| + 2|t|·max|x − x̃|)/D + 8ε|t| bounds the error (ỹ, x̃: medians,
 * subtracted to keep the numbers small). The listing interval is widened by 2η on each side and
 * the answer is checked to lie at least η inside it; together this makes the selected double the
 * very value scipy returns.
 *
 * Ties. If more than `enumerationLimit` slopes fall in the final interval (many pairs with one and
 * the same slope), they are not stored: the rank is found by a few streaming passes that each count
 * around two sampled slope values and keep the part holding the rank. Only data lying on a line to
 * within rounding (more than `workLimit` slopes that the counting cannot tell apart, i.e. within a
 * few η of the median, which market data does not produce) is answered from a random sample of
 * those slopes instead, so a request cannot take minutes: the result then lies within a few η of
 * scipy's (relative 1e-12 on typical prices) but need not be the same double.
 *
 * Expected O(n log n) time, O(n) memory (about 0.2 s at n = 100,000 on one core).
 */
import type { Line } from "./linear_regression.ts";
import { median, selectInPlace } from "./median.ts";

export interface TheilSenOptions {
  /** Most slopes held in memory at once in the final step (8 bytes each). Default 20,000,000. */
  enumerationLimit?: number;
  /**
   * Most slopes listed (possibly in several passes) in the final step before the median is taken
   * from a sample of them instead. Default 50,000,000 (a few seconds).
   */
  workLimit?: number;
}

/** The Theil-Sen line; its centre is (median x, median y). Needs two distinct x. */
export function fitTheilSen(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: TheilSenOptions = {},
): Line {
  const slope = medianPairwiseSlope(y, x, options);
  const centreX = median(x);
  const centreY = median(y);
  return { intercept: centreY - slope * centreX, slope, centreX, centreY };
}

/** The median of (yⱼ − yᵢ)/(xⱼ − xᵢ) over pairs with xᵢ < xⱼ, as scipy `theilslopes(...).slope`. */
export function medianPairwiseSlope(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: TheilSenOptions = {},
): number {
  if (y.length !== x.length) throw new RangeError(`y has ${y.length} points but x has ${x.length}`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]) || !Number.isFinite(x[i])) {
      throw new RangeError(`Cannot fit a line: point ${i} is not finite (y=${y[i]}, x=${x[i]})`);
    }
  }
  const points = createSortedPoints(y, x);
  const pairCount = points.n * (points.n - 1) / 2 - points.equalXPairs;
  if (pairCount === 0) {
    throw new RangeError(
      `Theil-Sen needs two points with different x; all ${points.n} x values are equal`,
    );
  }
  const selector = createSlopeSelector(points, {
    enumerationLimit: options.enumerationLimit ?? 20_000_000,
    workLimit: options.workLimit ?? 50_000_000,
  });
  // Ranks are 1-based: the median of N slopes is the ((N+1)/2)-th, or the mean of the (N/2)-th
  // and (N/2+1)-th.
  if (pairCount % 2 === 1) {
    const middle = (pairCount + 1) / 2;
    return selector.slopesOfRanks(middle, middle)[0];
  }
  const [lower, upper] = selector.slopesOfRanks(pairCount / 2, pairCount / 2 + 1);
  return (lower + upper) / 2;
}

/** The points ordered by x ascending, equal x by y descending, with what the error bound needs. */
interface SortedPoints {
  n: number;
  xs: Float64Array;
  ys: Float64Array;
  /** x − median(x) and y − median(y): smaller numbers make z = y − t·x lose less to rounding. */
  xCentred: Float64Array;
  yCentred: Float64Array;
  /** Σ over groups of equal x of C(size, 2): pairs without a slope. */
  equalXPairs: number;
  maxAbsXCentred: number;
  maxAbsYCentred: number;
  /** A bound on |slope| of every pair. */
  slopeBound: number;
  /** Pairs with 0 < xⱼ − xᵢ < closeDistance are judged by their computed slope, never by z. */
  closeDistance: number;
  closeLeft: Int32Array;
  closeRight: Int32Array;
  closeSlopes: Float64Array;
}

function createSortedPoints(y: ArrayLike<number>, x: ArrayLike<number>): SortedPoints {
  const n = y.length;
  const xs = Float64Array.from(x);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  sortCountingInversions(xs, new Float64Array(n), order, new Int32Array(n));
  // Equal x sorted by y descending: then z is descending within each group for every t, so each
  // equal-x pair always counts as one inversion and is subtracted once (equalXPairs).
  for (let start = 0, end = 1; start < n; start = end, end = start + 1) {
    while (end < n && xs[end] === xs[start]) end++;
    if (end - start > 1) order.subarray(start, end).sort((a, b) => y[b] - y[a]);
  }
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) ys[i] = y[order[i]];
  let equalXPairs = 0;
  let runLength = 1;
  let minGap = Infinity;
  for (let i = 1; i < n; i++) {
    if (xs[i] === xs[i - 1]) {
      runLength++;
      continue;
    }
    equalXPairs += runLength * (runLength - 1) / 2;
    runLength = 1;
    minGap = Math.min(minGap, xs[i] - xs[i - 1]);
  }
  equalXPairs += runLength * (runLength - 1) / 2;
  const medianX = median(xs);
  const medianY = median(ys);
  const xCentred = new Float64Array(n);
  const yCentred = new Float64Array(n);
  let maxAbsXCentred = 0;
  let maxAbsYCentred = 0;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    xCentred[i] = xs[i] - medianX;
    yCentred[i] = ys[i] - medianY;
    maxAbsXCentred = Math.max(maxAbsXCentred, Math.abs(xCentred[i]));
    maxAbsYCentred = Math.max(maxAbsYCentred, Math.abs(yCentred[i]));
    minY = Math.min(minY, ys[i]);
    maxY = Math.max(maxY, ys[i]);
  }
  const closeDistance = chooseCloseDistance(xs, minGap, 4 * n);
  const close = listClosePairs(xs, ys, closeDistance);
  return {
    n,
    xs,
    ys,
    xCentred,
    yCentred,
    equalXPairs,
    maxAbsXCentred,
    maxAbsYCentred,
    slopeBound: 2 * (maxY - minY) / minGap + 1,
    closeDistance,
    closeLeft: close.left,
    closeRight: close.right,
    closeSlopes: close.slopes,
  };
}

/**
 * A distance D ≥ minGap, within a factor 2 of the largest, with at most `maxPairs` pairs at
 * 0 < Δx < D. Starts from the typical gap range/n and doubles or halves from there.
 */
function chooseCloseDistance(xs: Float64Array, minGap: number, maxPairs: number): number {
  if (!Number.isFinite(minGap)) return minGap;
  const range = xs[xs.length - 1] - xs[0];
  const fits = (distance: number) => countClosePairs(xs, distance, maxPairs) <= maxPairs;
  let distance = Math.max(minGap, range / xs.length);
  if (fits(distance)) {
    while (distance < range && fits(2 * distance)) distance *= 2;
    return distance;
  }
  while (distance / 2 > minGap && !fits(distance / 2)) distance /= 2;
  return Math.max(minGap, distance / 2);
}

/** Pairs i < j with 0 < xs[j] − xs[i] < distance, counting no further than `stopAbove`. */
function countClosePairs(xs: Float64Array, distance: number, stopAbove: number): number {
  let count = 0;
  let groupEnd = 0;
  let far = 0;
  for (let i = 0; i < xs.length && count <= stopAbove; i++) {
    while (groupEnd < xs.length && xs[groupEnd] === xs[i]) groupEnd++;
    if (far < groupEnd) far = groupEnd;
    while (far < xs.length && xs[far] - xs[i] < distance) far++;
    count += far - groupEnd;
  }
  return count;
}

function listClosePairs(xs: Float64Array, ys: Float64Array, distance: number) {
  const left: number[] = [];
  const right: number[] = [];
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length && xs[j] - xs[i] < distance; j++) {
      if (xs[j] === xs[i]) continue;
      left.push(i);
      right.push(j);
      slopes.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
    }
  }
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    slopes: Float64Array.from(slopes),
  };
}

interface SlopeSelector {
  /** The slopes of 1-based ranks `lowRank` and `highRank` (highRank − lowRank ≤ 1). */
  slopesOfRanks(lowRank: number, highRank: number): [number, number];
}

function createSlopeSelector(
  points: SortedPoints,
  limits: Required<TheilSenOptions>,
): SlopeSelector {
  const { enumerationLimit, workLimit } = limits;
  const { n, xs, ys, xCentred, yCentred } = points;
  const pairCount = n * (n - 1) / 2 - points.equalXPairs;
  const keys = new Float64Array(n);
  const keysBuffer = new Float64Array(n);
  const indices = new Int32Array(n);
  const indicesBuffer = new Int32Array(n);
  const rankAtLow = new Int32Array(n);
  const ranks = new Float64Array(n);
  const budget = Math.max(2 * n, 100_000);
  const sample = sampleSlopes(points, 4096);
  // Every count evaluated so far, keyed by trial slope: later searches start from the tightest.
  const counts = new Map<number, number>([[-points.slopeBound, 0], [points.slopeBound, pairCount]]);

  /** η(t): how far from t a pair that is not close can be and still be counted on the wrong side. */
  function roundingMargin(t: number): number {
    const zError = points.maxAbsYCentred + 2 * Math.abs(t) * points.maxAbsXCentred;
    return 8 * Number.EPSILON * (zError / points.closeDistance + Math.abs(t));
  }

  function fillKeys(t: number): void {
    for (let i = 0; i < n; i++) keys[i] = yCentred[i] - t * xCentred[i];
  }

  /** Close pairs counted at or below t by z, minus those whose computed slope is ≤ t. */
  function closeCorrection(t: number): number {
    let correction = 0;
    for (let p = 0; p < points.closeLeft.length; p++) {
      const i = points.closeLeft[p];
      const j = points.closeRight[p];
      if (yCentred[j] - t * xCentred[j] <= yCentred[i] - t * xCentred[i]) correction++;
      if (points.closeSlopes[p] <= t) correction--;
    }
    return correction;
  }

  /** Slopes ≤ t: by z for pairs that are not close (exact up to η), by value for close ones. */
  function countAtOrBelow(t: number): number {
    const known = counts.get(t);
    if (known !== undefined) return known;
    fillKeys(t);
    const inversions = countInversions(keys, keysBuffer);
    const count = inversions - points.equalXPairs - closeCorrection(t);
    counts.set(t, count);
    return count;
  }

  /** Narrows (lo, hi] until count(lo) < rank ≤ count(hi) and at most `budget` slopes lie between. */
  function bracket(rank: number): { low: number; high: number } {
    let low = -points.slopeBound;
    let high = points.slopeBound;
    for (const [t, count] of counts) {
      if (count < rank && t > low) low = t;
      if (count >= rank && t < high) high = t;
    }
    let stalled = false;
    for (let step = 0; step < 100; step++) {
      const span = counts.get(high)! - counts.get(low)!;
      if (span <= budget) break;
      const pivots = choosePivots(rank, low, high);
      // Interpolation can creep towards one end; a plain halving then guarantees progress.
      if (stalled) pivots.push(low + (high - low) / 2);
      let moved = false;
      for (const pivot of pivots) {
        if (!(pivot > low && pivot < high)) continue;
        moved = true;
        if (countAtOrBelow(pivot) < rank) low = pivot;
        else high = pivot;
      }
      if (!moved) break;
      stalled = counts.get(high)! - counts.get(low)! > span / 2;
    }
    return { low, high };
  }

  /**
   * Two trial slopes expected to fall just below and just above the wanted rank: from the sample's
   * quantiles while enough sampled slopes lie inside, else by linear interpolation of the count.
   */
  function choosePivots(rank: number, low: number, high: number): number[] {
    const lowCount = counts.get(low)!;
    const highCount = counts.get(high)!;
    const fraction = (rank - lowCount) / (highCount - lowCount);
    const inside = sample.filter((slope) => slope > low && slope < high);
    if (inside.length >= 32) {
      // A uniform sample of all slopes: ±3 standard errors of its quantile (plus a little) keep
      // the rank between the two pivots with high probability.
      const m = inside.length;
      const spread = 3 * Math.sqrt(fraction * (1 - fraction) / m) + 2 / m;
      const at = (f: number) => inside[Math.min(m - 1, Math.max(0, Math.round(f * (m - 1))))];
      return [at(fraction - spread), at(fraction + spread)];
    }
    const spread = Math.max(budget / (4 * (highCount - lowCount)), 1e-6);
    return [
      low + (high - low) * Math.max(0, fraction - spread),
      low + (high - low) * Math.min(1, fraction + spread),
    ];
  }

  /**
   * Sorts the points by z(low) and by z(high), keeping what `listFlips` needs, and returns the
   * slope counts at both (`countAtOrBelow`, from the same two sorts).
   */
  function orderAt(low: number, high: number): { countAtLow: number; countAtHigh: number } {
    fillKeys(low);
    for (let i = 0; i < n; i++) indices[i] = i;
    const inversionsAtLow = sortCountingInversions(keys, keysBuffer, indices, indicesBuffer);
    const countAtLow = inversionsAtLow - points.equalXPairs - closeCorrection(low);
    // rankAtLow[i]: position of point i sorted by z(low) ascending, the later point first on ties.
    for (let position = 0; position < n; position++) rankAtLow[indices[position]] = position;
    fillKeys(high);
    for (let i = 0; i < n; i++) indices[i] = i;
    const inversionsAtHigh = sortCountingInversions(keys, keysBuffer, indices, indicesBuffer);
    const countAtHigh = inversionsAtHigh - points.equalXPairs - closeCorrection(high);
    // In z(high) order, a pair whose z(low) order is reversed is an inversion of rankAtLow.
    for (let position = 0; position < n; position++) ranks[position] = rankAtLow[indices[position]];
    counts.set(low, countAtLow);
    counts.set(high, countAtHigh);
    return { countAtLow, countAtHigh };
  }

  /**
   * After `orderAt(low, high)`: visits the slopes in (low, high], pairs that are not close and
   * whose z order flips between `low` and `high`, and close pairs by value. Returns how many pairs
   * flipped the other way (counted at low but not at high), which only rounding beyond η causes.
   * Consumes the orders (call `orderAt` again for another pass).
   */
  function listFlips(low: number, high: number, visit: (slope: number) => void): number {
    let reversed = 0;
    listInversions(ranks, indices, keysBuffer, indicesBuffer, (earlier, later) => {
      // `earlier` precedes `later` sorted by z(high) but follows it sorted by z(low).
      const i = Math.min(earlier, later);
      const j = Math.max(earlier, later);
      if (xs[j] - xs[i] < points.closeDistance) return;
      if (earlier === j) visit((ys[j] - ys[i]) / (xs[j] - xs[i]));
      else reversed++;
    });
    for (const slope of points.closeSlopes) if (slope > low && slope <= high) visit(slope);
    return reversed;
  }

  return {
    slopesOfRanks(lowRank: number, highRank: number): [number, number] {
      const first = bracket(lowRank);
      const second = highRank === lowRank ? first : bracket(highRank);
      const low = Math.min(first.low, second.low);
      const high = Math.max(first.high, second.high);
      for (let widening = 1; widening <= 1 << 20; widening *= 16) {
        const listLow = low - 2 * widening * roundingMargin(low);
        const listHigh = high + 2 * widening * roundingMargin(high);
        // The two sorts that count the slopes in the interval also order the points for listing.
        const { countAtLow, countAtHigh } = orderAt(listLow, listHigh);
        const insideCount = countAtHigh - countAtLow;
        if (insideCount > workLimit) {
          return sampledRanks(points, listLow, listHigh, countAtLow, insideCount, [
            lowRank,
            highRank,
          ]);
        }
        const held: number[] = [];
        let listed = 0;
        const reversed = listFlips(listLow, listHigh, (slope) => {
          if (listed++ < enumerationLimit) held.push(slope);
        });
        if (reversed > 0 || countAtLow >= lowRank || countAtLow + listed < highRank) continue;
        const collected = listed <= enumerationLimit ? Float64Array.from(held) : null;
        held.length = 0;
        const stream = (visit: (slope: number) => void) => {
          orderAt(listLow, listHigh);
          listFlips(listLow, listHigh, visit);
        };
        const lowSlope = selectFromStream(
          stream,
          lowRank - countAtLow,
          listed,
          collected,
          enumerationLimit,
        );
        const highSlope = highRank === lowRank
          ? lowSlope
          : selectFromStream(stream, highRank - countAtLow, listed, collected, enumerationLimit);
        // Every slope counted at listLow is ≤ listLow + η and every slope not listed is
        // ≥ listHigh − η; when the answers lie inside those, their ranks are exact.
        if (
          lowSlope >= listLow + roundingMargin(listLow) &&
          highSlope <= listHigh - roundingMargin(listHigh)
        ) {
          return [lowSlope, highSlope];
        }
      }
      throw new Error(
        `Theil-Sen selection did not settle between slopes ${low} and ${high}: the x and y ` +
          `values are too large relative to their differences for double precision`,
      );
    },
  };
}

/**
 * Estimates of the slopes of the given ranks, all known to lie in (low, high] with `below` slopes
 * under `low` and `inside` within: quantiles of slopes of random pairs that fall in the interval.
 */
function sampledRanks(
  points: SortedPoints,
  low: number,
  high: number,
  below: number,
  inside: number,
  ranks: [number, number],
): [number, number] {
  const { n, xs, ys } = points;
  const random = createMulberry32(0xc0ffee + n);
  const sampled: number[] = [];
  for (let attempt = 0; attempt < 10_000_000 && sampled.length < 20_000; attempt++) {
    const i = Math.floor(random() * n);
    const j = Math.floor(random() * n);
    if (!(xs[j] > xs[i])) continue;
    const slope = (ys[j] - ys[i]) / (xs[j] - xs[i]);
    if (slope > low && slope <= high) sampled.push(slope);
  }
  if (sampled.length === 0) return [low + (high - low) / 2, low + (high - low) / 2];
  sampled.sort((a, b) => a - b);
  const at = (rank: number) => {
    const position = Math.round(((rank - below - 0.5) / inside) * sampled.length - 0.5);
    return sampled[Math.min(sampled.length - 1, Math.max(0, position))];
  };
  return [at(ranks[0]), at(ranks[1])];
}

/**
 * The `rank`-th smallest (1-based) of `total` values produced by `stream`. With `collected`
 * (all values in memory) a selection; otherwise passes over the stream that each sample the values
 * still in play, count around two sampled values, and keep the part that holds the rank — ending
 * on a value with many equal copies or on few enough values to hold.
 */
function selectFromStream(
  stream: (visit: (value: number) => void) => void,
  rank: number,
  total: number,
  collected: Float64Array | null,
  limit: number,
): number {
  if (collected) return selectInPlace(collected, rank - 1);
  let lower = -Infinity;
  let upper = Infinity;
  let rankInRange = rank;
  let countInRange = total;
  const random = createMulberry32(0x7e57 + total);
  for (;;) {
    const inRange = (value: number) => value >= lower && value <= upper;
    if (countInRange <= limit) {
      const values = new Float64Array(countInRange);
      let filled = 0;
      stream((value) => {
        if (inRange(value)) values[filled++] = value;
      });
      return selectInPlace(values, rankInRange - 1);
    }
    // Reservoir sampling (Vitter's algorithm R) of the values in range.
    const reservoir = new Float64Array(65_536);
    let seen = 0;
    stream((value) => {
      if (!inRange(value)) return;
      if (seen < reservoir.length) reservoir[seen] = value;
      else {
        const slot = Math.floor(random() * (seen + 1));
        if (slot < reservoir.length) reservoir[slot] = value;
      }
      seen++;
    });
    const sampled = reservoir.subarray(0, Math.min(seen, reservoir.length)).sort();
    const fraction = (rankInRange - 0.5) / countInRange;
    const spread = 3 * Math.sqrt(fraction * (1 - fraction) / sampled.length) + 2 / sampled.length;
    const at = (f: number) =>
      sampled[Math.min(sampled.length - 1, Math.max(0, Math.round(f * (sampled.length - 1))))];
    const pivotLow = at(fraction - spread);
    const pivotHigh = at(fraction + spread);
    let belowLow = 0;
    let atOrBelowLow = 0;
    let belowHigh = 0;
    let atOrBelowHigh = 0;
    stream((value) => {
      if (!inRange(value)) return;
      if (value < pivotLow) belowLow++;
      if (value <= pivotLow) atOrBelowLow++;
      if (value < pivotHigh) belowHigh++;
      if (value <= pivotHigh) atOrBelowHigh++;
    });
    if (rankInRange <= belowLow) {
      upper = nextDown(pivotLow);
      countInRange = belowLow;
    } else if (rankInRange <= atOrBelowLow) {
      return pivotLow;
    } else if (rankInRange <= belowHigh) {
      lower = nextUp(pivotLow);
      upper = nextDown(pivotHigh);
      rankInRange -= atOrBelowLow;
      countInRange = belowHigh - atOrBelowLow;
    } else if (rankInRange <= atOrBelowHigh) {
      return pivotHigh;
    } else {
      lower = nextUp(pivotHigh);
      rankInRange -= atOrBelowHigh;
      countInRange -= atOrBelowHigh;
    }
  }
}

/** The next double above `value` (finite input). */
function nextUp(value: number): number {
  if (value === 0) return Number.MIN_VALUE;
  const bitsView = new DataView(new ArrayBuffer(8));
  bitsView.setFloat64(0, value);
  const bits = bitsView.getBigInt64(0);
  bitsView.setBigInt64(0, value > 0 ? bits + 1n : bits - 1n);
  return bitsView.getFloat64(0);
}

/** The next double below `value` (finite input). */
function nextDown(value: number): number {
  return -nextUp(-value);
}

/** Slopes of `size` random pairs with distinct x, sorted (fixed seed: same data, same path). */
function sampleSlopes(points: SortedPoints, size: number): number[] {
  const { n, xs, ys } = points;
  const random = createMulberry32(0x5eed + n);
  const slopes: number[] = [];
  for (let attempt = 0; attempt < 20 * size && slopes.length < size; attempt++) {
    const a = Math.floor(random() * n);
    const b = Math.floor(random() * n);
    if (xs[a] === xs[b]) continue;
    slopes.push((ys[a] - ys[b]) / (xs[a] - xs[b]));
  }
  return slopes.sort((p, q) => p - q);
}

/** Mulberry32: a small, fast 32-bit generator; ample for choosing pivots and samples. */
function createMulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Blocks this small are sorted by insertion first: fewer passes, fewer mispredicted branches. */
const INSERTION_BLOCK = 16;

/**
 * Sorts `keys` ascending, the later element first among equal keys, and returns the number of
 * pairs i < j with keys[j] ≤ keys[i] (insertion-sorted blocks, then bottom-up merging). `indices`
 * is permuted alongside. On return `keys` and `indices` hold the order.
 */
function sortCountingInversions(
  keys: Float64Array,
  keysBuffer: Float64Array,
  indices: Int32Array,
  indicesBuffer: Int32Array,
): number {
  const n = keys.length;
  let inversions = 0;
  for (let start = 0; start < n; start += INSERTION_BLOCK) {
    const end = Math.min(start + INSERTION_BLOCK, n);
    for (let i = start + 1; i < end; i++) {
      const key = keys[i];
      const index = indices[i];
      let j = i - 1;
      while (j >= start && keys[j] >= key) {
        keys[j + 1] = keys[j];
        indices[j + 1] = indices[j];
        j--;
      }
      inversions += i - 1 - j;
      keys[j + 1] = key;
      indices[j + 1] = index;
    }
  }
  let source = keys;
  let target = keysBuffer;
  let sourceIndices = indices;
  let targetIndices = indicesBuffer;
  for (let width = INSERTION_BLOCK; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(left + width, n);
      const right = Math.min(left + 2 * width, n);
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        if (source[j] <= source[i]) {
          inversions += middle - i;
          targetIndices[k] = sourceIndices[j];
          target[k++] = source[j++];
        } else {
          targetIndices[k] = sourceIndices[i];
          target[k++] = source[i++];
        }
      }
      while (i < middle) {
        targetIndices[k] = sourceIndices[i];
        target[k++] = source[i++];
      }
      while (j < right) {
        targetIndices[k] = sourceIndices[j];
        target[k++] = source[j++];
      }
    }
    [source, target] = [target, source];
    [sourceIndices, targetIndices] = [targetIndices, sourceIndices];
  }
  if (source !== keys) keys.set(source);
  if (sourceIndices !== indices) indices.set(sourceIndices);
  return inversions;
}

/**
 * `sortCountingInversions` without the indices: the count alone, as the search for the median
 * slope needs it a dozen times per fit. Overwrites `keys` and `keysBuffer`.
 */
function countInversions(keys: Float64Array, keysBuffer: Float64Array): number {
  const n = keys.length;
  let inversions = 0;
  for (let start = 0; start < n; start += INSERTION_BLOCK) {
    const end = Math.min(start + INSERTION_BLOCK, n);
    for (let i = start + 1; i < end; i++) {
      const key = keys[i];
      let j = i - 1;
      while (j >= start && keys[j] >= key) {
        keys[j + 1] = keys[j];
        j--;
      }
      inversions += i - 1 - j;
      keys[j + 1] = key;
    }
  }
  let source = keys;
  let target = keysBuffer;
  for (let width = INSERTION_BLOCK; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(left + width, n);
      const right = Math.min(left + 2 * width, n);
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        const fromRight = source[j];
        const fromLeft = source[i];
        if (fromRight <= fromLeft) {
          inversions += middle - i;
          target[k++] = fromRight;
          j++;
        } else {
          target[k++] = fromLeft;
          i++;
        }
      }
      while (i < middle) target[k++] = source[i++];
      while (j < right) target[k++] = source[j++];
    }
    [source, target] = [target, source];
  }
  return inversions;
}

/**
 * Calls `visit(earlier, later)` for every pair of positions p < q with values[p] > values[q]
 * (values distinct), passing the labels `labels[p]`, `labels[q]`. O(n log n + pairs). Overwrites
 * `values`, `labels` and both buffers.
 */
function listInversions(
  values: Float64Array,
  labels: Int32Array,
  valuesBuffer: Float64Array,
  labelsBuffer: Int32Array,
  visit: (earlier: number, later: number) => void,
): void {
  const n = values.length;
  let source = values;
  let target = valuesBuffer;
  let sourceLabels = labels;
  let targetLabels = labelsBuffer;
  for (let width = 1; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(left + width, n);
      const right = Math.min(left + 2 * width, n);
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        if (source[j] < source[i]) {
          for (let m = i; m < middle; m++) visit(sourceLabels[m], sourceLabels[j]);
          targetLabels[k] = sourceLabels[j];
          target[k++] = source[j++];
        } else {
          targetLabels[k] = sourceLabels[i];
          target[k++] = source[i++];
        }
      }
      while (i < middle) {
        targetLabels[k] = sourceLabels[i];
        target[k++] = source[i++];
      }
      while (j < right) {
        targetLabels[k] = sourceLabels[j];
        target[k++] = source[j++];
      }
    }
    [source, target] = [target, source];
    [sourceLabels, targetLabels] = [targetLabels, sourceLabels];
  }
}
