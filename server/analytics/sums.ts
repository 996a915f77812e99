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
  let sum = 0;
  let compensation = 0;
  return {
    add(term: number) {
      const next = sum + term;
      // The low-order bits lost by `sum + term` are recovered from whichever operand is larger.
      compensation += Math.abs(sum) >= Math.abs(term) ? (sum - next) + term : (term - next) + sum;
      sum = next;
    },
    value: () => sum + compensation,
    reset() {
      sum = 0;
      compensation = 0;
    },
  };
}
