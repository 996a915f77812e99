/**
 * The whole ingest pipeline, live: the local Binance stand-in streams, the real feed adapter
 * connects to it, trades flow through the ingest queue into each kind of database, and bars come out.
 * What a user observes: every trade stored exactly once, bars equal to bars computed independently
 * from the recorded file, and health that tells what happened.
 */
import assert from "node:assert/strict";
import { createApp } from "./app.ts";
import { TIMEFRAMES, type Trade } from "./domain.ts";
import { createBinanceFeed } from "./feed/binance.ts";
import type { BinanceMarket } from "./feed/binance_routes.ts";
import { aggTradeEvent, startBinanceStandin } from "./testing/binance_standin.ts";
import { type DatabaseVariant, withServerDatabase } from "./testing/databases.ts";
import { RECORDED_FILES, recordedMessages, recordedTrades } from "./testing/recorded_trades.ts";
import { referenceBars } from "./testing/reference_bars.ts";
import { startTcpProxy, type TcpProxy } from "./testing/tcp_proxy.ts";
import { settle, subscribe } from "./testing/graphql_client.ts";

/** Registers `name [variant]` for the embedded database and each configured server. */
function pipelineTest(
  name: string,
  body: (databaseUrl: string, variant: DatabaseVariant) => Promise<void>,
): void {
  const servers: [DatabaseVariant, string | undefined][] = [
    ["postgres", Deno.env.get("TEST_DATABASE_URL")],
    ["timescaledb", Deno.env.get("TEST_TIMESCALE_URL")],
  ];
  Deno.test({
    name: `${name} [pglite]`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => body("memory://", "pglite"),
  });
  for (const [variant, serverUrl] of servers) {
    Deno.test({
      name: `${name} [${variant}${serverUrl ? "" : ": skipped, no server configured"}]`,
      ignore: !serverUrl,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => withServerDatabase(serverUrl!, { migrate: false }, (db) => body(db.url, variant)),
    });
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startLive(
  databaseUrl: string,
  market: BinanceMarket,
  stream: "trade" | "aggTrade",
  standinOptions: Parameters<typeof startBinanceStandin>[0] = {},
) {
  const standin = startBinanceStandin({ market, ...standinOptions });
  const venue = market === "futures" ? "binance-futures" : "binance-spot";
  const app = await createApp({
    databaseUrl,
    defaultVenue: venue,
    log: () => {},
    createFeed: (sink, lastStoredTrade) =>
      createBinanceFeed(market, {
        symbols: ["BTCUSDT", "ETHUSDT"],
        sink,
        lastStoredTrade,
        wsBaseUrl: standin.wsBaseUrl,
        restBaseUrl: standin.restBaseUrl,
        stream,
        watchdogMs: 5_000,
        reorderGraceMs: 50,
        backoff: { initialMs: 20, maxMs: 200 },
        restLagDelayMs: 20,
        log: () => {},
      }),
  });
  await waitFor(() => app.feed!.health().connected, "the feed to connect");
  return {
    app,
    standin,
    venue,
    async storedCount(): Promise<number> {
      const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from trades`;
      return n;
    },
    async close() {
      await app.close();
      await standin.close();
    },
  };
}

const RECORDED: { file: string; market: BinanceMarket; trades: number }[] = [
  { file: RECORDED_FILES.spot, market: "spot", trades: 34_419 },
  { file: RECORDED_FILES.futures0718, market: "futures", trades: 24_356 },
  { file: RECORDED_FILES.futures0808, market: "futures", trades: 35_389 },
];

for (const recording of RECORDED) {
  const name = recording.file.split("/").pop();
  pipelineTest(
    `${name} streamed live: every trade stored once, bars equal bars computed from the file`,
    async (databaseUrl) => {
      const live = await startLive(databaseUrl, recording.market, "trade");
      try {
        await live.standin.replay(await recordedMessages(recording.file));
        await waitFor(
          async () => (await live.storedCount()) >= recording.trades,
          `${recording.trades} stored trades`,
        );
        await live.app.queue.flush();
        assert.equal(await live.storedCount(), recording.trades);
        await live.app.store.refreshBars(null);
        const expected = await recordedTrades(recording.file, live.venue);
        for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
          const own = expected.filter((trade) => trade.symbol === symbol);
          for (const timeframe of TIMEFRAMES) {
            const stored = await live.app.store.bars({ venue: live.venue, symbol, timeframe });
            assert.deepEqual(stored, referenceBars(own, timeframe), `${symbol} ${timeframe}`);
          }
        }
      } finally {
        await live.close();
      }
    },
  );
}

function twoSymbolEvents(count: number): object[] {
  const events: object[] = [];
  const startMs = Date.UTC(2026, 10, 1, 12, 0, 0);
  for (let id = 1; id <= count; id++) {
    for (
      const [symbol, price] of [["BTCUSDT", 90_000 + (id % 37)], ["ETHUSDT", 3_000 + (id % 11)]]
    ) {
      events.push({
        stream: `${String(symbol).toLowerCase()}@aggTrade`,
        data: aggTradeEvent(String(symbol), id, {
          price: `${price}.${id % 10}`,
          qty: `0.0${(id % 9) + 1}`,
          timeMs: startMs + id * 7,
        }),
      });
    }
  }
  return events;
}

pipelineTest(
  "dropped connections, duplicates and reordering: nothing lost, nothing doubled, health shows it",
  async (databaseUrl) => {
    const live = await startLive(databaseUrl, "futures", "aggTrade", {
      faults: { dropEvery: 300, duplicateEvery: 7, reorderWindow: 5, corruptEvery: 97 },
    });
    try {
      const events = twoSymbolEvents(1_500);
      await live.standin.replay(events.map((event) => JSON.stringify(event)), {
        messagesPerSecond: 3_000,
      });
      await waitFor(async () => (await live.storedCount()) >= 3_000, "3,000 stored trades");
      await live.app.queue.flush();
      const rows = await live.app.db.sql<{ symbol: string; n: number; lo: number; hi: number }[]>`
        select symbol, count(*)::int as n, min(trade_id)::int as lo, max(trade_id)::int as hi
        from trades group by symbol order by symbol`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { symbol: "BTCUSDT", n: 1_500, lo: 1, hi: 1_500 },
        { symbol: "ETHUSDT", n: 1_500, lo: 1, hi: 1_500 },
      ]);
      const health = await live.app.health();
      const feed = health.feed as {
        reconnects: number;
        instruments: { backfilled: number; duplicatesDropped: number }[];
      };
      assert.ok(feed.reconnects >= 5, `reconnections shown: ${feed.reconnects}`);
      const backfilled = feed.instruments.reduce((sum, i) => sum + i.backfilled, 0);
      assert.ok(backfilled > 0, "missed trades were backfilled from REST");
      await live.app.store.refreshBars(null);
      const expected = events.map((event) => (event as { data: Record<string, unknown> }).data)
        .map((data): Trade => ({
          venue: "binance-futures",
          symbol: data.s as string,
          tradeId: data.a as number,
          price: data.p as string,
          qty: data.q as string,
          timeUs: (data.T as number) * 1000,
          receivedAtUs: 0,
          buyerMaker: false,
        }));
      for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
        const stored = await live.app.store.bars({
          venue: "binance-futures",
          symbol,
          timeframe: "1s",
        });
        assert.deepEqual(
          stored,
          referenceBars(expected.filter((trade) => trade.symbol === symbol), "1s"),
        );
      }
    } finally {
      await live.close();
    }
  },
);

/**
 * Registers a PostgreSQL test of the live pipeline whose database sits behind a TCP proxy that the
 * test can cut and restore.
 */
function databaseBehindProxyTest(
  name: string,
  body: (live: Awaited<ReturnType<typeof startLive>>, proxy: TcpProxy) => Promise<void>,
): void {
  const serverUrl = Deno.env.get("TEST_DATABASE_URL");
  Deno.test({
    name: name + (serverUrl ? "" : " [skipped: TEST_DATABASE_URL not set]"),
    ignore: !serverUrl,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () =>
      withServerDatabase(serverUrl!, { migrate: false }, async (db) => {
        const direct = new URL(db.url);
        const proxy = startTcpProxy({
          hostname: direct.hostname,
          port: Number(direct.port || 5432),
        });
        const viaProxy = new URL(db.url);
        viaProxy.hostname = "127.0.0.1";
        viaProxy.port = String(proxy.port);
        const live = await startLive(viaProxy.href, "futures", "aggTrade");
        try {
          await body(live, proxy);
        } finally {
          await live.close();
          await proxy.close();
        }
      }),
  });
}

databaseBehindProxyTest(
  "the database unreachable for a while: trades are held and written when it returns",
  async (live, proxy) => {
    const events = twoSymbolEvents(1_000).map((event) => JSON.stringify(event));
    await live.standin.replay(events.slice(0, 600), { messagesPerSecond: 2_000 });
    await waitFor(async () => (await live.storedCount()) >= 600, "the first 600 trades");
    proxy.cut();
    await live.standin.replay(events.slice(600, 1_400), { messagesPerSecond: 2_000 });
    await waitFor(async () => (await live.app.health()).ok === false, "health to report it");
    const during = await live.app.health();
    assert.equal((during.database as { ok: boolean }).ok, false);
    assert.ok((during.ingest as { queueDepth: number }).queueDepth > 0, "trades are held");
    proxy.restore();
    await live.standin.replay(events.slice(1_400), { messagesPerSecond: 2_000 });
    await waitFor(async () => (await live.storedCount()) >= 2_000, "all 2,000 trades");
    await live.app.queue.flush();
    assert.equal(await live.storedCount(), 2_000);
    assert.equal((await live.app.health()).ok, true);
  },
);

databaseBehindProxyTest(
  "the database unreachable: subscribers are still sent each trade as it arrives, once",
  async (live, proxy) => {
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      live.app.http.handle,
    );
    const trades = subscribe<{ trades: { symbol: string; tradeId: string } }>(
      `http://127.0.0.1:${server.addr.port}`,
      `subscription { trades(symbols: ["BTCUSDT", "ETHUSDT"]) { symbol tradeId } }`,
    );
    const sent = (symbol: string) =>
      trades.events.filter((e) => e.trades.symbol === symbol).map((e) => Number(e.trades.tradeId));
    try {
      await settle(300);
      const events = twoSymbolEvents(900).map((event) => JSON.stringify(event));
      await live.standin.replay(events.slice(0, 600), { messagesPerSecond: 2_000 });
      await trades.waitFor((received) => received.length === 600);
      await live.app.queue.flush();

      proxy.cut();
      await live.standin.replay(events.slice(600, 1_400), { messagesPerSecond: 2_000 });
      // Sent while nothing can be written: the 400 trades of each symbol are all queued.
      await trades.waitFor((received) => received.length === 1_400);
      await waitFor(async () => (await live.app.health()).ok === false, "health to report it");
      const during = await live.app.health();
      assert.equal((during.ingest as { queueDepth: number }).queueDepth, 800);

      proxy.restore();
      await live.standin.replay(events.slice(1_400), { messagesPerSecond: 2_000 });
      await waitFor(async () => (await live.storedCount()) >= 1_800, "all 1,800 trades");
      await live.app.queue.flush();
      await settle(300);
      assert.equal(await live.storedCount(), 1_800);
      const ids = Array.from({ length: 900 }, (_, i) => i + 1);
      assert.deepEqual(sent("BTCUSDT"), ids, "BTCUSDT: each trade sent once, in order");
      assert.deepEqual(sent("ETHUSDT"), ids, "ETHUSDT: each trade sent once, in order");
    } finally {
      await trades.close();
      await server.shutdown();
    }
  },
);

Deno.test({
  name: "SIGTERM writes every trade received before the process exits",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const standin = startBinanceStandin({ market: "futures" });
    const dataDir = await Deno.makeTempDir({ prefix: "pairs-sigterm-" });
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "server/main.ts"],
      env: {
        DATABASE_URL: dataDir,
        PORT: String(port),
        FEED: "binance-futures",
        BINANCE_WS_URL: standin.wsBaseUrl,
        BINANCE_REST_URL: standin.restBaseUrl,
        WEB_BUILD: "off",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      await waitFor(
        () => standin.connections.some((c) => c.routed && c.closedAtMs === null),
        "the server's feed to connect",
      );
      const events = twoSymbolEvents(2_000).map((event) => JSON.stringify(event));
      await standin.replay(events, { messagesPerSecond: 20_000 });
      // Stop as soon as the server has received everything, while writes are still queued.
      await waitFor(async () => {
        const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json());
        const instruments = health.feed.instruments as { tradesReceived: number }[];
        return instruments.reduce((sum, i) => sum + i.tradesReceived, 0) >= 4_000;
      }, "the server to receive 4,000 trades");
      child.kill("SIGTERM");
      const result = await child.output();
      assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
      assert.match(new TextDecoder().decode(result.stdout), /All trades written/);
    } finally {
      await standin.close();
    }
    // Every trade the stand-in sent was stored: read the same embedded database back.
    const app = await createApp({ databaseUrl: dataDir, defaultVenue: "binance-futures" });
    try {
      const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from trades`;
      assert.equal(n, 4_000);
    } finally {
      await app.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
