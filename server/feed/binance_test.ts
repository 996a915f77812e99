import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import type { TradeSink } from "./feed.ts";
import { type BinanceFeedOptions, createBinanceFeed } from "./binance.ts";
import type { BinanceMarket } from "./binance_routes.ts";
import {
  aggTradeEvent,
  type BinanceStandin,
  readNdjsonLines,
  startBinanceStandin,
} from "../testing/binance_standin.ts";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await wait(10);
  }
}

/** A sink that keeps every trade; `fullAt` makes it report full once that many trades arrived. */
function createRecordingSink(options: { fullAt?: number; roomAfterMs?: number } = {}) {
  const trades: Trade[] = [];
  let full = false;
  let filledOnce = false;
  let waiter: Promise<void> | null = null;
  const sink: TradeSink = {
    push(batch) {
      trades.push(...batch);
      if (!filledOnce && options.fullAt !== undefined && trades.length >= options.fullAt) {
        filledOnce = true;
        full = true;
        waiter = wait(options.roomAfterMs ?? 200).then(() => {
          full = false;
        });
      }
      return !full;
    },
    ready: () => waiter ?? Promise.resolve(),
  };
  return {
    sink,
    trades,
    idsOf: (symbol: string) =>
      trades.filter((trade) => trade.symbol === symbol).map((trade) => trade.tradeId),
    countOf: (symbol: string) => trades.filter((trade) => trade.symbol === symbol).length,
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

/** Alternating aggTrades of BTCUSDT and ETHUSDT with ids 1..count each. */
function twoSymbolEvents(count: number, firstId = 1): object[] {
  return range(firstId, firstId + count - 1).flatMap((id) => [
    aggTradeEvent("BTCUSDT", id, { price: "61000.1" }),
    aggTradeEvent("ETHUSDT", id, { price: "2600.25" }),
  ]);
}

interface Harness {
  standin: BinanceStandin;
  recording: ReturnType<typeof createRecordingSink>;
  feed: ReturnType<typeof createBinanceFeed>;
  logs: string[];
  /** Stops the feed, then the stand-in, so every socket and timer is closed before the test ends. */
  close(): Promise<void>;
}

/** A futures (by default) feed of BTCUSDT and ETHUSDT against a fresh stand-in, with short timeouts. */
async function startHarness(
  setup: {
    market?: BinanceMarket;
    standin?: Parameters<typeof startBinanceStandin>[0];
    sink?: Parameters<typeof createRecordingSink>[0];
    feed?: Partial<BinanceFeedOptions>;
    feedMarket?: BinanceMarket;
    before?: (standin: BinanceStandin) => void;
    waitForConnection?: boolean;
  } = {},
): Promise<Harness> {
  const market = setup.market ?? "futures";
  const standin = startBinanceStandin({ market, ...setup.standin });
  setup.before?.(standin);
  const recording = createRecordingSink(setup.sink);
  const logs: string[] = [];
  const feed = createBinanceFeed(setup.feedMarket ?? market, {
    symbols: ["BTCUSDT", "ETHUSDT"],
    sink: recording.sink,
    wsBaseUrl: standin.wsBaseUrl,
    restBaseUrl: standin.restBaseUrl,
    watchdogMs: 5000,
    reorderGraceMs: 50,
    backoff: { initialMs: 20, maxMs: 200 },
    restLagDelayMs: 20,
    log: (line) => logs.push(line),
    ...setup.feed,
  });
  await feed.start();
  if (setup.waitForConnection !== false) {
    await waitFor(() => feed.health().connected, "the feed to connect");
  }
  return {
    standin,
    recording,
    feed,
    logs,
    async close() {
      await feed.stop();
      await standin.close();
    },
  };
}

/** Stored history that ends just before id 1, so the sequence starts at 1 whatever arrives first. */
const historyBeforeFirstId = () => Promise.resolve({ tradeId: 0, timeUs: 1_765_000_000_000_000 });

Deno.test("the futures feed streams trades from /market/stream and delivers them in id order", async () => {
  const harness = await startHarness();
  const { standin, recording, feed } = harness;
  standin.publish(twoSymbolEvents(50));
  await waitFor(() => recording.trades.length === 100, "100 trades");
  assert.deepEqual(
    standin.connections.map((connection) => connection.path),
    ["/market/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade"],
  );
  assert.deepEqual(recording.idsOf("BTCUSDT"), range(1, 50));
  assert.deepEqual(recording.idsOf("ETHUSDT"), range(1, 50));
  const first = recording.trades[0];
  assert.equal(first.venue, "binance-futures");
  assert.equal(first.price, "61000.1");
  assert.equal(first.timeUs, (1_765_000_000_000 + 1) * 1000, "exchange time T in microseconds");
  assert.ok(first.receivedAtUs > Date.now() * 1000 - 60_000_000, "receipt time is now");
  const health = feed.health();
  assert.equal(health.simulated, false);
  assert.equal(health.connected, true);
  assert.deepEqual(health.instruments.map((instrument) => instrument.state), ["live", "live"]);
  assert.equal(health.instruments[0].lastTradeId, 50);
  assert.equal(health.instruments[0].tradesReceived, 50);
  await harness.close();
  assert.equal(feed.health().instruments[0].state, "stopped");
});

Deno.test("a feed on the old unrouted futures path is acknowledged but receives nothing, and says so", async () => {
  // The spot adapter asks for /stream?streams=..., exactly the pre-2026 futures URL.
  const harness = await startHarness({ feedMarket: "spot", feed: { watchdogMs: 300 } });
  const { standin, recording, feed } = harness;
  standin.publish(twoSymbolEvents(20));
  await waitFor(() => feed.health().reconnects >= 1, "the watchdog to replace the silent socket");
  assert.equal(recording.trades.length, 0);
  assert.equal(standin.connections[0].path, "/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade");
  assert.ok(
    standin.connections.every((connection) =>
      !connection.routed && connection.tradeMessagesSent === 0
    ),
  );
  const health = feed.health();
  assert.notEqual(health.instruments[0].state, "live");
  assert.match(health.lastError ?? "", /no trade for 0\.3 s on .*\/stream\?streams=.*wrong route/);
  await harness.close();
});

Deno.test("drops every 300 messages, duplicates and reordering: every id arrives exactly once, in order", async () => {
  const harness = await startHarness({
    standin: { faults: { dropEvery: 300, duplicateEvery: 7, reorderWindow: 5 } },
    feed: { lastStoredTrade: historyBeforeFirstId },
  });
  const { standin, recording, feed } = harness;
  await standin.replay(twoSymbolEvents(1500).map((event) => JSON.stringify(event)), {
    messagesPerSecond: 6000,
  });
  await waitFor(
    () => recording.countOf("BTCUSDT") === 1500 && recording.countOf("ETHUSDT") === 1500,
    "all 3000 trades",
  );
  await wait(100);
  assert.deepEqual(recording.idsOf("BTCUSDT"), range(1, 1500));
  assert.deepEqual(recording.idsOf("ETHUSDT"), range(1, 1500));
  const health = feed.health();
  assert.ok(health.reconnects >= 3, `reconnects ${health.reconnects}`);
  const [btc, eth] = health.instruments;
  assert.ok(btc.backfilled + eth.backfilled > 0, "ids missed while disconnected came from REST");
  assert.ok(btc.duplicatesDropped + eth.duplicatesDropped > 0, "duplicates were seen and dropped");
  assert.equal(btc.reconnects, health.reconnects);
  assert.deepEqual(feed.gaps(), []);
  assert.ok(
    standin.requests.some((request) =>
      request.path.startsWith("/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=")
    ),
  );
  await harness.close();
});

Deno.test("the watchdog replaces a socket that stays open but silent, and trades flow again", async () => {
  const harness = await startHarness({
    standin: { faults: { silent: true } },
    feed: { watchdogMs: 200 },
  });
  const { standin, recording, feed } = harness;
  await waitFor(() => standin.connections.length >= 3, "two replacements");
  assert.match(feed.health().lastError ?? "", /no trade for 0\.2 s/);
  standin.setFaults({});
  await waitFor(() => feed.health().connected, "a fresh connection");
  await wait(50);
  standin.publish(twoSymbolEvents(5));
  await waitFor(() => recording.trades.length === 10, "trades after the silence");
  assert.equal(feed.health().instruments[0].state, "live");
  await harness.close();
});

Deno.test("startup backfill waits out a 429 for its Retry-After, then fetches the history", async () => {
  const harness = await startHarness({
    before(standin) {
      standin.publish(twoSymbolEvents(50), { live: false });
      standin.failNextRest(1, 429, 1);
    },
    feed: {
      symbols: ["BTCUSDT"],
      lastStoredTrade: () => Promise.resolve({ tradeId: 10, timeUs: 1_765_000_000_010_000 }),
    },
  });
  const { standin, recording, feed } = harness;
  await waitFor(() => recording.trades.length === 40, "ids 11..50");
  assert.deepEqual(recording.idsOf("BTCUSDT"), range(11, 50));
  const rest = standin.requests.filter((request) => !request.websocket);
  assert.equal(rest[0].status, 429);
  const afterLimit = rest.slice(1);
  assert.ok(afterLimit.every((request) => request.status === 200));
  assert.ok(
    afterLimit[0].atMs - rest[0].atMs >= 950,
    `next request ${afterLimit[0].atMs - rest[0].atMs} ms after the 429`,
  );
  assert.equal(feed.health().instruments[0].backfilled, 40);
  assert.ok(
    harness.logs.some((line) => /HTTP 429: Binance rate limit reached; waiting 1 s/.test(line)),
  );
  await harness.close();
});

Deno.test("a short 418 ban is waited out before REST is asked again", async () => {
  const harness = await startHarness({
    before(standin) {
      standin.publish(twoSymbolEvents(20), { live: false });
      standin.failNextRest(1, 418, 1);
    },
    feed: { symbols: ["BTCUSDT"], lastStoredTrade: historyBeforeFirstId },
  });
  const { standin, recording, feed } = harness;
  await waitFor(() => recording.trades.length === 20, "the history after the ban");
  const rest = standin.requests.filter((request) => !request.websocket);
  assert.equal(rest[0].status, 418);
  assert.ok(rest[1].atMs - rest[0].atMs >= 950, "no request during the ban");
  assert.match(feed.health().lastError ?? "", /HTTP 418: Binance has banned this IP for 1 s/);
  await harness.close();
});

Deno.test("a 418 ban longer than the feed will wait turns the hole into a reported gap; later trades still flow", async () => {
  const harness = await startHarness({
    before(standin) {
      standin.publish(twoSymbolEvents(30), { live: false });
      standin.failNextRest(1, 418, 600);
    },
    feed: {
      symbols: ["BTCUSDT"],
      lastStoredTrade: historyBeforeFirstId,
      rest: { maxWaitMs: 2000 },
    },
  });
  const { standin, recording, feed } = harness;
  await waitFor(() => standin.requests.some((request) => request.status === 418), "the ban");
  standin.publish(twoSymbolEvents(5, 31));
  await waitFor(() => recording.trades.length === 5, "the live trades after the gap");
  assert.deepEqual(recording.idsOf("BTCUSDT"), range(31, 35));
  const gaps = feed.gaps();
  assert.deepEqual(gaps.map((gap) => [gap.symbol, gap.fromId, gap.toId]), [["BTCUSDT", 1, 30]]);
  assert.match(gaps[0].reason, /HTTP 418: Binance has banned this IP for 600 s/);
  const restRequests = standin.requests.filter((request) => !request.websocket);
  assert.equal(restRequests.length, 1, "nothing was sent to Binance during the ban");
  await harness.close();
});

Deno.test("ids older than the REST window become a DataGap with times and a reason; nothing is invented", async () => {
  const harness = await startHarness({
    standin: { restWindow: 200 },
    before(standin) {
      standin.publish(range(1, 1000).map((id) => aggTradeEvent("BTCUSDT", id)), { live: false });
    },
    feed: {
      lastStoredTrade: (symbol) =>
        Promise.resolve(
          symbol === "BTCUSDT" ? { tradeId: 100, timeUs: (1_765_000_000_000 + 100) * 1000 } : null,
        ),
    },
  });
  const { recording, feed } = harness;
  await waitFor(() => recording.trades.length === 200, "the 200 ids REST still has");
  assert.deepEqual(recording.idsOf("BTCUSDT"), range(801, 1000));
  const [gap] = feed.gaps();
  assert.deepEqual(
    { ...gap, detectedAtUs: 0 },
    {
      venue: "binance-futures",
      symbol: "BTCUSDT",
      fromId: 101,
      toId: 800,
      fromTimeUs: (1_765_000_000_000 + 100) * 1000,
      toTimeUs: (1_765_000_000_000 + 801) * 1000,
      reason: "older than Binance's REST history, which starts at id 801",
      detectedAtUs: 0,
    },
  );
  assert.equal(feed.health().instruments[0].gaps, 1);
  await harness.close();
});

Deno.test("a hole found in the live stream is filled from REST where it can be and reported where not", async () => {
  const harness = await startHarness({
    standin: { restWindow: 100 },
    feed: { lastStoredTrade: historyBeforeFirstId },
  });
  const { standin, recording, feed } = harness;
  standin.publish(range(1, 10).map((id) => aggTradeEvent("BTCUSDT", id)));
  await waitFor(() => recording.trades.length === 10, "the first ten");
  // Ids 11..500 happen while this client hears nothing; REST keeps only the newest 100 by then.
  standin.publish(range(11, 500).map((id) => aggTradeEvent("BTCUSDT", id)), { live: false });
  standin.publish(range(501, 510).map((id) => aggTradeEvent("BTCUSDT", id)));
  await waitFor(() => recording.trades.length === 110, "the recoverable ids and the live ones");
  assert.deepEqual(recording.idsOf("BTCUSDT"), [...range(1, 10), ...range(411, 510)]);
  assert.deepEqual(feed.gaps().map((gap) => [gap.fromId, gap.toId]), [[11, 410]]);
  assert.equal(feed.health().instruments[0].backfilled, 90);
  await harness.close();
});

const recordedSessions: { file: string; market: BinanceMarket; trades: number }[] = [
  { file: "spot-btcusdt-ethusdt-2024-08-08.ndjson.gz", market: "spot", trades: 34_419 },
  { file: "usdm-btcusdt-ethusdt-2024-07-18.ndjson.gz", market: "futures", trades: 24_356 },
  { file: "usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz", market: "futures", trades: 35_389 },
];

for (const session of recordedSessions) {
  Deno.test(`replaying ${session.file} live delivers each of its ${session.trades} trades once`, async () => {
    const lines = await readNdjsonLines(`../shared/data/binance-ws/${session.file}`);
    const harness = await startHarness({ market: session.market, feed: { stream: "trade" } });
    const { standin, recording, feed } = harness;
    await standin.replay(lines);
    await waitFor(
      () => recording.trades.length >= session.trades,
      `${session.trades} trades`,
      20_000,
    );
    await wait(100);
    assert.equal(recording.trades.length, session.trades);
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      const ids = recording.idsOf(symbol);
      assert.deepEqual(
        ids,
        range(ids[0], ids[0] + ids.length - 1),
        `${symbol} ids contiguous and unique`,
      );
    }
    const expectedPath = session.market === "futures"
      ? "/market/stream?streams=btcusdt@trade/ethusdt@trade"
      : "/stream?streams=btcusdt@trade/ethusdt@trade";
    assert.equal(standin.connections[0].path, expectedPath);
    const health = feed.health();
    assert.equal(health.reconnects, 0);
    assert.deepEqual(feed.gaps(), []);
    await harness.close();
  });
}

Deno.test("a full sink pauses delivery; afterwards what overflowed is backfilled and every id arrives once", async () => {
  const harness = await startHarness({
    sink: { fullAt: 100, roomAfterMs: 400 },
    feed: { lastStoredTrade: historyBeforeFirstId, maxHeldPerSymbol: 50 },
  });
  const { standin, recording, feed } = harness;
  const replay = standin.replay(twoSymbolEvents(500).map((event) => JSON.stringify(event)), {
    messagesPerSecond: 4000,
  });
  await waitFor(() => feed.health().paused === true, "the pause");
  const deliveredWhilePaused = recording.trades.length;
  await wait(150);
  assert.equal(
    recording.trades.length,
    deliveredWhilePaused,
    "nothing is delivered while the sink is full",
  );
  await replay;
  await waitFor(() => recording.trades.length === 1000, "all trades after the pause");
  assert.deepEqual(recording.idsOf("BTCUSDT"), range(1, 500));
  assert.deepEqual(recording.idsOf("ETHUSDT"), range(1, 500));
  const health = feed.health();
  assert.equal(health.paused, false);
  assert.ok(
    health.instruments[0].backfilled + health.instruments[1].backfilled > 0,
    "overflow came from REST",
  );
  assert.deepEqual(feed.gaps(), []);
  await harness.close();
});

Deno.test("connections are replaced before their age limit with an overlap, losing nothing", async () => {
  const harness = await startHarness({
    feed: { lastStoredTrade: historyBeforeFirstId, maxConnectionAgeMs: 250 },
  });
  const { standin, recording, feed } = harness;
  await standin.replay(twoSymbolEvents(1000).map((event) => JSON.stringify(event)), {
    messagesPerSecond: 2000,
  });
  await waitFor(() => recording.trades.length === 2000, "all trades");
  assert.ok(standin.connections.length >= 4, `connections ${standin.connections.length}`);
  for (let index = 1; index < standin.connections.length; index++) {
    const previous = standin.connections[index - 1];
    const next = standin.connections[index];
    assert.ok(
      previous.closedAtMs === null || previous.closedAtMs >= next.openedAtMs,
      "the new socket opened before the old closed",
    );
  }
  assert.deepEqual(recording.idsOf("BTCUSDT"), range(1, 1000));
  assert.equal(feed.health().reconnects, 0, "planned replacements are no failures");
  assert.deepEqual(feed.gaps(), []);
  await harness.close();
});

Deno.test("a region refused with 451 reads 'down' with the reason in plain words, and the feed keeps retrying", async () => {
  const harness = await startHarness({
    standin: { faults: { refuseWebSocketStatus: 451, refuseRestStatus: 451 } },
    feed: { downAfterFailures: 2, lastStoredTrade: historyBeforeFirstId },
    waitForConnection: false,
  });
  const { standin, feed } = harness;
  await waitFor(
    () => standin.requests.filter((request) => request.websocket).length >= 3,
    "three attempts",
  );
  const health = feed.health();
  assert.equal(health.connected, false);
  assert.equal(health.instruments[0].state, "down");
  assert.match(health.lastError ?? "", /HTTP 451: Binance refuses/);
  assert.ok(
    harness.logs.some((line) =>
      /HTTP 451: Binance refuses service to this region: Service unavailable from a restricted location/
        .test(line)
    ),
  );
  assert.ok(
    harness.logs.some((line) =>
      /HTTP 451: Binance refuses connections from this region .* reconnecting in/.test(line)
    ),
  );
  await harness.close();
});

Deno.test('zero-price "X":"NA" records are rejected and counted; corrupted messages are recovered from REST', async () => {
  const tradeEvent = (id: number) => ({
    e: "trade",
    E: 1_765_000_000_000 + id,
    T: 1_765_000_000_000 + id,
    s: "BTCUSDT",
    t: id,
    p: id % 25 === 0 ? "0" : "86000.10",
    q: id % 25 === 0 ? "0" : "0.002",
    X: id % 25 === 0 ? "NA" : "MARKET",
    m: id % 2 === 0,
  });
  const harness = await startHarness({
    standin: { faults: { corruptEvery: 40 } },
    feed: { stream: "trade", lastStoredTrade: historyBeforeFirstId },
  });
  const { standin, recording, feed } = harness;
  standin.publish(range(1, 300).map(tradeEvent));
  const expected = range(1, 300).filter((id) => id % 25 !== 0);
  await waitFor(() => recording.trades.length === expected.length, "every real trade");
  assert.deepEqual(recording.idsOf("BTCUSDT"), expected);
  const health = feed.health();
  assert.equal(health.instruments[0].rejected, 12);
  // Every 40th message is corrupted: ids 40, 80, ..., 280; id 200 is also an NA record.
  assert.equal(health.unparsedMessages, 7);
  assert.ok(
    health.instruments[0].backfilled >= 6,
    `backfilled ${health.instruments[0].backfilled}`,
  );
  assert.ok(
    standin.requests.some((request) =>
      request.path.startsWith("/fapi/v1/historicalTrades?symbol=BTCUSDT")
    ),
  );
  assert.deepEqual(feed.gaps(), []);
  await harness.close();
});

Deno.test("more than 200 symbols are split over connections of at most 200 streams", async () => {
  const standin = startBinanceStandin();
  const symbols = range(1, 201).map((index) => `COIN${index}USDT`);
  const feed = createBinanceFeed("futures", {
    symbols,
    sink: createRecordingSink().sink,
    wsBaseUrl: standin.wsBaseUrl,
    restBaseUrl: standin.restBaseUrl,
    log: () => {},
  });
  await feed.start();
  await waitFor(() => standin.connections.length === 2, "two connections");
  const sizes = standin.connections.map((connection) => connection.streams.size).sort((a, b) =>
    b - a
  );
  assert.deepEqual(sizes, [200, 1]);
  assert.equal(feed.health().connections, 2);
  await feed.stop();
  await standin.close();
});

Deno.test("the feed answers the server's pings, so a pinging server keeps the connection open", async () => {
  // The stand-in closes a client that leaves a ping unanswered for 0.15 s (see binance_standin_test.ts).
  const harness = await startHarness({ standin: { pingIntervalSeconds: 0.3 } });
  const { standin, feed } = harness;
  await wait(1500);
  assert.equal(standin.connections.length, 1);
  assert.equal(standin.connections[0].closedAtMs, null);
  assert.equal(feed.health().reconnects, 0);
  await harness.close();
});

Deno.test("a spot serverShutdown notice starts an overlapping replacement before the server closes", async () => {
  const harness = await startHarness({ market: "spot", feed: { symbols: ["BTCUSDT"] } });
  const { standin, recording, feed } = harness;
  standin.publish([aggTradeEvent("BTCUSDT", 1)]);
  await waitFor(() => recording.trades.length === 1, "the first trade");
  standin.publish([{
    stream: "btcusdt@aggTrade",
    data: { e: "serverShutdown", E: 1_765_000_000_000 },
  }]);
  await waitFor(() => standin.connections.length === 2, "the replacement socket");
  await wait(50);
  standin.publish([aggTradeEvent("BTCUSDT", 2)]);
  await waitFor(() => standin.connections[0].closedAtMs !== null, "the old socket to close");
  assert.deepEqual(recording.idsOf("BTCUSDT"), [1, 2]);
  assert.equal(feed.health().reconnects, 0);
  await harness.close();
});

Deno.test("a sink that throws is reported in health instead of crashing the feed", async () => {
  const standin = startBinanceStandin();
  const logs: string[] = [];
  const feed = createBinanceFeed("futures", {
    symbols: ["BTCUSDT"],
    sink: {
      push() {
        throw new Error("The ingest queue is closed; no more trades can be accepted");
      },
      ready: () => Promise.resolve(),
    },
    wsBaseUrl: standin.wsBaseUrl,
    restBaseUrl: standin.restBaseUrl,
    log: (line) => logs.push(line),
  });
  await feed.start();
  await waitFor(() => feed.health().connected, "the connection");
  standin.publish([aggTradeEvent("BTCUSDT", 1)]);
  await waitFor(() => feed.health().lastError !== null, "the error");
  assert.match(
    feed.health().lastError ?? "",
    /the sink refused 1 trades: The ingest queue is closed/,
  );
  await feed.stop();
  await standin.close();
});
