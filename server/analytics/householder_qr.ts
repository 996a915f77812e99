/**
 * The R factor of a thin QR decomposition X = QR by Householder reflections (Golub & Van Loan,
 * "Matrix Computations", 5.2.2). R equals the Cholesky factor of X'X, but it is computed from X
 * itself, so its accuracy depends on cond(X) rather than cond(X)^2: the fallback for regressions
 * whose cross-product matrix is too ill-conditioned to factor. O(rows * columns^2).
 */

export interface QrFactor {
  /** columns x columns, row-major, upper triangular, diagonal >= 0 (the Cholesky convention). */
  factor: Float64Array;
  /**
   * Number of leading columns whose diagonal entry exceeds rows * eps * (largest column norm),
   * the rank rule of numpy's matrix_rank with the largest column norm standing in for the largest
   * singular value; equals the column count when X has full rank.
   */
  rank: number;
}

/** Factor X given as its columns (each of the same length); the columns are not modified. */
export function householderR(columns: readonly Float64Array[]): QrFactor {
  const size = columns.length;
  const rows = size > 0 ? columns[0].length : 0;
  if (columns.some((column) => column.length !== rows)) {
    throw new RangeError("QR needs columns of equal length");
  }
  if (rows < size) {
    throw new RangeError(`QR needs at least as many rows as columns; got ${rows} x ${size}`);
  }
  const work = columns.map((column) => column.slice());
  let largestNorm = 0;
  for (const column of work) {
    let squares = 0;
    for (const value of column) squares += value * value;
    largestNorm = Math.max(largestNorm, Math.sqrt(squares));
  }
  const tolerance = rows * Number.EPSILON * largestNorm;
  const factor = new Float64Array(size * size);
  let rank = size;
  for (let j = 0; j < size; j++) {
    const pivotColumn = work[j];
    let squares = 0;
    for (let row = j; row < rows; row++) squares += pivotColumn[row] * pivotColumn[row];
    const norm = Math.sqrt(squares);
    if (norm <= tolerance && rank === size) rank = j;
    if (norm === 0) continue;
    // Reflect x = pivotColumn[j..] onto alpha e_1 with alpha = -sign(x_0) |x| (no cancellation);
    // v = x - alpha e_1, and every later column c becomes c - 2 (v.c / v.v) v.
    const alpha = pivotColumn[j] > 0 ? -norm : norm;
    const head = pivotColumn[j] - alpha;
    const vSquares = squares - pivotColumn[j] * pivotColumn[j] + head * head;
    pivotColumn[j] = head;
    for (let later = j + 1; later < size; later++) {
      const column = work[later];
      let dot = 0;
      for (let row = j; row < rows; row++) dot += pivotColumn[row] * column[row];
      const scale = 2 * dot / vSquares;
      for (let row = j; row < rows; row++) column[row] -= scale * pivotColumn[row];
    }
    // Flip the row's sign so the diagonal is positive, as a Cholesky factor's is.
    const sign = alpha < 0 ? -1 : 1;
    factor[j * size + j] = sign * alpha;
    for (let later = j + 1; later < size; later++) {
      factor[j * size + later] = sign * work[later][j];
    }
  }
  return { factor, rank };
}
