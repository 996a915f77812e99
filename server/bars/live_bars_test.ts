import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import { type BarUpdate, createLiveBars } from "./live_bars.ts";

const SECOND_US = 1_000_000;
/** 2026-11-22 12:00:00 UTC, the start of an S1, M1 and M5 bucket. */
const T0 = Date.UTC(2026, 10, 22, 12) * 1000;

function trade(id: number, offsetUs: number, price: string, qty: string): Trade {
  return {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId: id,
    price,
    qty,
    timeUs: T0 + offsetUs,
    receivedAtUs: T0 + offsetUs,
    buyerMaker: false,
  };
}

Deno.test("live bars carry the exact volume of their trades in every update, the close and current()", () => {
  const updates: BarUpdate[] = [];
  const bars = createLiveBars({ onBar: (update) => updates.push(update), now: () => T0 / 1000 });
  // In binary floating point 0.1 + 0.2 is 0.30000000000000004; the database's numeric sum is 0.3.
  bars.add([trade(1, 0, "100", "0.1"), trade(2, 100, "101", "0.2")]);
  const s1 = updates.filter((u) => u.timeframe === "1s");
  assert.deepEqual(s1.map((u) => [u.bar.volume, u.bar.trades, u.closed]), [[0.3, 2, false]]);
  assert.equal(bars.current("binance-futures", "BTCUSDT", "1m")?.volume, 0.3);

  bars.add([trade(3, 200, "99", "0.0000001")]);
  assert.equal(bars.current("binance-futures", "BTCUSDT", "1s")?.volume, 0.3000001);

  // A trade of the next second closes the first S1 bar with its volume, and opens the next.
  updates.length = 0;
  bars.add([trade(4, SECOND_US, "102", "1.5")]);
  const s1Now = updates.filter((u) => u.timeframe === "1s");
  assert.deepEqual(s1Now.map((u) => [u.bar.timeUs, u.bar.volume, u.bar.trades, u.closed]), [
    [T0, 0.3000001, 3, true],
    [T0 + SECOND_US, 1.5, 1, false],
  ]);
  const m1 = updates.find((u) => u.timeframe === "1m")!;
  assert.deepEqual([m1.bar.volume, m1.bar.trades, m1.bar.close], [1.8000001, 4, 102]);
});
