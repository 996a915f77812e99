import assert from "node:assert/strict";
import { createCompensatedSum } from "./sums.ts";

Deno.test("a compensated sum keeps the 1 that naive addition loses next to 1e16", () => {
  const sum = createCompensatedSum();
  for (const term of [1e16, 1, -1e16]) sum.add(term);
  assert.equal(1e16 + 1 - 1e16, 0);
  assert.equal(sum.value(), 1);
});

Deno.test("adding and removing BTC-level prices leaves the exact sum of what remains", () => {
  // Prices in cents as integers give the exact answer to compare with.
  const cents: number[] = [];
  let price = 6_000_000;
  for (let i = 0; i < 100_000; i++) {
    price += ((i * 7919) % 13) - 6;
    cents.push(price);
  }
  const sum = createCompensatedSum();
  for (const c of cents) sum.add(c / 100);
  for (const c of cents.slice(0, 99_900)) sum.add(-c / 100);
  const exactCents = cents.slice(99_900).reduce((total, c) => total + c, 0);
  assert.equal(sum.value(), exactCents / 100);
});

Deno.test("reset starts the sum again from zero", () => {
  const sum = createCompensatedSum();
  sum.add(0.1);
  sum.reset();
  sum.add(0.2);
  assert.equal(sum.value(), 0.2);
});
