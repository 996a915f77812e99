/**
 * Rolling-window statistics with pandas semantics (`s.rolling(w).mean()`, `.std()` with ddof = 1,
 * `a.rolling(w).corr(b)`), in O(n) for any window and without the cancellation of raw power sums.
 *
 * A window's value exists only when all w points in it are present (pandas' default
 * `min_periods = w`); a missing input (NaN) makes the next w outputs NaN, which callers show as null.
 *
 * Numerics: the sums Σa, Σb, Σa², Σb², Σab are kept relative to an anchor near the data (Neumaier
 * compensated, add the new point, remove the old one). Every w steps, and whenever the centred sum
 * Σ(a−ā)² would lose more than 6 of its 16 digits to cancellation (a series far from its anchor, or
 * nearly constant), the window is recomputed in two passes and re-anchored at its mean. A window whose
 * values are all identical has exactly zero spread, as in pandas (which tracks runs of equal values
 * for the same reason). So results hold ~10 significant digits even at BTC prices around 60,000
 * moving by 0.01.
 */
import { addCompensated, compensatedValue, createCompensatedSum } from "./sums.ts";

/** Centred co-moments of two series over each trailing window; NaN where the window is incomplete. */
export interface WindowMoments {
  meanA: Float64Array;
  meanB: Float64Array;
  /** Σ(a − ā)² over the window. Exactly 0 when all a in the window are equal. */
  sumSquaresA: Float64Array;
  /** Σ(b − b̄)² over the window. Exactly 0 when all b in the window are equal. */
  sumSquaresB: Float64Array;
  /** Σ(a − ā)(b − b̄) over the window. */
  sumCross: Float64Array;
}

/** Cancellation beyond this factor (about 6 digits) triggers an exact recomputation of the window. */
const CANCELLATION_LIMIT = 1e6;

/**
 * Moments of the windows [t − w + 1, t] for every t; a point counts as present when both a[t] and
 * b[t] are numbers. O(n) amortised.
 */
export function slidingMoments(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  window: number,
): WindowMoments {
  return windowedMoments(a, b, window);
}

/** Where each running sum sits in the array of compensated sums (`addCompensated`). */
const SUM_A = 0;
const SUM_B = 2;
const SUM_AA = 4;
const SUM_BB = 6;
const SUM_AB = 8;

/**
 * `slidingMoments`, or with `pair` null the moments of `a` alone (meanA and sumSquaresA; the
 * other fields are empty): a z-score needs only those, and half the sums. Both give the same
 * numbers for `a` to the bit.
 */
