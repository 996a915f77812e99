/**
 * Faults injected into the running product (the real app, the real Binance feed adapter, the local
 * Binance stand-in, real databases), each test stating what a user observes afterwards: every trade
 * the exchange published is stored exactly once (nothing lost, nothing doubled), what could not be
 * recovered is reported as a data gap and never invented, and `/healthz` says what happened.
 *
 * Dropped connections with duplicates and reordering, and a database unreachable through a proxy,
 * are in pipeline_test.ts; the feed's own reactions (watchdog, 429/418, REST window) are unit-tested
 * in feed/binance_test.ts. Here: the same faults end to end, longer and harder.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { graphqlRequest } from "./testing/graphql_client.ts";
import { createApp } from "./app.ts";
import { type BinanceStandin, startBinanceStandin } from "./testing/binance_standin.ts";
import { type ServerProcess, startServerProcess } from "./testing/server_process.ts";
import {
  type LiveApp,
  liveAppTest,
  startLiveApp,
  SYMBOLS,
  tradeEvents,
  VENUE,
  waitFor,
} from "./testing/live_app.ts";

const BASE_MS = Date.UTC(2026, 10, 1, 12, 0, 0);
const MINUTE_US = 60_000_000;

liveAppTest(
  "ids older than the REST window: stored as a data gap, served by dataGaps and /healthz, kept across a restart, no bar invented",
  async (databaseUrl) => {
    const live = await startLiveApp(databaseUrl);
    let running: LiveApp | null = live;
    const standin = live.standin;
    try {
      standin.publish(tradeEvents(1, 100, { startMs: BASE_MS }));
      await waitFor(async () => (await live.storedCount()) === 200, "the first 100 ids of each");
      // The feed misses 101..800 (one minute later) and REST keeps only the newest 200 ids, so
      // when 801.. arrive (two minutes later) REST can supply 701..800 and 101..700 are lost.
      standin.publish(tradeEvents(101, 600, { startMs: BASE_MS + 60_000 }), { live: false });
      standin.publish(tradeEvents(701, 100, { startMs: BASE_MS + 120_000 }), { live: false });
      standin.setRestWindow(200);
      standin.publish(tradeEvents(801, 100, { startMs: BASE_MS + 120_000 }));
      await waitFor(async () => (await live.storedCount()) === 2 * 300, "ids 701..900 of each");
      await waitFor(
        () => live.app.health().then((h) => (h.dataGaps as { recorded: number }).recorded === 2),
        "both gaps to be stored",
      );

      for (const symbol of SYMBOLS) {
        const ids = await live.storedIds(symbol);
        assert.deepEqual(
          ids,
          [...range(1, 100), ...range(701, 900)],
          `${symbol}: nothing invented`,
        );
      }
      const health = await live.healthz();
      const feedGaps = (health.feed as { gaps: { fromId: number; toId: number }[] }).gaps;
      assert.deepEqual(feedGaps.map((gap) => [gap.fromId, gap.toId]), [[101, 700], [101, 700]]);
      assert.deepEqual(health.dataGaps, { recorded: 2, unsaved: 0, lastError: null });

      const expectedGap = (symbol: string) => ({
        venue: VENUE,
        symbol,
        fromTradeId: "101",
        toTradeId: "700",
        missing: 600,
        fromTime: new Date(BASE_MS + 100 * 7).toISOString(),
        toTime: new Date(BASE_MS + 120_000 + 701 * 7).toISOString(),
        reason: "older than Binance's REST history, which starts at id 701",
      });
      const query = `query($symbol: String, $from: String, $to: String) {
        dataGaps(symbol: $symbol, from: $from, to: $to) {
          venue symbol fromTradeId toTradeId missing fromTime toTime reason detectedAt } }`;
      const answer = await graphqlRequest<{ dataGaps: Record<string, unknown>[] }>(
        live.baseUrl,
        query,
        { symbol: "BTCUSDT" },
      );
      assert.deepEqual(answer.errors, undefined);
      const [btcGap] = answer.data!.dataGaps;
      assert.ok(Date.parse(btcGap.detectedAt as string) > BASE_MS, "detectedAt is a time");
      assert.deepEqual({ ...btcGap, detectedAt: undefined }, {
        ...expectedGap("BTCUSDT"),
        detectedAt: undefined,
      });
      const bad = await graphqlRequest(live.baseUrl, query, { symbol: "BTC USDT" });
      assert.equal(bad.errors?.[0].extensions?.code, "BAD_USER_INPUT");

      // Bars: nothing in the minute the gap swallowed, and every bar made of stored trades only.
      await live.app.store.refreshBars(null);
      const gapMinute = (BASE_MS + 60_000) * 1000;
      for (const symbol of SYMBOLS) {
        const m1 = await live.app.store.bars({ venue: VENUE, symbol, timeframe: "1m" });
        assert.deepEqual(m1.map((bar) => bar.timeUs), [BASE_MS * 1000, gapMinute + MINUTE_US]);
        assert.deepEqual(m1.map((bar) => bar.trades), [100, 200]);
      }

      await live.close();
      running = null;
      // After a restart the feed no longer remembers the gap; the database does.
      const restarted = await startLiveApp(databaseUrl, {
        existingStandin: standin,
        waitConnected: false,
      });
      running = restarted;
      const after = await graphqlRequest<{ dataGaps: Record<string, unknown>[] }>(
        restarted.baseUrl,
        query,
        {
          from: new Date(BASE_MS + 30_000).toISOString(),
          to: new Date(BASE_MS + 90_000).toISOString(),
        },
      );
      assert.deepEqual(
        after.data?.dataGaps.map((gap) => ({ ...gap, detectedAt: undefined })),
        SYMBOLS.map((symbol) => ({ ...expectedGap(symbol), detectedAt: undefined })),
      );
      const outside = await graphqlRequest<{ dataGaps: unknown[] }>(restarted.baseUrl, query, {
        from: new Date(BASE_MS + 180_000).toISOString(),
      });
      assert.deepEqual(outside.data?.dataGaps, []);
    } finally {
      await running?.close();
      await standin.close();
    }
  },
);

/**
 * Publishes `idsPerTick` new ids of each symbol every 50 ms until `until()`, calling `onTick` just
 * before each publication; returns the next id.
 */
