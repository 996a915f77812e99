import assert from "node:assert/strict";
import { type ChartBar, rangeStats } from "./bar_series.ts";

function bar(time: number, close: number, extra: Partial<ChartBar> = {}): ChartBar {
  return { time, open: close, high: close, low: close, close, volume: 1, trades: 1, ...extra };
}

Deno.test("range stats give high, low, change and volume of the bars held", () => {
  const stats = rangeStats([
    bar(0, 100, { open: 100, high: 105, low: 99, volume: 2, trades: 3 }),
    bar(1000, 102, { open: 101, high: 103, low: 95, volume: 0.5, trades: 1 }),
  ]);
  assert.deepEqual(stats, {
    high: 105,
    low: 95,
    open: 100,
    close: 102,
    change: 2,
    changeFraction: 0.02,
    volume: 2.5,
    trades: 4,
  });
});

Deno.test("an empty range has no stats rather than zeros", () => {
  assert.equal(rangeStats([]), null);
});
