import assert from "node:assert/strict";
import type { Trade } from "./domain.ts";
import { createApp } from "./app.ts";
import { graphqlRequest, settle, subscribe } from "./testing/graphql_client.ts";

const T0 = Date.UTC(2024, 7, 8, 23, 59, 58) * 1000;

function trade(symbol: string, tradeId: number, offsetMs: number, price: string): Trade {
  return {
    venue: "binance-futures",
    symbol,
    tradeId,
    price,
    qty: "0.5",
    timeUs: T0 + offsetMs * 1000,
    receivedAtUs: T0 + offsetMs * 1000,
    buyerMaker: false,
  };
}

async function startServer() {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    maxPointsPerResponse: 50,
    log: () => {},
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  return {
    app,
    baseUrl,
    async stop() {
      await app.close();
      await server.shutdown();
    },
  };
}

Deno.test("instruments and bars are served over GraphQL after trades are stored", async () => {
  const { app, baseUrl, stop } = await startServer();
  try {
    app.queue.push([
      trade("BTCUSDT", 1, 0, "60000"),
      trade("BTCUSDT", 2, 10, "60010"),
      trade("BTCUSDT", 3, 1200, "59990"),
    ]);
    await app.queue.flush();
    const instruments = await graphqlRequest(
      baseUrl,
      "{ instruments { venue symbol tradeCount firstTradeTime lastTradeTime } }",
    );
    assert.deepEqual(instruments.data, {
      instruments: [{
        venue: "binance-futures",
        symbol: "BTCUSDT",
        tradeCount: 3,
        firstTradeTime: "2024-08-08T23:59:58.000Z",
        lastTradeTime: "2024-08-08T23:59:59.200Z",
      }],
    });
    const bars = await graphqlRequest(
      baseUrl,
      `{ bars(symbol: "btcusdt", timeframe: S1) { time open high low close volume trades } }`,
    );
    assert.deepEqual(bars.data, {
      bars: [
        {
          time: "2024-08-08T23:59:58.000Z",
          open: 60000,
          high: 60010,
          low: 60000,
          close: 60010,
          volume: 1,
          trades: 2,
        },
        {
          time: "2024-08-08T23:59:59.000Z",
          open: 59990,
          high: 59990,
          low: 59990,
          close: 59990,
          volume: 0.5,
          trades: 1,
        },
      ],
    });
  } finally {
    await stop();
  }
});

Deno.test("bad arguments get BAD_USER_INPUT or NOT_FOUND with a message that says what to fix", async () => {
  const { app, baseUrl, stop } = await startServer();
  try {
    app.queue.push([trade("BTCUSDT", 1, 0, "60000")]);
    await app.queue.flush();
    const unknown = await graphqlRequest(
      baseUrl,
      `{ bars(symbol: "DOGEUSDT", timeframe: M1) { time } }`,
    );
    assert.equal(unknown.errors?.[0].extensions?.code, "NOT_FOUND");
    assert.match(unknown.errors![0].message, /binance-futures:DOGEUSDT.*binance-futures:BTCUSDT/);
    const badTime = await graphqlRequest(
      baseUrl,
      `{ bars(symbol: "BTCUSDT", timeframe: M1, from: "yesterday") { time } }`,
    );
    assert.equal(badTime.errors?.[0].extensions?.code, "BAD_USER_INPUT");
    assert.match(badTime.errors![0].message, /from "yesterday" is not a time/);
    const tooMany = await graphqlRequest(
      baseUrl,
      `{ bars(symbol: "BTCUSDT", timeframe: M1, limit: 51) { time } }`,
    );
    assert.match(tooMany.errors![0].message, /limit 51 is over the limit of 50/);
    const reversed = await graphqlRequest(
      baseUrl,
      `{ bars(symbol: "BTCUSDT", timeframe: M1, from: "2024-08-09", to: "2024-08-08") { time } }`,
    );
    assert.match(reversed.errors![0].message, /must be before/);
  } finally {
    await stop();
  }
});