async function stream(
  live: LiveApp,
  firstId: number,
  options: {
    idsPerTick?: number;
    until: (nextId: number) => boolean;
    onTick?: () => void | Promise<void>;
  },
): Promise<number> {
  let next = firstId;
  while (!options.until(next)) {
    const count = options.idsPerTick ?? 10;
    await options.onTick?.();
    live.standin.publish(tradeEvents(next, count));
    next += count;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return next;
}

interface FeedView {
  reconnects: number;
  lastError: string | null;
  paused: boolean;
  unparsedMessages: number;
  gaps: unknown[];
  instruments: { backfilled: number; duplicatesDropped: number }[];
}

async function feedHealth(live: LiveApp): Promise<FeedView> {
  return (await live.healthz()).feed as FeedView;
}

const backfilled = (feed: FeedView) => feed.instruments.reduce((sum, i) => sum + i.backfilled, 0);

const SOAK_SECONDS = Number(Deno.env.get("FAULT_SOAK_SECONDS") ?? 60);

liveAppTest(
  `the feed dropped every 2 s for ${SOAK_SECONDS} s while streaming (FAULT_SOAK_SECONDS): every trade stored once`,
  async (databaseUrl) => {
    const live = await startLiveApp(databaseUrl);
    try {
      const endAt = Date.now() + SOAK_SECONDS * 1000;
      let nextDropAt = Date.now() + 2_000;
      let drops = 0;
      await stream(live, 1, {
        until: () => Date.now() >= endAt,
        onTick: () => {
          if (Date.now() < nextDropAt) return;
          // Dropped just before a publication: those trades reach no socket, only REST has them.
          live.standin.dropAll();
          drops++;
          nextDropAt += 2_000;
        },
      });
      await live.assertAllStoredOnce();
      const feed = await feedHealth(live);
      assert.ok(feed.reconnects >= drops, `${feed.reconnects} reconnections for ${drops} drops`);
      assert.ok(backfilled(feed) > 0, "what was published while disconnected came from REST");
      assert.deepEqual(feed.gaps, []);
      assert.equal((await live.healthz()).ok, true);
    } finally {
      await live.close();
    }
  },
);

liveAppTest(
  "a socket that stays open but silent is replaced by the watchdog; nothing is lost",
  async (databaseUrl) => {
    const live = await startLiveApp(databaseUrl, { feed: { watchdogMs: 1_000 } });
    try {
      live.standin.publish(tradeEvents(1, 100));
      await waitFor(async () => (await live.storedCount()) === 200, "the first 100 ids of each");
      live.standin.setFaults({ silent: true });
      const silentUntil = Date.now() + 3_000;
      const next = await stream(live, 101, { until: () => Date.now() >= silentUntil });
      const during = await feedHealth(live);
      assert.ok(during.reconnects >= 1, "the silent socket was replaced");
      assert.match(during.lastError ?? "", /no trade for 1 s/);
      live.standin.setFaults({});
      live.standin.publish(tradeEvents(next, 100));
      await live.assertAllStoredOnce();
      const after = await feedHealth(live);
      assert.ok(
        backfilled(after) >= 2 * (next - 101),
        `the ${2 * (next - 101)} trades sent into silence came from REST (${backfilled(after)})`,
      );
      assert.deepEqual(after.gaps, []);
    } finally {
      await live.close();
    }
  },
);

/** Messages that are not trades of a followed instrument, or not even JSON. */
function garbage(id: number): (string | Uint8Array)[] {
  const damaged = (fields: Record<string, unknown>) =>
    JSON.stringify({
      stream: "btcusdt@aggTrade",
      data: {
        e: "aggTrade",
        E: 1,
        s: "BTCUSDT",
        a: id,
        p: "1.5",
        q: "0.1",
        T: 1,
        m: false,
        ...fields,
      },
    });
  return [
    "{",
    "null",
    "[]",
    '"aggTrade"',
    "\uD800",
    "x".repeat(100_000),
    "[".repeat(50_000),
    // The id of a real trade, damaged: must not take that trade's place.
    damaged({ p: "-1" }),
    damaged({ p: "NaN" }),
    damaged({ q: "0" }),
    damaged({ T: -5 }),
    damaged({ T: 1.5 }),
    damaged({ m: "yes" }),
    damaged({ a: -1 }),
    damaged({ a: 2 ** 60 }),
    damaged({ s: "" }),
    // Well-formed, but not a trade of a followed instrument: ignored or unknown, never stored.
    JSON.stringify({ stream: "xrpusdt@aggTrade", data: { e: "aggTrade", s: "XRPUSDT", a: id } }),
    JSON.stringify({ e: "depthUpdate", s: "BTCUSDT" }),
    new Uint8Array([0xff, 0xfe, 0x00, 0x01]),
  ];
}

liveAppTest(
  "a flood of duplicates, reordered and malformed messages: every real trade stored once, the rest counted",
  async (databaseUrl) => {
    const live = await startLiveApp(databaseUrl, {
      standin: { faults: { duplicateEvery: 2, reorderWindow: 40, corruptEvery: 5 } },
    });
    try {
      let unreadableSent = 0;
      let next = 1;
      for (let round = 0; round < 40; round++) {
        live.standin.publish(tradeEvents(next, 25));
        const messages = garbage(next + 3);
        // Text that cannot become a trade: all but the two ignored events and the binary frame.
        unreadableSent += live.standin.sendRaw(messages) * (messages.length - 3);
        next += 25;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await live.assertAllStoredOnce();
      const feed = await feedHealth(live);
      assert.ok(
        feed.unparsedMessages >= unreadableSent,
        `${feed.unparsedMessages} unreadable messages counted, ${unreadableSent} sent`,
      );
      const duplicates = feed.instruments.reduce((sum, i) => sum + i.duplicatesDropped, 0);
      assert.ok(duplicates >= 500, `${duplicates} duplicates dropped`);
      assert.ok(backfilled(feed) > 0, "corrupted trades were recovered from REST");
      assert.deepEqual(feed.gaps, []);
      const [{ n }] = await live.app.db.sql<{ n: number }[]>`
        select count(*)::int as n from trades where symbol <> all(${SYMBOLS}) or price <= 0`;
      assert.equal(n, 0, "nothing but the published trades");
    } finally {
      await live.close();
    }
  },
);

liveAppTest(
  "REST backfill answered 429 (Retry-After 1 s), then 418 (ban of 2 s), then served: nothing lost",
  async (databaseUrl) => {
    const live = await startLiveApp(databaseUrl);
    try {
      live.standin.publish(tradeEvents(1, 10));
      await waitFor(async () => (await live.storedCount()) === 20, "the first 10 ids of each");
      // The feed misses 11..300; the next live trades reveal the hole; REST refuses twice.
      live.standin.publish(tradeEvents(11, 290), { live: false });
      live.standin.failNextRest(1, 429, 1);
      live.standin.failNextRest(1, 418, 2);
      live.standin.publish(tradeEvents(301, 10));
      await live.assertAllStoredOnce();
      const rest = live.standin.requests.filter((request) => !request.websocket);
      const refused = rest.findIndex((request) => request.status === 429);
      assert.deepEqual(rest.slice(refused, refused + 3).map((r) => r.status), [429, 418, 200]);
      const ban = rest[refused + 1];
      for (const later of rest.slice(refused + 2)) {
        assert.ok(later.atMs - ban.atMs >= 2_000, "nothing was asked of Binance during the ban");
      }
      const feed = await feedHealth(live);
      assert.ok(backfilled(feed) >= 2 * 290);
      assert.deepEqual(feed.gaps, []);
    } finally {
      await live.close();
    }
  },
);

/** An administrator's connection to the server holding `databaseUrl`, outside the app. */
function adminConnection(databaseUrl: string) {
  return postgres(databaseUrl, { max: 1, onnotice: () => {} });
}

liveAppTest(
  "the database cuts the app's connections (pg_terminate_backend) again and again mid-stream: every trade stored once",
  async (databaseUrl) => {
    const live = await startLiveApp(databaseUrl);
    const admin = adminConnection(databaseUrl);
    try {
      const name = new URL(databaseUrl).pathname.slice(1);
      let terminated = 0;
      let ticks = 0;
      const endAt = Date.now() + 10_000;
      await stream(live, 1, {
        until: () => Date.now() >= endAt,
        onTick: async () => {
          if (++ticks % 10 !== 0) return;
          const rows = await admin`
            select pg_terminate_backend(pid) as done from pg_stat_activity
            where datname = ${name} and pid <> pg_backend_pid()`;
          terminated += rows.filter((row) => row.done).length;
        },
      });
      assert.ok(terminated >= 10, `${terminated} connections terminated`);
      await live.assertAllStoredOnce();
      await waitFor(async () => (await live.healthz()).ok === true, "health to recover");
    } finally {
      await live.close();
      await admin.end({ timeout: 5 });
    }
  },
  { only: ["postgres", "timescaledb"] },
);

liveAppTest(
  "writes time out (statement_timeout) behind a lock held on trades: held, retried, stored once",
  async (databaseUrl) => {
    const admin = adminConnection(databaseUrl);
    const name = new URL(databaseUrl).pathname.slice(1);
    // Every session of the app gets a 300 ms statement timeout.
    await admin`alter database ${admin(name)} set statement_timeout = '300ms'`;
    const live = await startLiveApp(databaseUrl);
    try {
      live.standin.publish(tradeEvents(1, 50));
      await waitFor(async () => (await live.storedCount()) === 100, "the first 50 ids of each");
      let next = 51;
      await admin.begin(async (tx) => {
        await tx`set local statement_timeout = 0`;
        await tx`lock table trades in exclusive mode`;
        const holdUntil = Date.now() + 3_000;
        next = await stream(live, next, { until: () => Date.now() >= holdUntil });
        await waitFor(
          () =>
            live.app.health().then((h) => (h.ingest as { failedWrites: number }).failedWrites > 0),
          "a write to time out",
        );
      });
      const ingest = (await live.healthz()).ingest as { lastError: string; queueDepth: number };
      assert.match(ingest.lastError, /statement timeout/);
      live.standin.publish(tradeEvents(next, 50));
      await live.assertAllStoredOnce();
      await waitFor(async () => (await live.healthz()).ok === true, "health to recover");
    } finally {
      await live.close();
      await admin.end({ timeout: 5 });
    }
  },
  { only: ["postgres", "timescaledb"] },
);

liveAppTest(
  "disk full (SQLSTATE 53100) on every write: trades held, the full queue pauses the feed, then all stored once with the overflow backfilled",
  async (databaseUrl) => {
    const live = await startLiveApp(databaseUrl, {
      app: { queueCapacity: 200 },
      feed: { maxHeldPerSymbol: 100 },
    });
    try {
      live.standin.publish(tradeEvents(1, 50));
      await waitFor(async () => (await live.storedCount()) === 100, "the first 50 ids of each");
      await live.app.db.sql.unsafe(`
        create function simulate_disk_full() returns trigger language plpgsql as $$
        begin
          raise exception 'could not extend file "base/16384/16385": No space left on device'
            using errcode = 'disk_full';
        end $$;
        create trigger disk_full before insert on trades
          for each statement execute function simulate_disk_full();`);
      const giveUpAt = Date.now() + 60_000;
      let next = await stream(live, 51, {
        idsPerTick: 50,
        until: () => live.app.feed!.health().paused === true || Date.now() > giveUpAt,
      });
      // Still streaming while paused: these wait in the feed, and past its limit only REST has them.
      next = await stream(live, next, { idsPerTick: 50, until: (id) => id >= 1_000 });
      const during = await live.healthz();
      const ingest = during.ingest as { lastError: string; queueDepth: number; retrying: boolean };
      assert.equal(during.ok, false, "health reports the failing writes");
      assert.equal((during.feed as FeedView).paused, true, "the feed is paused");
      assert.ok(ingest.queueDepth >= 200, `the queue holds ${ingest.queueDepth} trades`);
      assert.match(ingest.lastError, /No space left on device/);
      assert.equal(await live.storedCount(), 100, "nothing stored while the disk is full");

      await live.app.db.sql`drop trigger disk_full on trades`;
      live.standin.publish(tradeEvents(next, 50));
      await live.assertAllStoredOnce();
      const after = await feedHealth(live);
      assert.ok(backfilled(after) > 0, "what overflowed while paused came from REST");
      assert.deepEqual(after.gaps, []);
      await waitFor(async () => (await live.healthz()).ok === true, "health to recover");
    } finally {
      await live.close();
    }
  },
);

/** `server/main.ts` as a child process on the given database, fed by the stand-in. */
function spawnServer(databaseUrl: string, standin: BinanceStandin): ServerProcess {
  return startServerProcess({
    DATABASE_URL: databaseUrl,
    FEED: "binance-futures",
    SYMBOLS: SYMBOLS.join(","),
    BINANCE_WS_URL: standin.wsBaseUrl,
    BINANCE_REST_URL: standin.restBaseUrl,
  }, { keepChars: 6_000 });
}

/** Whether an open, routed connection of the stand-in receives the symbol's aggTrade stream. */
function receiving(standin: BinanceStandin, symbol: string): boolean {
  const stream = `${symbol.toLowerCase()}@aggTrade`;
  return standin.connections.some((c) => c.routed && c.live && c.streams.has(stream));
}

/** Per symbol: how many trades the database holds, their id range, and the first missing ids. */
async function storedIds(databaseUrl: string): Promise<string> {
  if (!/^postgres(ql)?:/.test(databaseUrl)) return "(embedded: not read)";
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ symbol: string; n: number; lo: number; hi: number }[]>`
      select symbol, count(*)::int as n, min(trade_id)::int as lo, max(trade_id)::int as hi
      from trades group by symbol order by symbol`;
    const missing = await sql<{ symbol: string; id: number }[]>`
      select s.symbol, g.id::int as id
      from (select distinct symbol from trades) s, generate_series(1, 20600) g(id)
      where not exists (select 1 from trades t where t.symbol = s.symbol and t.trade_id = g.id)
      order by 1, 2 limit 20`;
    return JSON.stringify({ rows, missing });
  } catch (error) {
    return `unreadable (${error})`;
  } finally {
    await sql.end();
  }
}

