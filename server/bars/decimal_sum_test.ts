import assert from "node:assert/strict";
import { createDecimalSum } from "./decimal_sum.ts";

Deno.test("summing quantities is exact where floating point is not", () => {
  const sum = createDecimalSum();
  for (const qty of ["0.1", "0.2", "0.3"]) sum.add(qty);
  assert.equal(0.1 + 0.2 + 0.3, 0.6000000000000001);
  assert.equal(sum.value(), 0.6);
});

Deno.test("mixed scales and a starting value add up", () => {
  const sum = createDecimalSum("1.5");
  sum.add("2");
  sum.add("0.001");
  sum.add("10.25");
  assert.equal(sum.value(), 13.751);
});

Deno.test("a start value printed with an exponent is read correctly", () => {
  const sum = createDecimalSum(String(1e-7));
  sum.add("0.0000002");
  assert.equal(sum.value(), 3e-7);
});