function windowedMoments(
  a: ArrayLike<number>,
  pair: ArrayLike<number> | null,
  window: number,
): WindowMoments {
  const n = a.length;
  const b = pair ?? a;
  if (b.length !== n) throw new RangeError(`Series lengths differ: ${n} and ${b.length}`);
  checkWindow(window, n);
  const out: WindowMoments = {
    meanA: new Float64Array(n).fill(NaN),
    meanB: new Float64Array(pair ? n : 0).fill(NaN),
    sumSquaresA: new Float64Array(n).fill(NaN),
    sumSquaresB: new Float64Array(pair ? n : 0).fill(NaN),
    sumCross: new Float64Array(pair ? n : 0).fill(NaN),
  };
  const sums = new Float64Array(10);
  const anchors = new Float64Array(2);
  let present = 0;
  // Index where the current run of equal values began, per series.
  let runStartA = 0;
  let runStartB = 0;

  for (let t = 0; t < n; t++) {
    const isPresent = !Number.isNaN(a[t]) && !Number.isNaN(b[t]);
    if (t > 0 && !(a[t] === a[t - 1])) runStartA = t;
    if (t > 0 && !(b[t] === b[t - 1])) runStartB = t;
    if (isPresent) {
      if (present === 0) {
        // First point after a gap (or at the start): anchor on it.
        anchors[0] = a[t];
        anchors[1] = b[t];
        sums.fill(0);
      }
      include(a, pair, anchors, sums, t, 1);
      present++;
    }
    const leaving = t - window;
    if (leaving >= 0 && !Number.isNaN(a[leaving]) && !Number.isNaN(b[leaving])) {
      include(a, pair, anchors, sums, leaving, -1);
      present--;
    }
    if (present < window) continue;
    if (t % window === 0) reanchor(a, pair, anchors, sums, t, window);
    let sumA = compensatedValue(sums, SUM_A);
    let sumAA = compensatedValue(sums, SUM_AA);
    let meanA = sumA / window;
    let squaresA = sumAA - sumA * meanA;
    let sumB = pair ? compensatedValue(sums, SUM_B) : sumA;
    let sumBB = pair ? compensatedValue(sums, SUM_BB) : sumAA;
    let squaresB = pair ? sumBB - sumB * (sumB / window) : squaresA;
    if (squaresA * CANCELLATION_LIMIT < sumAA || squaresB * CANCELLATION_LIMIT < sumBB) {
      reanchor(a, pair, anchors, sums, t, window);
      sumA = compensatedValue(sums, SUM_A);
      sumAA = compensatedValue(sums, SUM_AA);
      meanA = sumA / window;
      squaresA = sumAA - sumA * meanA;
      sumB = pair ? compensatedValue(sums, SUM_B) : sumA;
      sumBB = pair ? compensatedValue(sums, SUM_BB) : sumAA;
      squaresB = pair ? sumBB - sumB * (sumB / window) : squaresA;
    }
    const constantA = runStartA <= t - window + 1;
    out.meanA[t] = constantA ? a[t] : anchors[0] + meanA;
    out.sumSquaresA[t] = constantA ? 0 : Math.max(0, squaresA);
    if (pair) {
      const constantB = runStartB <= t - window + 1;
      const meanB = sumB / window;
      out.meanB[t] = constantB ? b[t] : anchors[1] + meanB;
      out.sumSquaresB[t] = constantB ? 0 : Math.max(0, squaresB);
      out.sumCross[t] = constantA || constantB ? 0 : compensatedValue(sums, SUM_AB) - sumA * meanB;
    }
  }
  return out;
}

/** Adds (sign 1) or removes (sign −1) point i, relative to the anchors. */
function include(
  a: ArrayLike<number>,
  b: ArrayLike<number> | null,
  anchors: Float64Array,
  sums: Float64Array,
  i: number,
  sign: 1 | -1,
): void {
  const da = a[i] - anchors[0];
  addCompensated(sums, SUM_A, sign * da);
  addCompensated(sums, SUM_AA, sign * da * da);
  if (b === null) return;
  const db = b[i] - anchors[1];
  addCompensated(sums, SUM_B, sign * db);
  addCompensated(sums, SUM_BB, sign * db * db);
  addCompensated(sums, SUM_AB, sign * da * db);
}

/** Two passes over the full window ending at t: anchors at its means, sums from scratch. */
function reanchor(
  a: ArrayLike<number>,
  b: ArrayLike<number> | null,
  anchors: Float64Array,
  sums: Float64Array,
  t: number,
  window: number,
): void {
  sums.fill(0);
  for (let i = t - window + 1; i <= t; i++) {
    addCompensated(sums, SUM_A, a[i]);
    if (b !== null) addCompensated(sums, SUM_B, b[i]);
  }
  anchors[0] = compensatedValue(sums, SUM_A) / window;
  anchors[1] = b === null ? anchors[0] : compensatedValue(sums, SUM_B) / window;
  sums.fill(0);
  for (let i = t - window + 1; i <= t; i++) include(a, b, anchors, sums, i, 1);
}

/**
 * z_t = (s_t − mean) / std over the trailing window of w values, std with ddof = 1: pandas
 * `(s - s.rolling(w).mean()) / s.rolling(w).std()`. NaN while the window is incomplete or holds a
 * missing value, and where std = 0 (pandas gives NaN or ±inf there; ANALYTICS.md says null).
 */