async function serverHealth(baseUrl: string): Promise<Record<string, unknown> | null> {
  try {
    return await fetch(`${baseUrl}/healthz`).then((response) => response.json());
  } catch {
    return null;
  }
}

async function firings(baseUrl: string, ruleId: string): Promise<number> {
  const answer = await graphqlRequest<{ alertEvents: unknown[] }>(
    baseUrl,
    "query ($id: ID!) { alertEvents(ruleId: $id, limit: 100) { id } }",
    { id: ruleId },
  );
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data!.alertEvents.length;
}

liveAppTest(
  "kill -9 of the server during ingest, then a restart: every trade stored once, the missed ones backfilled, the alert not fired again",
  async (databaseUrl) => {
    const standin = startBinanceStandin({ market: "futures" });
    // BTCUSDT crosses above 95,000 at id 50 and stays above: one firing, ever.
    const events = (first: number, count: number) =>
      tradeEvents(first, count, {
        price: (id, symbol) =>
          symbol === "BTCUSDT"
            ? `${id < 50 ? 90_000 + (id % 37) : 96_000 + (id % 37)}.5`
            : "3000.5",
      });
    let server: ServerProcess | null = null;
    const printed: string[] = [];
    try {
      server = spawnServer(databaseUrl, standin);
      let baseUrl = server.baseUrl;
      // On PostgreSQL each instrument has its own connection: trades published before a symbol's
      // socket is open are not in its live stream (as on Binance), so wait for every symbol's.
      await waitFor(
        async () =>
          ((await serverHealth(baseUrl))?.feed as { connected?: boolean })?.connected === true &&
          SYMBOLS.every((symbol) => receiving(standin, symbol)),
        "the server's feed to subscribe to every symbol",
      );
      standin.publish(events(1, 20));
      await waitFor(async () => {
        const health = await serverHealth(baseUrl);
        return (health?.ingest as { stored?: number })?.stored === 40;
      }, "the first 20 ids of each").catch(async (error) => {
        // Say what the server and the stand-in saw, to tell a lost trade from a slow start.
        throw new Error(
          `${error.message}; health ${JSON.stringify(await serverHealth(baseUrl))}; stand-in ` +
            `connections ${JSON.stringify(standin.connections)}`,
        );
      });
      const created = await graphqlRequest<{ createAlertRule: { id: string } }>(
        baseUrl,
        `mutation { createAlertRule(input: { condition: ABOVE, level: 95000, symbol: "BTCUSDT" }) {
          id } }`,
      );
      assert.equal(created.errors, undefined, JSON.stringify(created.errors));
      const ruleId = created.data!.createAlertRule.id;
      standin.publish(events(21, 80));
      await waitFor(async () => (await firings(baseUrl, ruleId)) === 1, "the alert to fire");

      // Kill while trades pour in and writes are queued.
      const pouring = standin.replay(events(101, 20_000).map((event) => JSON.stringify(event)), {
        messagesPerSecond: 10_000,
      });
      await waitFor(async () => {
        const health = await serverHealth(baseUrl);
        return ((health?.ingest as { stored?: number })?.stored ?? 0) >= 2_000;
      }, "the server to store 2,000 more trades");
      const status = await server.kill("SIGKILL");
      printed.push(server.output());
      server = null;
      assert.equal(status.signal, "SIGKILL");
      await pouring;
      standin.publish(events(20_101, 500), { live: false });

      server = spawnServer(databaseUrl, standin);
      baseUrl = server.baseUrl;
      const expected = 2 * 20_600;
      let count = 0;
      await waitFor(
        async () => {
          const answer = await graphqlRequest<{ instruments: { tradeCount: number }[] }>(
            baseUrl,
            "{ instruments { tradeCount } }",
          ).catch(() => null);
          count = answer?.data?.instruments.reduce((sum, i) => sum + i.tradeCount, 0) ?? count;
          return count >= expected;
        },
        `all ${expected} trades stored after the restart`,
        240_000,
      ).catch(async (error) => {
        const health = await serverHealth(baseUrl);
        const stored = await storedIds(databaseUrl);
        throw new Error(
          `${error.message}: ${count} stored; in the database ${stored}; health ${
            JSON.stringify(health)
          }`,
        );
      });
      const health = await serverHealth(baseUrl);
      const feed = health!.feed as FeedView;
      assert.ok(backfilled(feed) > 0, "what the dead server missed came from REST");
      assert.deepEqual(feed.gaps, []);
      // Give the restarted server's alert evaluation time to see the backfilled trades too.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(await firings(baseUrl, ruleId), 1, "the alert fired once, not again");
      await server.kill("SIGTERM");
      server = null;

      // Read the stopped server's database: each published id exactly once.
      const app = await createApp({ databaseUrl, defaultVenue: VENUE, log: () => {} });
      try {
        for (const symbol of SYMBOLS) {
          const rows = await app.db.sql<{ n: number; lo: number; hi: number }[]>`
            select count(*)::int as n, min(trade_id)::int as lo, max(trade_id)::int as hi
            from trades where symbol = ${symbol}`;
          assert.deepEqual({ ...rows[0] }, { n: 20_600, lo: 1, hi: 20_600 }, symbol);
        }
      } finally {
        await app.close();
      }
    } catch (error) {
      // Say what each server printed, to tell a lost trade from a slow or failed start.
      if (server) printed.push(server.output());
      const output = printed.map((text, index) => `--- server ${index + 1} printed:\n${text}`);
      throw new Error([String(error), ...output].join("\n"), { cause: error });
    } finally {
      await server?.kill("SIGKILL");
      await standin.close();
    }
  },
);
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}