Deno.test("graphql-ws subscribers receive stored trades and the forming then closed bar", async () => {
  const { app, baseUrl, stop } = await startServer();
  const trades = subscribe<{ trades: { tradeId: string; price: number; symbol: string } }>(
    baseUrl,
    `subscription { trades(symbols: ["BTCUSDT"]) { tradeId price symbol } }`,
  );
  const bars = subscribe<
    { bars: { time: string; close: number; trades: number; closed: boolean } }
  >(
    baseUrl,
    `subscription { bars(symbol: "BTCUSDT", timeframe: S1) { time close trades closed } }`,
  );
  try {
    await settle(300);
    app.queue.push([trade("ETHUSDT", 7, 0, "2600"), trade("BTCUSDT", 1, 0, "60000")]);
    app.queue.push([trade("BTCUSDT", 2, 500, "60005")]);
    await app.queue.flush();
    app.queue.push([trade("BTCUSDT", 3, 1500, "60001")]);
    await trades.waitFor((events) => events.length === 3);
    assert.deepEqual(trades.events.map((e) => e.trades.tradeId), ["1", "2", "3"]);
    await bars.waitFor((events) => events.some((e) => e.bars.closed));
    const closed = bars.events.find((e) => e.bars.closed)!.bars;
    assert.deepEqual(closed, {
      time: "2024-08-08T23:59:58.000Z",
      close: 60005,
      trades: 2,
      closed: true,
    });
    const forming = bars.events.filter((e) => !e.bars.closed).map((e) => e.bars.trades);
    assert.ok(forming.includes(1), `the forming bar was shown with one trade: ${forming}`);
  } finally {
    await trades.close();
    await bars.close();
    await stop();
  }
});

Deno.test("trades pushed again after those sent (a feed restarted from the newest stored one) are stored and sent once", async () => {
  const { app, baseUrl, stop } = await startServer();
  const trades = subscribe<{ trades: { tradeId: string } }>(
    baseUrl,
    `subscription { trades(symbols: ["BTCUSDT"]) { tradeId } }`,
  );
  const bars = subscribe<{ bars: { trades: number; closed: boolean } }>(
    baseUrl,
    `subscription { bars(symbol: "BTCUSDT", timeframe: S1) { trades closed } }`,
  );
  try {
    await settle(300);
    const batch = (fromId: number, toId: number) =>
      Array.from(
        { length: toId - fromId + 1 },
        (_, i) => trade("BTCUSDT", fromId + i, (fromId + i) * 10, `${60_000 + fromId + i}`),
      );
    app.queue.push(batch(1, 5));
    app.queue.push(batch(3, 8));
    await app.queue.flush();
    // The next second closes the bar of trades 1-8.
    app.queue.push(batch(200, 200));
    await trades.waitFor((events) => events.length === 9);
    await bars.waitFor((events) => events.some((e) => e.bars.closed));
    await settle(200);
    assert.deepEqual(trades.events.map((e) => e.trades.tradeId), [
      ..."12345678".split(""),
      "200",
    ]);
    assert.equal(bars.events.find((e) => e.bars.closed)!.bars.trades, 8);
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from trades`;
    assert.equal(n, 9);
    assert.equal(app.queue.stats().duplicates, 3);
  } finally {
    await trades.close();
    await bars.close();
    await stop();
  }
});

Deno.test("healthz reports the database, the ingest queue and subscriptions", async () => {
  const { baseUrl, stop } = await startServer();
  try {
    const response = await fetch(`${baseUrl}/healthz`);
    assert.equal(response.status, 200);
    const report = await response.json();
    assert.equal(report.database.ok, true);
    assert.equal(report.database.kind, "pglite");
    assert.equal(report.ingest.queueDepth, 0);
    assert.equal(report.subscriptions.sockets, 0);
  } finally {
    await stop();
  }
});

Deno.test("GraphiQL answers a browser GET of /graphql", async () => {
  const { baseUrl, stop } = await startServer();
  try {
    const response = await fetch(`${baseUrl}/graphql`, { headers: { accept: "text/html" } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /graphiql/i);
  } finally {
    await stop();
  }
});
