/**
 * Dot products and sums with Neumaier's compensated summation (Neumaier 1974, "Rundungsfehleranalyse
 * einiger Verfahren zur Summation endlicher Summen"): the rounding error of every addition is
 * carried separately and added back at the end, so the result of n terms is accurate to about
 * eps * sum|terms| independently of n, instead of n * eps * sum|terms|. O(n).
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
    compensation += Math.abs(sum) >= Math.abs(term) ? (sum - next) + term : (term - next) + sum;
    sum = next;
  }
  return sum + compensation;
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
    compensation += Math.abs(sum) >= Math.abs(term) ? (sum - next) + term : (term - next) + sum;
    sum = next;
  }
  return sum + compensation;
}
