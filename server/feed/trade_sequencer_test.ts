import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import { createTradeSequencer, type SequencedItem } from "./trade_sequencer.ts";

function item(tradeId: number, fromRest = false): SequencedItem {
  const trade: Trade = {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId,
    price: "100",
    qty: "1",
    timeUs: tradeId * 1000,
    receivedAtUs: tradeId * 1000,
    buyerMaker: null,
  };
  return { kind: "trade", trade, fromRest };
}

function ids(items: SequencedItem[]): number[] {
  return items.map((entry) => entry.kind === "trade" ? entry.trade.tradeId : entry.tradeId);
}

Deno.test("trades arriving in order are released one by one", () => {
  const sequencer = createTradeSequencer({ lastId: 10 });
  sequencer.offer(11, item(11));
  assert.deepEqual(ids(sequencer.takeReady()), [11]);
  sequencer.offer(12, item(12));
  assert.deepEqual(ids(sequencer.takeReady()), [12]);
  assert.equal(sequencer.lastId, 12);
  assert.equal(sequencer.lastTimeUs, 12_000);
});

Deno.test("ids already delivered or already waiting are duplicates", () => {
  const sequencer = createTradeSequencer({ lastId: 10 });
  assert.equal(sequencer.offer(10, item(10)), "duplicate");
  assert.equal(sequencer.offer(13, item(13)), "held");
  assert.equal(sequencer.offer(13, item(13)), "duplicate");
});

Deno.test("a later id waits until the missing ones arrive, then all are released in order", () => {
  const sequencer = createTradeSequencer({ lastId: 10 });
  sequencer.offer(13, item(13));
  sequencer.offer(12, item(12));
  assert.deepEqual(sequencer.takeReady(), []);
  assert.equal(sequencer.firstHeldId(), 12);
  assert.deepEqual(sequencer.missingRange(), { fromId: 11, toId: 11 });
  assert.equal(sequencer.heldTimeUs(13), 13_000);
  sequencer.offer(11, item(11, true));
  assert.equal(sequencer.missingRange(), null, "held but contiguous is no gap");
  assert.deepEqual(ids(sequencer.takeReady()), [11, 12, 13]);
  assert.equal(sequencer.firstHeldId(), null);
});

Deno.test("without history the sequence starts at the lowest id seen before it begins", () => {
  const sequencer = createTradeSequencer();
  assert.equal(sequencer.lastId, null);
  sequencer.offer(501, item(501));
  sequencer.offer(500, item(500));
  assert.deepEqual(ids(sequencer.takeReady()), [], "nothing is released before begin()");
  sequencer.begin();
  assert.deepEqual(ids(sequencer.takeReady()), [500, 501]);
  assert.equal(sequencer.offer(499, item(499)), "duplicate");
});

Deno.test("skipping past a gap releases what waits after it and nothing before", () => {
  const sequencer = createTradeSequencer({ lastId: 10 });
  sequencer.offer(20, item(20));
  sequencer.offer(21, item(21));
  sequencer.skipTo(19);
  assert.deepEqual(ids(sequencer.takeReady()), [20, 21]);
  sequencer.skipTo(5);
  assert.equal(sequencer.lastId, 21, "skipping backwards changes nothing");
});

Deno.test("rejected ids fill their slot without being trades", () => {
  const sequencer = createTradeSequencer({ lastId: 1 });
  sequencer.offer(3, item(3));
  sequencer.offer(2, { kind: "rejected", tradeId: 2, reason: "X NA", fromRest: false });
  const ready = sequencer.takeReady();
  assert.deepEqual(ready.map((entry) => entry.kind), ["rejected", "trade"]);
});

Deno.test("beyond the holding limit later ids are refused so memory stays bounded", () => {
  const sequencer = createTradeSequencer({ lastId: 0, maxHeld: 2 });
  assert.equal(sequencer.offer(5, item(5)), "held");
  assert.equal(sequencer.offer(6, item(6)), "held");
  assert.equal(sequencer.offer(7, item(7)), "overflow");
  assert.equal(sequencer.heldCount, 2);
});
