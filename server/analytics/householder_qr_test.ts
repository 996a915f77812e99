import assert from "node:assert/strict";
import { choleskyFactor } from "./cholesky.ts";
import { assertClose } from "./fixtures/assert_close.ts";
import { householderR } from "./householder_qr.ts";

Deno.test("QR's R of a 3 x 2 matrix, checked by hand", () => {
  // X = [[3, 1], [4, 2], [0, 5]]: |x_1| = 5, so R_11 = 5; R_12 = x_1 . x_2 / 5 = (3 + 8) / 5 = 2.2;
  // R_22 = sqrt(|x_2|^2 - 2.2^2) = sqrt(30 - 4.84) = sqrt(25.16).
  const { factor, rank } = householderR([
    Float64Array.from([3, 4, 0]),
    Float64Array.from([1, 2, 5]),
  ]);
  assert.equal(rank, 2);
  assertClose(factor[0], 5, 1e-15, "R11");
  assertClose(factor[1], 2.2, 1e-15, "R12");
  assert.equal(factor[2], 0);
  assertClose(factor[3], Math.sqrt(25.16), 1e-15, "R22");
});

Deno.test("QR's R equals the Cholesky factor of X'X on a well-conditioned matrix", () => {
  const columns = [0, 1, 2, 3].map((j) =>
    Float64Array.from({ length: 50 }, (_, i) => Math.sin(i * (j + 1) * 0.7) + (i % (j + 2)))
  );
  const gram = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      gram[i * 4 + j] = columns[i].reduce((sum, value, k) => sum + value * columns[j][k], 0);
    }
  }
  const cholesky = choleskyFactor(gram, 4).factor;
  const qr = householderR(columns).factor;
  qr.forEach((value, index) => assertClose(value, cholesky[index], 1e-10, `R[${index}]`, 1));
});

Deno.test("QR reports the rank where a column repeats the ones before it", () => {
  const a = Float64Array.from([1, 2, 3, 4, 5]);
  const b = Float64Array.from([2, 0, 1, 0, 2]);
  assert.equal(householderR([a, b, a.map((value, k) => 2 * value - b[k])]).rank, 2);
  assert.throws(() => householderR([a.subarray(0, 1), b.subarray(0, 1)]), /at least as many rows/);
});
