/**
 * Live events through a real Redis: what one replica publishes reaches the subscribers of another,
 * once and in order, with every payload shape intact; a Redis outage loses only the live fan-out
 * meanwhile, crashes nothing, and heals by itself.
 */
import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import type { BarUpdate } from "../bars/live_bars.ts";
import type { AlertEvent } from "../store/alert_store.ts";
import { ALL_INSTRUMENTS, createLivePubSub } from "../api/pubsub.ts";
import { startTcpProxy } from "../testing/tcp_proxy.ts";
import { TEST_REDIS_URL, uniqueRedisPrefix } from "../testing/redis.ts";
import { createRedisEvents } from "./redis_events.ts";

const skipped = TEST_REDIS_URL ? "" : " [skipped: no Redis at TEST_REDIS_URL or 127.0.0.1:6379]";

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function trade(tradeId: number): Trade {
  return {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId,
    price: "91234.50000000",
    qty: "0.00100000",
    timeUs: 1_763_800_000_123_456 + tradeId,
    receivedAtUs: 1_763_800_000_223_456 + tradeId,
    buyerMaker: tradeId % 2 === 0,
  };
}

/** Collects what a subscription yields until told to stop. */
function collect<T>(iterator: AsyncIterable<T>) {
  const seen: T[] = [];
  const done = (async () => {
    for await (const value of iterator) seen.push(value);
  })();
  return { seen, done };
}

Deno.test({
  name: "Redis fan-out: events of one replica reach another once, in order, shapes intact" +
    skipped,
  ignore: !TEST_REDIS_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const prefix = uniqueRedisPrefix();
    const a = createRedisEvents(TEST_REDIS_URL!, { prefix, log: () => {} });
    const b = createRedisEvents(TEST_REDIS_URL!, { prefix, log: () => {} });
    await Promise.all([a.ready(), b.ready()]);
    const pubsubA = createLivePubSub({ eventTarget: a.eventTarget });
    const pubsubB = createLivePubSub({ eventTarget: b.eventTarget });
    const tradesOnB = pubsubB.subscribe("trades", ALL_INSTRUMENTS);
    const barsOnB = pubsubB.subscribe("bars", "binance-futures:BTCUSDT:1m");
    const alertsOnA = pubsubA.subscribe("alerts");
    const alertsOnB = pubsubB.subscribe("alerts");
    const trades = collect(tradesOnB);
    const bars = collect(barsOnB);
    const alertsA = collect(alertsOnA);
    const alertsB = collect(alertsOnB);
    try {
      // Redis acknowledges subscriptions asynchronously: wait until a probe goes through.
      await waitFor(() => {
        pubsubA.publish("trades", ALL_INSTRUMENTS, []);
        return trades.seen.length > 0;
      }, "the subscription to be live");

      const sent = Array.from({ length: 500 }, (_, i) => [trade(2 * i + 1), trade(2 * i + 2)]);
      for (const batch of sent) pubsubA.publish("trades", ALL_INSTRUMENTS, batch);
      const update: BarUpdate = {
        bar: {
          venue: "binance-futures",
          symbol: "BTCUSDT",
          timeUs: 1_763_800_020_000_000,
          open: 91_234.5,
          high: 91_300,
          low: 91_200.25,
          close: 91_250,
          volume: 1.234,
          trades: 17,
        },
        timeframe: "1m",
        closed: true,
      };
      pubsubA.publish("bars", "binance-futures:BTCUSDT:1m", update);
      const alert: AlertEvent = {
        id: "12",
        ruleId: "3",
        ruleName: "BTC above 91k",
        kind: "PRICE",
        condition: "ABOVE",
        level: 91_000,
        timeUs: 1_763_800_000_123_457,
        value: 91_234.5,
        message: "binance-futures:BTCUSDT price 91234.5 is above 91000",
      };
      pubsubB.publish("alerts", alert);

      const batches = () => trades.seen.filter((batch) => batch.length > 0);
      await waitFor(() => batches().length === sent.length, "500 batches on B", 30_000);
      await waitFor(() => bars.seen.length === 1, "the bar on B");
      await waitFor(() => alertsA.seen.length === 1 && alertsB.seen.length === 1, "the alert");
      assert.deepEqual(batches(), sent, "every batch once, in order, equal after JSON");
      assert.deepEqual(bars.seen, [update]);
      assert.deepEqual(alertsA.seen, [alert], "a replica receives its own events through Redis");
      assert.deepEqual(alertsB.seen, [alert]);
      assert.equal(a.health().ok, true);
    } finally {
      await tradesOnB.return?.();
      await barsOnB.return?.();
      await alertsOnA.return?.();
      await alertsOnB.return?.();
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "a Redis outage: publishing never throws, health says so, the fan-out resumes" + skipped,
  ignore: !TEST_REDIS_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const target = new URL(TEST_REDIS_URL!);
    const proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) });
    const viaProxy = `redis://127.0.0.1:${proxy.port}`;
    const prefix = uniqueRedisPrefix();
    const logged: string[] = [];
    const a = createRedisEvents(viaProxy, { prefix, log: (message) => logged.push(message) });
    const b = createRedisEvents(TEST_REDIS_URL!, { prefix, log: () => {} });
    await Promise.all([a.ready(), b.ready()]);
    const pubsubA = createLivePubSub({ eventTarget: a.eventTarget });
    const pubsubB = createLivePubSub({ eventTarget: b.eventTarget });
    const onB = pubsubB.subscribe("trades", ALL_INSTRUMENTS);
    const received = collect(onB);
    try {
      await waitFor(() => {
        pubsubA.publish("trades", ALL_INSTRUMENTS, [trade(0)]);
        return received.seen.length > 0;
      }, "the subscription to be live");

      proxy.cut();
      await waitFor(() => !a.health().ok, "health to report Redis down");
      for (let id = 1; id <= 50; id++) pubsubA.publish("trades", ALL_INSTRUMENTS, [trade(id)]);
      await waitFor(() => a.health().undelivered >= 50, "the undelivered events to be counted");
      assert.ok(logged.some((line) => line.includes("live events reach no other replica")));

      proxy.restore();
      await waitFor(() => a.health().ok, "the publisher to reconnect", 30_000);
      const before = received.seen.length;
      await waitFor(() => {
        pubsubA.publish("trades", ALL_INSTRUMENTS, [trade(1_000)]);
        return received.seen.length > before;
      }, "events to fan out again");
      assert.ok(a.health().disconnects >= 1);
    } finally {
      await onB.return?.();
      await a.close();
      await b.close();
      await proxy.close();
    }
  },
});
