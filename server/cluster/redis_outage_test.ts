/**
 * A server with `REDIS_URL` while Redis goes away: trades keep being stored, nothing crashes
 * (an unhandled rejection would fail this test), `/healthz` says Redis is down and how many live
 * events were not delivered, and once Redis is back a subscriber receives live trades again. A
 * server whose Redis does not answer at all still starts.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { ALL_INSTRUMENTS } from "../api/pubsub.ts";
import type { Trade } from "../domain.ts";
import { createBinanceFeed } from "../feed/binance.ts";
import { aggTradeEvent, startBinanceStandin } from "../testing/binance_standin.ts";
import { TEST_REDIS_URL, uniqueRedisPrefix } from "../testing/redis.ts";
import { startTcpProxy } from "../testing/tcp_proxy.ts";

const skipped = TEST_REDIS_URL ? "" : " [skipped: no Redis at TEST_REDIS_URL or 127.0.0.1:6379]";

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function messages(fromId: number, toId: number): string[] {
  const out: string[] = [];
  for (let id = fromId; id <= toId; id++) {
    out.push(JSON.stringify({
      stream: "btcusdt@aggTrade",
      data: aggTradeEvent("BTCUSDT", id, { price: `${90_000 + id}.5`, qty: "0.01" }),
    }));
  }
  return out;
}

interface RedisHealth {
  ok: boolean;
  undelivered: number;
}

Deno.test({
  name: "Redis down: ingest goes on, health says so, live trades fan out again when it returns" +
    skipped,
  ignore: !TEST_REDIS_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const target = new URL(TEST_REDIS_URL!);
    const proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) });
    const standin = startBinanceStandin({ market: "futures" });
    const logged: string[] = [];
    const app = await createApp({
      databaseUrl: "memory://",
      defaultVenue: "binance-futures",
      redis: { url: `redis://127.0.0.1:${proxy.port}`, prefix: uniqueRedisPrefix() },
      log: (message) => logged.push(message),
      createFeed: (sink, lastStoredTrade) =>
        createBinanceFeed("futures", {
          symbols: ["BTCUSDT"],
          sink,
          lastStoredTrade,
          wsBaseUrl: standin.wsBaseUrl,
          restBaseUrl: standin.restBaseUrl,
          backoff: { initialMs: 20, maxMs: 200 },
          log: () => {},
        }),
    });
    const live = app.pubsub.subscribe("trades", ALL_INSTRUMENTS);
    const received: Trade[] = [];
    const following = (async () => {
      for await (const batch of live) received.push(...batch);
    })();
    const stored = async () => {
      const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from trades`;
      return n;
    };
    const redisHealth = async () => (await app.health()).redis as RedisHealth;
    try {
      await waitFor(() => app.feed!.health().connected, "the feed to connect");
      // Live through Redis: stream one trade at a time until the subscriber sees one.
      let nextId = 1;
      await waitFor(async () => {
        await standin.replay(messages(nextId, nextId));
        nextId++;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return received.length > 0;
      }, "live trades through Redis");

      proxy.cut();
      await waitFor(async () => !(await redisHealth()).ok, "health to report Redis down");
      const before = await stored();
      await standin.replay(messages(nextId, nextId + 499), { messagesPerSecond: 2_000 });
      nextId += 500;
      await waitFor(async () => (await stored()) === before + 500, "trades stored meanwhile");
      const down = await app.health();
      assert.equal(down.ok, true, "the database decides /healthz: still 200");
      assert.ok((down.redis as RedisHealth).undelivered > 0, "undelivered events counted");
      assert.ok(logged.some((line) => /Redis .* connection lost/.test(line)), logged.join("\n"));

      proxy.restore();
      await waitFor(async () => (await redisHealth()).ok, "Redis to be back");
      const seen = received.length;
      await waitFor(async () => {
        await standin.replay(messages(nextId, nextId));
        nextId++;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return received.length > seen;
      }, "live trades through Redis again");
      assert.equal(await stored(), nextId - 1, "every trade stored once");
    } finally {
      await live.return?.();
      await following;
      await app.close();
      await standin.close();
      await proxy.close();
    }
  },
});

Deno.test({
  name: "a server whose Redis does not answer still starts, and says so" + skipped,
  ignore: !TEST_REDIS_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // A port with nothing behind it.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const logged: string[] = [];
    const app = await createApp({
      databaseUrl: "memory://",
      defaultVenue: "binance-futures",
      redis: { url: `redis://127.0.0.1:${port}`, prefix: uniqueRedisPrefix() },
      log: (message) => logged.push(message),
    });
    try {
      const health = await app.health();
      assert.equal(health.ok, true);
      assert.equal((health.redis as RedisHealth).ok, false);
      assert.ok(logged.some((line) => line.includes("starting anyway")), logged.join("\n"));
      // Publishing with Redis away neither throws nor rejects unhandled.
      app.pubsub.publish("alerts", {
        id: "1",
        ruleId: "1",
        ruleName: "r",
        kind: "PRICE",
        condition: "ABOVE",
        level: 1,
        timeUs: 0,
        value: 2,
        message: "m",
      });
      await waitFor(
        async () => ((await app.health()).redis as RedisHealth).undelivered >= 1,
        "the event to be counted as undelivered",
      );
    } finally {
      await app.close();
    }
  },
});
