import assert from "node:assert/strict";
import { median, selectInPlace } from "./median.ts";

Deno.test("median matches numpy for odd and even counts", () => {
  // /usr/bin/python3 -c "import numpy as np; print(np.median([3, 1, 2]), np.median([4, 1, 3, 2]),
  //   np.median([0.1, 0.2]))"  ->  2.0 2.5 0.15000000000000002
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([0.1, 0.2]), 0.15000000000000002);
  assert.equal(median([7]), 7);
});

Deno.test("selection finds every rank of sorted, constant and random inputs", () => {
  let seed = 42;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const inputs = [
    Float64Array.from({ length: 101 }, (_, i) => i),
    Float64Array.from({ length: 100 }, () => 5),
    Float64Array.from({ length: 257 }, () => Math.floor(random() * 10)),
    Float64Array.from({ length: 500 }, random),
  ];
  for (const input of inputs) {
    const sorted = input.slice().sort();
    for (let k = 0; k < input.length; k++) {
      assert.equal(selectInPlace(input.slice(), k), sorted[k]);
    }
  }
});

Deno.test("median refuses an empty series and NaN with a message", () => {
  assert.throws(() => median([]), /empty series/);
  assert.throws(() => median([1, NaN, 2]), /value 1 is NaN/);
  assert.throws(() => selectInPlace(new Float64Array(3), 3), /element 3 of 3/);
});
