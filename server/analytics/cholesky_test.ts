import assert from "node:assert/strict";
import { choleskyFactor } from "./cholesky.ts";

Deno.test("Cholesky factor of a 3 x 3 matrix, checked by hand", () => {
  // M = R'R with R = [[2, 1, -1], [0, 3, 2], [0, 0, 1]]:
  // M = [[4, 2, -2], [2, 1+9, -1+6], [-2, 5, 1+4+1]] = [[4, 2, -2], [2, 10, 5], [-2, 5, 6]].
  const matrix = Float64Array.from([4, 2, -2, 2, 10, 5, -2, 5, 6]);
  const { factor, rank } = choleskyFactor(matrix, 3);
  assert.equal(rank, 3);
  assert.deepEqual(Array.from(factor), [2, 1, -1, 0, 3, 2, 0, 0, 1]);
});

Deno.test("Cholesky stops at the first column that repeats earlier ones", () => {
  // Columns of X = [a, b, a + b] give a singular X'X: the third pivot is 0.
  const a = [1, 2, 3, 5];
  const b = [2, -1, 0, 1];
  const columns = [a, b, a.map((value, index) => value + b[index])];
  const matrix = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      matrix[i * 3 + j] = columns[i].reduce((sum, value, k) => sum + value * columns[j][k], 0);
    }
  }
  assert.equal(choleskyFactor(matrix, 3).rank, 2);
  assert.throws(() => choleskyFactor(matrix, 2), /2 x 2 matrix/);
});
