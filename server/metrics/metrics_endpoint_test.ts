/**
 * `/metrics` on the running product: the live stand-in streams aggTrades through a dropped
 * connection, and the scraped exposition parses and shows the trades stored and received, the
 * reconnect, the subscription and the latency of the queries run.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { createBinanceFeed } from "../feed/binance.ts";
import { aggTradeEvent, startBinanceStandin } from "../testing/binance_standin.ts";
import { graphqlRequest, subscribe } from "../testing/graphql_client.ts";
import { parseExposition, sampleValue } from "./exposition_parser.ts";

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

Deno.test({
  name: "/metrics parses as Prometheus text and its counts move as trades are ingested",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const standin = startBinanceStandin({ market: "futures", faults: { dropEvery: 40 } });
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
    const scrape = async () => {
      const response = await fetch(`${baseUrl}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
      return parseExposition(await response.text());
    };
    const live = subscribe(baseUrl, `subscription { trades(symbols: ["BTCUSDT"]) { tradeId } }`);
    try {
      await waitFor(() => app.feed!.health().connected, "the feed to connect");
      await waitFor(() => app.http.subscriptionCount() === 1, "the subscription to start");
      const before = await scrape();
      assert.equal(sampleValue(before, "pairs_ingest_stored_trades_total"), 0);
      assert.equal(sampleValue(before, "pairs_graphql_sockets"), 1);
      assert.equal(sampleValue(before, "pairs_graphql_subscriptions"), 1);
      assert.equal(sampleValue(before, "pairs_feed_connected"), 1);
      assert.ok(sampleValue(before, "process_resident_memory_bytes")! > 10_000_000);

      const startMs = Date.UTC(2026, 10, 2, 9, 0, 0);
      const messages = Array.from({ length: 100 }, (_, i) =>
        JSON.stringify({
          stream: "btcusdt@aggTrade",
          data: aggTradeEvent("BTCUSDT", i + 1, {
            price: (60_000 + i).toFixed(1),
            timeMs: startMs + i * 10,
          }),
        }));
      await standin.replay(messages, { messagesPerSecond: 1000 });
      await waitFor(() => app.queue.stats().stored === 100, "100 trades stored");
      await graphqlRequest(baseUrl, "{ instruments { symbol tradeCount } }");
      await live.waitFor((events) => events.length === 100, 20_000);

      const after = await scrape();
      assert.equal(sampleValue(after, "pairs_ingest_stored_trades_total"), 100);
      const instrument = { venue: "binance-futures", symbol: "BTCUSDT" };
      const received = sampleValue(after, "pairs_feed_received_trades_total", instrument)!;
      const backfilled = sampleValue(after, "pairs_feed_backfilled_trades_total", instrument)!;
      // Trades sent while the connection was down come back over REST.
      assert.ok(received + backfilled >= 100, `received ${received}, backfilled ${backfilled}`);
      assert.ok(sampleValue(after, "pairs_feed_reconnects_total")! >= 1, "the drop was counted");
      assert.equal(sampleValue(after, "pairs_ingest_queue_depth"), 0);
      // Each batch write is timed: 100 trades took at least one write, and it took some time.
      assert.ok(sampleValue(after, "pairs_ingest_write_duration_seconds_count")! >= 1);
      assert.ok(sampleValue(after, "pairs_ingest_write_duration_seconds_sum")! > 0);
      // Every missed trade was backfilled: no gap to record.
      assert.equal(sampleValue(after, "pairs_feed_unrecovered_gaps"), 0);
      assert.equal(sampleValue(after, "pairs_data_gaps_recorded_total"), 0);
      assert.equal(
        sampleValue(after, "pairs_graphql_operation_duration_seconds_count", {
          operation: "query",
        }),
        1,
      );
      assert.equal(
        sampleValue(after, "pairs_graphql_operation_duration_seconds_count", {
          operation: "subscription",
        }),
        1,
      );
      const health = await (await fetch(`${baseUrl}/healthz`)).json();
      assert.equal(health.subscriptions.active, 1);
    } finally {
      await live.close();
      await app.close();
      await server.shutdown();
      await standin.close();
    }
  },
});

Deno.test("with API_TOKEN_READS=1, /metrics needs the token like every read", async () => {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    log: () => {},
    access: { token: "s3cret", reads: true },
  });
  try {
    const refused = await app.http.handle(new Request("http://localhost/metrics"));
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
    const allowed = await app.http.handle(
      new Request("http://localhost/metrics", { headers: { authorization: "Bearer s3cret" } }),
    );
    assert.equal(allowed.status, 200);
    parseExposition(await allowed.text());
  } finally {
    await app.close();
  }
});
