/**
 * Compensated summation (Neumaier's improvement of Kahan's algorithm).
 *
 * Adding n doubles naively loses up to n·ε relative to the largest partial sum; when the terms are
 * prices around 60,000 that differ in the fifth digit, that is most of the signal. Neumaier keeps the
 * rounding error of every addition in a second accumulator, so the result is as if summed in about
 * twice the precision, independently of n (Neumaier 1974, "Rundungsfehleranalyse einiger Verfahren
 * zur Summation endlicher Summen", ZAMM 54). Cost O(1) per term.
 */

/** A running compensated sum; terms may be added and removed (add the negative) in any order. */
export interface CompensatedSum {
  add(term: number): void;
  /** The sum of all terms added since creation or the last reset. */
  value(): number;
  reset(): void;
}

export function createCompensatedSum(): CompensatedSum {
  // The two accumulators live in an object rather than in `let` bindings of this closure: V8 keeps
  // reassigned closure variables in a heap context, which made `add` about 12x slower in the
  // inner loops of the rolling windows and the Huber iterations (same arithmetic either way).
  const state = { sum: 0, compensation: 0 };
  return {
    add(term: number) {
      const sum = state.sum;
      const next = sum + term;
      // The low-order bits lost by `sum + term`, exactly (Knuth's TwoSum: the same number as
      // recovering them from the larger operand, without a branch).
      const virtual = next - sum;
      state.compensation += (sum - (next - virtual)) + (term - virtual);
      state.sum = next;
    },
    value: () => state.sum + state.compensation,
    reset() {
      state.sum = 0;
      state.compensation = 0;
    },
  };
}

/**
 * Compensated sums kept side by side in one Float64Array, for hot loops: the sum at an even index
 * `at`, its compensation at `at + 1`. `addCompensated` is `CompensatedSum.add` (same arithmetic,
 * same result to the bit) on plain memory, which the compiler inlines into the loop; a closure
 * per sum costs several times more there.
 */
export function addCompensated(sums: Float64Array, at: number, term: number): void {
  const sum = sums[at];
  const next = sum + term;
  const virtual = next - sum;
  sums[at + 1] += (sum - (next - virtual)) + (term - virtual);
  sums[at] = next;
}

/** The value of the compensated sum at `at` (see `addCompensated`). */
export function compensatedValue(sums: Float64Array, at: number): number {
  return sums[at] + sums[at + 1];
}
