/**
 * Dot products and sums with Neumaier's compensated summation (Neumaier 1974, "Rundungsfehleranalyse
 * einiger Verfahren zur Summation endlicher Summen"): the rounding error of every addition is
 * carried separately and added back at the end, so the result of n terms is accurate to about
 * eps * sum|terms| independently of n, instead of n * eps * sum|terms|. O(n).
 *
 * The rounding error of `next = sum + term` is taken with Knuth's branch-free TwoSum. It is the
 * exact error, the same number Neumaier's "subtract the larger operand" step yields, so the
 * results are identical to the bit; TwoSum only avoids a branch the processor mispredicts half the
 * time when the partial sums hover around zero (centred data).
 */

export interface SliceOptions {
  /** Index of the first element of `a` to use. Default 0. */
  aStart?: number;
  /** Index of the first element of `b` to use. Default 0. */
  bStart?: number;
  /** Number of terms. Default: as many as both arrays hold from their starts. */
  length?: number;
}

/** sum_{k < length} a[aStart + k] * b[bStart + k], compensated. */
export function compensatedDot(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: SliceOptions = {},
): number {
  const aStart = options.aStart ?? 0;
  const bStart = options.bStart ?? 0;
  const length = options.length ?? Math.min(a.length - aStart, b.length - bStart);
  if (
    aStart < 0 || bStart < 0 || length < 0 || aStart + length > a.length ||
    bStart + length > b.length
  ) {
    throw new RangeError(
      `Dot product slice out of range: a[${aStart}..+${length}] of ${a.length}, ` +
        `b[${bStart}..+${length}] of ${b.length}`,
    );
  }
  let sum = 0;
  let compensation = 0;
  for (let k = 0; k < length; k++) {
    const term = a[aStart + k] * b[bStart + k];
    const next = sum + term;
    const virtual = next - sum;
    compensation += (sum - (next - virtual)) + (term - virtual);
    sum = next;
  }
  return sum + compensation;
}

/**
 * `out[j] = sum_{k < length} a[aStart + k] * b[bStart - j + k]` for j = 0 .. lags - 1: the dot
 * products of one slice of `a` with `b` at successive lags, each exactly as `compensatedDot`
 * computes it (same terms, same order, same result to the bit). Four lags share one sweep over
 * `a`: their sums are independent chains of additions that the processor runs side by side, where
 * one dot product at a time waits on each addition in turn. O(length * lags).
 */
export function compensatedLagDots(
  a: Float64Array,
  b: Float64Array,
  slice: { aStart: number; bStart: number; length: number; lags: number },
  out: Float64Array = new Float64Array(slice.lags),
): Float64Array {
  const { aStart, bStart, length, lags } = slice;
  if (
    aStart < 0 || length < 0 || lags < 0 || aStart + length > a.length ||
    bStart - lags + 1 < 0 || bStart + length > b.length || out.length < lags
  ) {
    throw new RangeError(
      `Lagged dot products out of range: a[${aStart}..+${length}] of ${a.length}, ` +
        `b[${bStart}..+${length}] at lags 0..${lags - 1} of ${b.length}`,
    );
  }
  let lag = 0;
  for (; lag + 4 <= lags; lag += 4) {
    const start = bStart - lag;
    let sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
    let compensation0 = 0, compensation1 = 0, compensation2 = 0, compensation3 = 0;
    for (let k = 0; k < length; k++) {
      const value = a[aStart + k];
      const at = start + k;
      let term = value * b[at];
      let next = sum0 + term;
      let virtual = next - sum0;
      compensation0 += (sum0 - (next - virtual)) + (term - virtual);
      sum0 = next;
      term = value * b[at - 1];
      next = sum1 + term;
      virtual = next - sum1;
      compensation1 += (sum1 - (next - virtual)) + (term - virtual);
      sum1 = next;
      term = value * b[at - 2];
      next = sum2 + term;
      virtual = next - sum2;
      compensation2 += (sum2 - (next - virtual)) + (term - virtual);
      sum2 = next;
      term = value * b[at - 3];
      next = sum3 + term;
      virtual = next - sum3;
      compensation3 += (sum3 - (next - virtual)) + (term - virtual);
      sum3 = next;
    }
    out[lag] = sum0 + compensation0;
    out[lag + 1] = sum1 + compensation1;
    out[lag + 2] = sum2 + compensation2;
    out[lag + 3] = sum3 + compensation3;
  }
  for (; lag < lags; lag++) {
    out[lag] = compensatedDot(a, b, { aStart, bStart: bStart - lag, length });
  }
  return out;
}

/** sum_{k < length} values[start + k], compensated. */
export function compensatedSum(
  values: ArrayLike<number>,
  options: { start?: number; length?: number } = {},
): number {
  const start = options.start ?? 0;
  const length = options.length ?? values.length - start;
  if (start < 0 || length < 0 || start + length > values.length) {
    throw new RangeError(`Sum slice out of range: [${start}..+${length}] of ${values.length}`);
  }
  let sum = 0;
  let compensation = 0;
  for (let k = start; k < start + length; k++) {
    const term = values[k];
    const next = sum + term;
    const virtual = next - sum;
    compensation += (sum - (next - virtual)) + (term - virtual);
    sum = next;
  }
  return sum + compensation;
}
