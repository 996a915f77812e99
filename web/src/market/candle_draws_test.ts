import assert from "node:assert/strict";
import { createCandleDrawLog } from "./candle_draws.ts";

Deno.test("the draw log keeps every draw, oldest first, until it is full", () => {
  const log = createCandleDrawLog({ capacity: 3 });
  log.record({ time: 0, high: 101.5, close: 100.5 }, 1);
  log.record({ time: 0, high: 101.5, close: 101 }, 2);
  assert.deepEqual(log.draws(), [
    { time: 0, high: 101.5, close: 100.5, atMs: 1 },
    { time: 0, high: 101.5, close: 101, atMs: 2 },
  ]);
});

Deno.test("a full draw log forgets its oldest draws and keeps its size", () => {
  const log = createCandleDrawLog({ capacity: 3 });
  for (let i = 1; i <= 7; i++) log.record({ time: 0, high: 110, close: 100 + i }, i);
  assert.deepEqual(log.draws().map((draw) => draw.atMs), [5, 6, 7]);
});
