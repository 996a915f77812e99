import assert from "node:assert/strict";
import { keepNewest, mergeAllByTime, mergeByTime } from "./time_series.ts";

const item = (time: number, value: number) => ({ time, value });

Deno.test("an update of the newest time replaces it and a newer time is appended", () => {
  let items = [item(0, 10), item(1000, 11)];
  items = mergeByTime(items, item(1000, 12), 10);
  assert.deepEqual(items, [item(0, 10), item(1000, 12)]);
  items = mergeByTime(items, item(2000, 13), 10);
  assert.deepEqual(items.map((i) => i.time), [0, 1000, 2000]);
});

Deno.test("a late correction of an older time replaces it in place", () => {
  const items = mergeByTime([item(0, 10), item(1000, 11), item(2000, 12)], item(1000, 99), 10);
  assert.deepEqual(items.map((i) => i.value), [10, 99, 12]);
});

Deno.test("a correction of a time no longer held is dropped", () => {
  const items = [item(1000, 11), item(2000, 12)];
  assert.equal(mergeByTime(items, item(0, 99), 10), items);
});

Deno.test("the number of items held never exceeds the cap: the oldest go first", () => {
  let items: { time: number; value: number }[] = [];
  for (let i = 0; i < 25; i++) items = mergeByTime(items, item(i * 1000, i), 10);
  assert.equal(items.length, 10);
  assert.equal(items[0].time, 15_000);
  assert.deepEqual(keepNewest([1, 2, 3], 2), [2, 3]);
});

Deno.test("live updates that arrived while history loaded are folded into it", () => {
  const merged = mergeAllByTime([item(0, 10), item(1000, 11)], [item(1000, 12), item(2000, 13)], 2);
  assert.deepEqual(merged, [item(1000, 12), item(2000, 13)]);
});
