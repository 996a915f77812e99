/**
 * Price alerts driven by the live path a user has: the local Binance stand-in streams aggTrades,
 * the real futures adapter receives them (with a dropped connection and duplicates on the way),
 * and exactly the expected firings arrive on the `alerts` subscription and in `alertEvents`.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { createBinanceFeed } from "../feed/binance.ts";
import { aggTradeEvent, startBinanceStandin } from "../testing/binance_standin.ts";
import { graphqlRequest, settle, subscribe } from "../testing/graphql_client.ts";

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

Deno.test({
  name: "price alerts fire exactly as the streamed prices cross their levels, through faults",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const standin = startBinanceStandin({
      market: "futures",
      faults: { dropEvery: 7, duplicateEvery: 3 },
    });
    const app = await createApp({
      databaseUrl: "memory://",
      defaultVenue: "binance-futures",
      log: () => {},
      createFeed: (sink, lastStoredTrade) =>
        createBinanceFeed("futures", {
          symbols: ["BTCUSDT"],
          sink,
          lastStoredTrade,
          wsBaseUrl: standin.wsBaseUrl,
          restBaseUrl: standin.restBaseUrl,
          reorderGraceMs: 30,
          backoff: { initialMs: 10, maxMs: 50 },
          log: () => {},
        }),
    });
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      app.http.handle,
    );
    const baseUrl = `http://127.0.0.1:${server.addr.port}`;
    const fired = subscribe<{ alerts: { ruleName: string; value: number } }>(
      baseUrl,
      "subscription { alerts { ruleName value } }",
    );
    try {
      await waitFor(() => app.feed!.health().connected, "the feed to connect");
      const startMs = Date.UTC(2026, 10, 2, 9, 0, 0);
      const send = async (prices: number[], firstId: number) => {
        await standin.replay(
          prices.map((price, i) =>
            JSON.stringify({
              stream: "btcusdt@aggTrade",
              data: aggTradeEvent("BTCUSDT", firstId + i, {
                price: price.toFixed(1),
                timeMs: startMs + (firstId + i) * 10,
              }),
            })
          ),
          { messagesPerSecond: 500 },
        );
        const lastId = firstId + prices.length - 1;
        await waitFor(async () => {
          const [{ n }] = await app.db.sql<{ n: number }[]>`
            select count(*)::int as n from trades where trade_id <= ${lastId}`;
          return n === lastId;
        }, `trades up to id ${lastId} stored`);
        await app.alerts.flush();
      };
      // The instrument must exist before a rule can name it.
      await send([100_000], 1);
      for (
        const input of [
          { symbol: "BTCUSDT", condition: "ABOVE", level: 100_500 },
          { symbol: "BTCUSDT", condition: "BELOW", level: 99_500 },
          { symbol: "BTCUSDT", condition: "CROSSING", level: 100_000 },
        ]
      ) {
        const created = await graphqlRequest(
          baseUrl,
          "mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }",
          { input },
        );
        assert.equal(created.errors, undefined, JSON.stringify(created.errors));
      }
      await settle(200);
      // ids 2..21: up through 100,500 twice (the second time only after falling back below),
      // down through 99,500 once, and across 100,000 four times.
      await send([
        100_100, // the first observation: the crossing rule learns the side, nothing fires
        100_600, // ABOVE fires (100,600)
        100_700, // still above: nothing
        100_400, // back below 100,500: ABOVE re-arms
        100_550, // ABOVE fires again (100,550)
        99_900, // CROSSING fires (down through 100,000)
        99_400, // BELOW fires (99,400)
        99_300, // still below: nothing
        100_200, // CROSSING fires (up), BELOW re-arms
        100_300,
      ], 2);
      const expected = [
        ["BTCUSDT above 100500", 100_600],
        ["BTCUSDT above 100500", 100_550],
        ["BTCUSDT crossing 100000", 99_900],
        ["BTCUSDT below 99500", 99_400],
        ["BTCUSDT crossing 100000", 100_200],
      ];
      await fired.waitFor((events) => events.length >= expected.length);
      await settle(300);
      assert.deepEqual(fired.events.map((e) => [e.alerts.ruleName, e.alerts.value]), expected);
      const stored = await graphqlRequest<{ alertEvents: { ruleName: string; value: number }[] }>(
        baseUrl,
        "{ alertEvents(limit: 50) { ruleName value } }",
      );
      assert.deepEqual(
        stored.data!.alertEvents.map((e) => [e.ruleName, e.value]).sort(),
        [...expected].sort(),
      );
      const health = app.feed!.health();
      assert.ok(health.reconnects > 0, "the stand-in dropped the connection on the way");
    } finally {
      await fired.close();
      await app.close();
      await server.shutdown();
      await standin.close();
    }
  },
});