export function rollingZScore(values: ArrayLike<number>, window: number): Float64Array {
  if (window < 2) throw new RangeError(`A z-score window needs at least 2 points, got ${window}`);
  const moments = windowedMoments(values, null, window);
  const z = new Float64Array(values.length);
  for (let t = 0; t < values.length; t++) {
    const variance = moments.sumSquaresA[t] / (window - 1);
    z[t] = variance > 0 ? (values[t] - moments.meanA[t]) / Math.sqrt(variance) : NaN;
  }
  return z;
}

/**
 * Pearson correlation of a and b over each trailing window of w points: pandas
 * `a.rolling(w).corr(b)`. NaN while incomplete and where either side is constant in the window
 * (pandas: NaN or ±inf). Clamped to [−1, 1] against rounding.
 */
export function rollingCorrelation(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  window: number,
): Float64Array {
  if (window < 2) {
    throw new RangeError(`A correlation window needs at least 2 points, got ${window}`);
  }
  const moments = slidingMoments(a, b, window);
  const correlation = new Float64Array(a.length);
  for (let t = 0; t < a.length; t++) {
    const denominator = Math.sqrt(moments.sumSquaresA[t] * moments.sumSquaresB[t]);
    correlation[t] = denominator > 0
      ? Math.min(1, Math.max(-1, moments.sumCross[t] / denominator))
      : NaN;
  }
  return correlation;
}

/** r_t = ln p_t − ln p_{t−1}; r_0 is NaN (no previous close). Prices must be positive. */
export function logReturns(closes: ArrayLike<number>): Float64Array {
  const returns = new Float64Array(closes.length);
  returns[0] = NaN;
  for (let t = 1; t < closes.length; t++) {
    returns[t] = Math.log(closes[t]) - Math.log(closes[t - 1]);
  }
  return returns;
}

function checkWindow(window: number, length: number): void {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window must be a positive whole number of points, got ${window}`);
  }
  if (window > length) {
    throw new RangeError(`window ${window} is larger than the series (${length} points)`);
  }
}

/**
 * The z-score of `values[index]` over the window ending there, computed directly in two passes:
 * O(window). The same definition as `rollingZScore` (which it matches to ~1e-12), for live updates
 * that need only the newest point.
 */
export function zScoreAt(values: ArrayLike<number>, index: number, window: number): number {
  const moments = windowMoments(values, values, index, window);
  if (moments === null || moments.sumSquaresA === 0) return NaN;
  return (values[index] - moments.meanA) / Math.sqrt(moments.sumSquaresA / (window - 1));
}

/** Pearson correlation over the window ending at `index`, two passes: O(window). */
export function correlationAt(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  index: number,
  window: number,
): number {
  const moments = windowMoments(a, b, index, window);
  if (moments === null || moments.sumSquaresA === 0 || moments.sumSquaresB === 0) return NaN;
  const correlation = moments.sumCross / Math.sqrt(moments.sumSquaresA * moments.sumSquaresB);
  return Math.min(1, Math.max(-1, correlation));
}

/** Two-pass centred moments of [index − window + 1, index]; null if the window is incomplete. */
function windowMoments(a: ArrayLike<number>, b: ArrayLike<number>, index: number, window: number) {
  const first = index - window + 1;
  if (first < 0) return null;
  const sumA = createCompensatedSum();
  const sumB = createCompensatedSum();
  let constantA = true;
  let constantB = true;
  for (let i = first; i <= index; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) return null;
    sumA.add(a[i]);
    sumB.add(b[i]);
    constantA &&= a[i] === a[first];
    constantB &&= b[i] === b[first];
  }
  const meanA = sumA.value() / window;
  const meanB = sumB.value() / window;
  const squaresA = createCompensatedSum();
  const squaresB = createCompensatedSum();
  const cross = createCompensatedSum();
  for (let i = first; i <= index; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    squaresA.add(da * da);
    squaresB.add(db * db);
    cross.add(da * db);
  }
  return {
    meanA: constantA ? a[first] : meanA,
    sumSquaresA: constantA ? 0 : squaresA.value(),
    sumSquaresB: constantB ? 0 : squaresB.value(),
    sumCross: constantA || constantB ? 0 : cross.value(),
  };
}
