import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import { createEventQueue, createLivePubSub, SubscriberTooSlowError } from "./pubsub.ts";
import { PUSH } from "./live_iterators.ts";
import { btcTrades } from "../testing/trade_batches.ts";

Deno.test("a subscriber receives the events of its topic and key, in order", async () => {
  const pubsub = createLivePubSub();
  const live = pubsub.subscribe("trades", "binance-futures:BTCUSDT");
  pubsub.publish("trades", "binance-futures:ETHUSDT", btcTrades(1, 900));
  pubsub.publish("trades", "binance-futures:BTCUSDT", btcTrades(2, 1));
  pubsub.publish("trades", "binance-futures:BTCUSDT", btcTrades(1, 3));
  const first = await live.next();
  const second = await live.next();
  assert.deepEqual(first.value?.map((t: Trade) => t.tradeId), [1, 2]);
  assert.deepEqual(second.value?.map((t: Trade) => t.tradeId), [3]);
  await live.return?.();
});

Deno.test("a subscriber waiting for an event gets it as soon as it is published", async () => {
  const pubsub = createLivePubSub();
  const live = pubsub.subscribe("alertRules");
  const next = live.next();
  pubsub.publish("alertRules", { replicaId: "a" });
  assert.deepEqual(await next, { value: { replicaId: "a" }, done: false });
  await live.return?.();
});

Deno.test("a subscriber that falls behind past its limit is ended with SubscriberTooSlowError", async () => {
  const pubsub = createLivePubSub({ maxPendingEvents: 5 });
  const slow = pubsub.subscribe("trades", "k");
  const keepingUp = pubsub.subscribe("trades", "k");
  const received: number[] = [];
  const reading = (async () => {
    for await (const batch of keepingUp) {
      received.push(...batch.map((t: Trade) => t.tradeId));
      if (received.length === 8) return;
    }
  })();
  // Each batch counts its trades: 2 + 2 fit, the third pair would make 6 waiting.
  for (let i = 0; i < 4; i++) {
    pubsub.publish("trades", "k", btcTrades(2, i * 2));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await reading;
  assert.deepEqual(received, [0, 1, 2, 3, 4, 5, 6, 7], "a reader that keeps up loses nothing");
  await assert.rejects(slow.next(), SubscriberTooSlowError);
  // Its queue is gone and it no longer listens: the next read says it is over.
  assert.deepEqual(await slow.next(), { value: undefined, done: true });
});

Deno.test("return() ends a subscription, also one waiting for an event", async () => {
  const pubsub = createLivePubSub();
  const live = pubsub.subscribe("bars", "binance-futures:BTCUSDT:S1");
  const waiting = live.next();
  await live.return?.();
  assert.deepEqual(await waiting, { value: undefined, done: true });
  pubsub.publish("bars", "binance-futures:BTCUSDT:S1", {
    bar: {
      venue: "binance-futures",
      symbol: "BTCUSDT",
      timeUs: 0,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1,
      trades: 1,
    },
    timeframe: "1s",
    closed: false,
  });
  assert.deepEqual(await live.next(), { value: undefined, done: true });
});

Deno.test("an event queue that fails is read to its end, then fails; pushed, it tells its failure once", async () => {
  const pulled = createEventQueue<number>(10, () => 1, () => {});
  pulled.offer(1);
  pulled.fail(new Error("could not start"));
  pulled.offer(2);
  assert.deepEqual(await pulled.next(), { value: 1, done: false });
  await assert.rejects(pulled.next(), /could not start/);
  assert.equal(pulled.ended(), true);

  let ended = 0;
  const pushed = createEventQueue<number>(10, () => 1, () => ended++);
  pushed.offer(1);
  const sent: number[] = [];
  const failures: unknown[] = [];
  pushed[PUSH]((n) => sent.push(n), (error) => failures.push(error));
  pushed.offer(2);
  pushed.fail(new Error("lost"));
  pushed.fail(new Error("again"));
  pushed.offer(3);
  assert.deepEqual(sent, [1, 2], "what waited, then what came; nothing after the failure");
  assert.deepEqual(failures.map(String), ["Error: lost"]);
  assert.equal(ended, 1);

  // Failed before it was pushed: pushing it throws the failure.
  const early = createEventQueue<number>(10, () => 1, () => {});
  early.fail(new Error("refused"));
  assert.throws(() => early[PUSH](() => {}, () => {}), /refused/);
});

Deno.test("listen() runs the handler for each event as it is published, however many", () => {
  const pubsub = createLivePubSub({ maxPendingEvents: 100 });
  const seen: number[] = [];
  const stop = pubsub.listen("trades", "k", (batch) => seen.push(batch[0].tradeId));
  for (let i = 0; i < 5_000; i++) pubsub.publish("trades", "k", btcTrades(1, i));
  stop();
  pubsub.publish("trades", "k", btcTrades(1, 99_999));
  assert.equal(seen.length, 5_000);
  assert.equal(seen[4_999], 4_999);
});

Deno.test("an error in a listen() handler is reported, and publishing goes on", () => {
  const errors: unknown[] = [];
  const pubsub = createLivePubSub({ onHandlerError: (error) => errors.push(error) });
  let calls = 0;
  pubsub.listen("alertRules", null, () => {
    calls++;
    throw new Error("handler failed");
  });
  pubsub.publish("alertRules", { replicaId: "a" });
  pubsub.publish("alertRules", { replicaId: "b" });
  assert.equal(calls, 2);
  assert.equal(errors.length, 2);
});

for (const via of ["this process", "an EventTarget (as Redis carries them)"]) {
  Deno.test(`followers of events through ${via}: one added or removed during a publishing, one that throws`, () => {
    const errors: unknown[] = [];
    const pubsub = createLivePubSub({
      eventTarget: via === "this process" ? undefined : new EventTarget(),
      onHandlerError: (error) => errors.push(error),
    });
    const seen: string[] = [];
    let stopSecond = () => {};
    pubsub.listen("alertRules", null, ({ replicaId }) => {
      seen.push(`first ${replicaId}`);
      stopSecond();
      pubsub.listen("alertRules", null, ({ replicaId }) => seen.push(`added ${replicaId}`));
      throw new Error("a follower failed");
    });
    stopSecond = pubsub.listen("alertRules", null, ({ replicaId }) => {
      seen.push(`second ${replicaId}`);
    });
    const stopLast = pubsub.listen("alertRules", null, ({ replicaId }) => {
      seen.push(`last ${replicaId}`);
    });
    pubsub.publish("alertRules", { replicaId: "a" });
    stopLast();
    pubsub.publish("alertRules", { replicaId: "b" });
    // "second" was removed before its turn; "added" joined during "a" and first hears "b".
    assert.deepEqual(seen, ["first a", "last a", "first b", "added b"]);
    assert.equal(errors.length, 2);
  });
}
