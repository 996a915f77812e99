/**
 * Cholesky factorisation M = R'R of a symmetric positive definite matrix (R upper triangular),
 * used to solve least-squares problems from their cross-product matrix X'X. Because R's leading
 * k x k block is the factor of M's leading k x k block, one factorisation answers the
 * regressions on every prefix of the columns (Golub & Van Loan, "Matrix Computations", 4.2).
 */

export interface CholeskyOptions {
  /**
   * A pivot is accepted when its square exceeds `relativeTolerance` times the column's diagonal
   * entry, i.e. when the column keeps that fraction of its sum of squares after projection on
   * the columns before it. Default 1e-10: below it the factor loses more than 6 of its 16 digits.
   */
  relativeTolerance?: number;
}

export interface CholeskyFactor {
  /** Row-major size x size; entries below the diagonal are 0. */
  factor: Float64Array;
  /**
   * Number of leading columns factored; equals size unless column `rank` is (numerically) a
   * combination of the columns before it; then only the leading rank x rank block is valid.
   */
  rank: number;
}

/**
 * Factor the row-major symmetric `matrix` (only the upper triangle is read). O(size^3 / 6).
 */
export function choleskyFactor(
  matrix: Float64Array,
  size: number,
  options: CholeskyOptions = {},
): CholeskyFactor {
  if (matrix.length !== size * size) {
    throw new RangeError(`Cholesky needs a ${size} x ${size} matrix; got ${matrix.length} entries`);
  }
  const relativeTolerance = options.relativeTolerance ?? 1e-10;
  const factor = new Float64Array(size * size);
  for (let column = 0; column < size; column++) {
    const diagonal = matrix[column * size + column];
    let pivotSquared = diagonal;
    for (let row = 0; row < column; row++) {
      const entry = factor[row * size + column];
      pivotSquared -= entry * entry;
    }
    if (!(pivotSquared > relativeTolerance * diagonal) || !(diagonal > 0)) {
      return { factor, rank: column };
    }
    const pivot = Math.sqrt(pivotSquared);
    factor[column * size + column] = pivot;
    for (let later = column + 1; later < size; later++) {
      let entry = matrix[column * size + later];
      for (let row = 0; row < column; row++) {
        entry -= factor[row * size + column] * factor[row * size + later];
      }
      factor[column * size + later] = entry / pivot;
    }
  }
  return { factor, rank: size };
}
