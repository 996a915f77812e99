import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import type { Feed, FeedHealth, TradeSink } from "../feed/feed.ts";
import { ingestUnit } from "./lock_keys.ts";
import { createOwnedFeed } from "./owned_feed.ts";

interface FakeFeed extends Feed {
  symbols: string[];
  sink: TradeSink;
  started: boolean;
  stopped: boolean;
}

function trade(symbol: string, tradeId: number): Trade {
  return {
    venue: "binance-futures",
    symbol,
    tradeId,
    price: "1",
    qty: "1",
    timeUs: tradeId,
    receivedAtUs: tradeId,
    buyerMaker: false,
  };
}

function setup() {
  const received: Trade[] = [];
  const sink: TradeSink = {
    push: (trades) => (received.push(...trades), true),
    ready: () => Promise.resolve(),
  };
  const feeds: FakeFeed[] = [];
  const owned = createOwnedFeed("binance-futures", sink, {
    createUnitFeed: (symbols, unitSink) => {
      const feed: FakeFeed = {
        venue: "binance-futures",
        symbols,
        sink: unitSink,
        started: false,
        stopped: false,
        start: () => (feed.started = true, Promise.resolve()),
        stop: () => (feed.stopped = true, Promise.resolve()),
        health: (): FeedHealth => ({
          venue: "binance-futures",
          simulated: false,
          url: "ws://standin",
          connected: true,
          reconnects: 1,
          lastError: null,
          instruments: symbols.map((symbol) => ({
            venue: "binance-futures",
            symbol,
            state: "live",
            lastTradeAtUs: null,
            lastTradeId: null,
            tradesReceived: 0,
            duplicatesDropped: 0,
            rejected: 0,
            backfilled: 0,
            gaps: 0,
          })),
        }),
        gaps: () => [],
      };
      feeds.push(feed);
      return feed;
    },
  });
  return { owned, feeds, received };
}

const BTC = ingestUnit("binance-futures", ["BTCUSDT"]);
const ETH = ingestUnit("binance-futures", ["ETHUSDT"]);
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("each owned instrument gets a feed of its own; health lists what this replica ingests", async () => {
  const { owned, feeds, received } = setup();
  assert.equal(owned.health().connected, true, "owning nothing, nothing is disconnected");
  owned.gain(BTC);
  owned.gain(ETH);
  await settle();
  assert.deepEqual(feeds.map((feed) => [feed.symbols, feed.started]), [
    [["BTCUSDT"], true],
    [["ETHUSDT"], true],
  ]);
  feeds[0].sink.push([trade("BTCUSDT", 1)]);
  assert.equal(received.length, 1);
  const health = owned.health();
  assert.deepEqual(health.instruments.map((i) => i.symbol), ["BTCUSDT", "ETHUSDT"]);
  assert.equal(health.reconnects, 2);
  await owned.stop();
  assert.ok(feeds.every((feed) => feed.stopped));
});

Deno.test("a lost instrument delivers nothing more at once, and is stopped; regained, a new feed backfills", async () => {
  const { owned, feeds, received } = setup();
  owned.gain(BTC);
  await settle();
  const first = feeds[0];
  owned.lose(BTC);
  // The feed may still hand over what it received before it stops: not ingested here.
  assert.equal(first.sink.push([trade("BTCUSDT", 1), trade("BTCUSDT", 2)]), true);
  assert.equal(received.length, 0);
  assert.equal(owned.droppedAfterLoss(), 2);
  await settle();
  assert.equal(first.stopped, true);
  assert.deepEqual(owned.health().instruments, []);
  owned.gain(BTC);
  await settle();
  assert.equal(feeds.length, 2);
  assert.equal(feeds[1].started, true);
  feeds[1].sink.push([trade("BTCUSDT", 3)]);
  assert.deepEqual(received.map((t) => t.tradeId), [3]);
  await owned.stop();
});
