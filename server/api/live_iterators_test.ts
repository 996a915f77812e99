import assert from "node:assert/strict";
import { flattenBatches, PUSH, withSnapshot } from "./live_iterators.ts";
import { createLivePubSub } from "./pubsub.ts";
import type { Trade } from "../domain.ts";

function trade(symbol: string, tradeId: number): Trade {
  return {
    venue: "binance-futures",
    symbol,
    tradeId,
    price: "100.5",
    qty: "0.1",
    timeUs: 1_700_000_000_000_000 + tradeId,
    receivedAtUs: 1_700_000_000_000_000 + tradeId,
    buyerMaker: null,
  };
}

Deno.test("a flattened stream gives the kept trades of each batch in order", async () => {
  const pubsub = createLivePubSub();
  const stream = flattenBatches(pubsub.subscribe("trades", "*"), (t) => t.symbol === "BTCUSDT");
  pubsub.publish("trades", "*", [trade("BTCUSDT", 1), trade("ETHUSDT", 1), trade("BTCUSDT", 2)]);
  pubsub.publish("trades", "*", [trade("BTCUSDT", 3)]);
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(((await stream.next()).value as Trade).tradeId);
  assert.deepEqual(ids, [1, 2, 3]);
});

Deno.test("ending a stream that waits for a quiet instrument ends it at once, with its pubsub queue", async () => {
  const pubsub = createLivePubSub();
  const source = pubsub.subscribe("trades", "binance-futures:DOGEUSDT");
  let sourceEnded = false;
  const watched: AsyncIterator<Trade[]> = {
    next: () => source.next(),
    return: async () => {
      sourceEnded = true;
      return await source.return!();
    },
  };
  const stream = flattenBatches(watched, () => true);
  const waiting = stream.next();
  const ended = await Promise.race([
    stream.return!().then(() => "ended"),
    new Promise((resolve) => setTimeout(() => resolve("still waiting"), 500)),
  ]);
  assert.equal(ended, "ended");
  assert.ok(sourceEnded, "the pubsub queue was ended");
  assert.deepEqual(await waiting, { done: true, value: undefined });
});

Deno.test("a snapshot comes first, then the updates; ending it while waiting ends the updates", async () => {
  const pubsub = createLivePubSub();
  const stream = withSnapshot({ replicaId: "snapshot" }, pubsub.subscribe("alertRules"));
  assert.deepEqual(await stream.next(), { done: false, value: { replicaId: "snapshot" } });
  const waiting = stream.next();
  pubsub.publish("alertRules", { replicaId: "a" });
  assert.deepEqual(await waiting, { done: false, value: { replicaId: "a" } });
  const quiet = stream.next();
  await stream.return!();
  assert.deepEqual(await quiet, { done: true, value: undefined });
});

Deno.test("a pushed stream hands over what was waiting, then each item as it is published, until ended", async () => {
  const pubsub = createLivePubSub({ maxPendingEvents: 2 });
  const stream = flattenBatches(pubsub.subscribe("trades", "*"), (t) => t.symbol === "BTCUSDT");
  pubsub.publish("trades", "*", [trade("BTCUSDT", 1), trade("ETHUSDT", 1)]);
  const pushed: number[] = [];
  stream[PUSH]!((t) => pushed.push(t.tradeId), (error) => assert.fail(String(error)));
  assert.deepEqual(pushed, [1], "the waiting batch, filtered");
  // Nothing waits inside a pushed stream, so the pending-events bound does not apply.
  pubsub.publish("trades", "*", [2, 3, 4, 5].map((id) => trade("BTCUSDT", id)));
  assert.deepEqual(pushed, [1, 2, 3, 4, 5]);
  await stream.return!();
  pubsub.publish("trades", "*", [trade("BTCUSDT", 6)]);
  assert.deepEqual(pushed, [1, 2, 3, 4, 5]);
});

Deno.test("a pushed stream with a snapshot hands the snapshot first", () => {
  const pubsub = createLivePubSub();
  const stream = withSnapshot({ replicaId: "snapshot" }, pubsub.subscribe("alertRules"));
  const pushed: string[] = [];
  stream[PUSH]!((rules) => pushed.push(rules.replicaId), (error) => assert.fail(String(error)));
  pubsub.publish("alertRules", { replicaId: "a" });
  assert.deepEqual(pushed, ["snapshot", "a"]);
});

Deno.test("a stream over a source that cannot be pushed cannot be pushed either", () => {
  async function* batches(): AsyncGenerator<Trade[]> {}
  assert.equal(PUSH in flattenBatches(batches(), () => true), false);
});
