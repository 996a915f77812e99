import assert from "node:assert/strict";
import { pnlColour, sweepGrid } from "./sweep_grid.ts";
import type { BacktestSweepCell } from "./backtest_result.ts";

const cell = (entry: number, exit: number, netPnl: number) =>
  ({ entry, exit, netPnl, zWindow: 30 }) as BacktestSweepCell;

Deno.test("a sweep lays out entries as rows and exits as columns, gaps where exit >= entry", () => {
  const grid = sweepGrid([cell(1, 0, 5), cell(2, 1, -20), cell(1, 0.5, 1), cell(2, 0, 3)]);
  assert.deepEqual(grid.entries, [1, 2]);
  assert.deepEqual(grid.exits, [0, 0.5, 1]);
  assert.deepEqual(grid.cells.map((row) => row.map((c) => c?.netPnl ?? null)), [
    [5, 1, null],
    [3, null, -20],
  ]);
  assert.equal(grid.maxAbsPnl, 20);
});

Deno.test("profits are green, losses red, the largest the most opaque", () => {
  assert.equal(pnlColour(20, 20), "rgba(22, 163, 74, 0.85)");
  assert.equal(pnlColour(-20, 20), "rgba(220, 38, 38, 0.85)");
  assert.equal(pnlColour(0, 0), "rgba(22, 163, 74, 0.12)");
});
