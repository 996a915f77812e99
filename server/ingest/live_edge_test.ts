import assert from "node:assert/strict";
import { createLiveEdge } from "./live_edge.ts";
import { btcTrades } from "../testing/trade_batches.ts";
import type { Trade } from "../domain.ts";

const ids = (trades: Trade[]) => trades.map((trade) => trade.tradeId);

Deno.test("trades beyond the live edge are fresh; those at or behind it were published already", () => {
  const edge = createLiveEdge();
  assert.equal(edge.newestId("binance-futures", "BTCUSDT"), null);

  const first = edge.split(btcTrades(5, 1));
  assert.deepEqual(ids(first.fresh), [1, 2, 3, 4, 5]);
  assert.deepEqual(first.behind, []);
  assert.equal(edge.newestId("binance-futures", "BTCUSDT"), 5);

  // A feed restarted from the newest stored trade (3) while 4 and 5 were still queued.
  const replay = edge.split(btcTrades(5, 4));
  assert.deepEqual(ids(replay.fresh), [6, 7, 8]);
  assert.deepEqual(ids(replay.behind), [4, 5]);
  assert.equal(edge.newestId("binance-futures", "BTCUSDT"), 8);
});

Deno.test("each instrument has its own edge: the same id on another market or symbol is fresh", () => {
  const edge = createLiveEdge();
  edge.split(btcTrades(10, 1));
  const spot = btcTrades(3, 1).map((trade) => ({ ...trade, venue: "binance-spot" as const }));
  const eth = btcTrades(3, 1).map((trade) => ({ ...trade, symbol: "ETHUSDT" }));
  const split = edge.split([...spot, ...eth, ...btcTrades(2, 10)]);
  assert.deepEqual(ids(split.fresh), [1, 2, 3, 1, 2, 3, 11]);
  assert.deepEqual(ids(split.behind), [10]);
  assert.equal(edge.newestId("binance-spot", "BTCUSDT"), 3);
  assert.equal(edge.newestId("binance-futures", "ETHUSDT"), 3);
  assert.equal(edge.newestId("binance-futures", "BTCUSDT"), 11);
});

Deno.test("trades another replica published move the edge: a takeover's backfill of them is not fresh", () => {
  const edge = createLiveEdge();
  edge.saw(btcTrades(100, 1));
  // The previous owner published 1-100 and stored 1-60 before it died: the new owner backfills 61-100.
  const backfill = edge.split(btcTrades(45, 61));
  assert.deepEqual(ids(backfill.behind), Array.from({ length: 40 }, (_, i) => 61 + i));
  assert.deepEqual(ids(backfill.fresh), [101, 102, 103, 104, 105]);
  // What was seen never moves the edge back.
  edge.saw(btcTrades(3, 50));
  assert.equal(edge.newestId("binance-futures", "BTCUSDT"), 105);
});
