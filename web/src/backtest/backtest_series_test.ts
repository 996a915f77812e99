import assert from "node:assert/strict";
import { equityAndDrawdown, tradeMarkers } from "./backtest_series.ts";
import type { BacktestTradeResult } from "./backtest_result.ts";

Deno.test("drawdown is the fall from the running peak as a fraction of it, zero at new highs", () => {
  const { equity, drawdown } = equityAndDrawdown([
    { time: "2018-06-18T05:00:00Z", equity: 10_000 },
    { time: "2018-06-18T05:01:00Z", equity: 10_200 },
    { time: "2018-06-18T05:02:00Z", equity: 9_690 },
    { time: "2018-06-18T05:03:00Z", equity: 10_300 },
  ]);
  assert.deepEqual(equity.map(([, value]) => value), [10_000, 10_200, 9_690, 10_300]);
  assert.equal(drawdown[0][1], -0);
  assert.equal(drawdown[1][1], -0);
  assert.ok(Math.abs(drawdown[2][1]! - -0.05) < 1e-12);
  assert.equal(drawdown[3][1], -0);
  assert.equal(drawdown[2][0], Date.parse("2018-06-18T05:02:00Z"));
});

Deno.test("each trade gives an entry and an exit marker on the charted value of its bars", () => {
  const trade = {
    side: "SHORT",
    entryTime: "2018-06-18T05:01:00Z",
    exitTime: "2018-06-18T05:09:00Z",
    reason: "STOP",
  } as BacktestTradeResult;
  const entry = Date.parse(trade.entryTime);
  const markers = tradeMarkers([trade], new Map([[entry, 2.3]]));
  assert.deepEqual(markers, [
    { time: entry, value: 2.3, kind: "entry", side: "SHORT", reason: null },
    { time: Date.parse(trade.exitTime), value: null, kind: "exit", side: "SHORT", reason: "STOP" },
  ]);
});
