import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import type { TradeSink } from "./feed.ts";
import { createSimFeed } from "./sim.ts";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function collectingSink(): { sink: TradeSink; trades: Trade[] } {
  const trades: Trade[] = [];
  return {
    trades,
    sink: { push: (batch) => (trades.push(...batch), true), ready: () => Promise.resolve() },
  };
}

Deno.test("the simulator is labelled simulated under venue sim and streams both symbols in real time", async () => {
  const { sink, trades } = collectingSink();
  const feed = createSimFeed({
    symbols: ["ethusdt", "SOLUSDT"],
    sink,
    ratePerSecond: 50,
    tickMs: 20,
  });
  await feed.start();
  await wait(600);
  const health = feed.health();
  await feed.stop();
  assert.equal(feed.venue, "sim");
  assert.equal(health.simulated, true);
  assert.equal(health.venue, "sim");
  assert.equal(health.url, null);
  assert.deepEqual(health.instruments.map((instrument) => [instrument.symbol, instrument.state]), [
    ["ETHUSDT", "live"],
    ["SOLUSDT", "live"],
  ]);
  assert.equal(feed.health().instruments[0].state, "stopped");
  // 50 per second per symbol for about 0.6 s: some tens of each.
  for (const symbol of ["ETHUSDT", "SOLUSDT"]) {
    const count = trades.filter((trade) => trade.symbol === symbol).length;
    assert.ok(count > 5 && count < 80, `${symbol}: ${count}`);
  }
  const nowUs = Date.now() * 1000;
  for (const trade of trades) {
    assert.equal(trade.venue, "sim");
    assert.ok(Math.abs(trade.timeUs - nowUs) < 5_000_000, "trade times are real time");
    assert.ok(trade.receivedAtUs >= trade.timeUs);
  }
});

Deno.test("simulated ids continue after the stored history of each symbol", async () => {
  const { sink, trades } = collectingSink();
  const stored: Record<string, number> = { AAAUSDT: 500, BBBUSDT: 9 };
  const feed = createSimFeed({
    symbols: ["AAAUSDT", "BBBUSDT"],
    sink,
    ratePerSecond: 100,
    tickMs: 10,
    lastStoredTrade: (symbol) => Promise.resolve({ tradeId: stored[symbol], timeUs: 0 }),
  });
  await feed.start();
  await wait(300);
  await feed.stop();
  for (const [symbol, lastId] of Object.entries(stored)) {
    const ids = trades.filter((trade) => trade.symbol === symbol).map((trade) => trade.tradeId);
    assert.ok(ids.length > 0);
    assert.deepEqual(ids, ids.map((_, index) => lastId + 1 + index));
  }
});

Deno.test("two simulators with the same seed and clock produce the same trades", async () => {
  let clockUs = 1_800_000_000_000_000;
  const nowUs = () => clockUs;
  const first = collectingSink();
  const second = collectingSink();
  const feeds = [first, second].map(({ sink }) =>
    createSimFeed({ symbols: ["XUSDT", "YUSDT"], sink, seed: 7, tickMs: 5, nowUs })
  );
  await Promise.all(feeds.map((feed) => feed.start()));
  for (let step = 0; step < 20; step++) {
    clockUs += 1_000_000;
    await wait(20);
  }
  await Promise.all(feeds.map((feed) => feed.stop()));
  const withoutReceipt = (trades: Trade[]) => trades.map(({ receivedAtUs: _, ...rest }) => rest);
  assert.ok(first.trades.length > 200, `${first.trades.length} trades in 20 simulated seconds`);
  assert.deepEqual(withoutReceipt(first.trades), withoutReceipt(second.trades));
});

Deno.test("a full sink pauses the simulator until it has room; nothing is skipped", async () => {
  const trades: Trade[] = [];
  let room: () => void = () => {};
  let full = true;
  const sink: TradeSink = {
    push(batch) {
      trades.push(...batch);
      return !full;
    },
    ready: () => new Promise((resolve) => room = resolve),
  };
  const feed = createSimFeed({ symbols: ["XUSDT", "YUSDT"], sink, ratePerSecond: 200, tickMs: 10 });
  await feed.start();
  await wait(100);
  const whilePaused = trades.length;
  assert.equal(feed.health().paused, true);
  await wait(100);
  assert.equal(trades.length, whilePaused, "nothing pushed while full");
  full = false;
  room();
  await wait(100);
  await feed.stop();
  assert.ok(trades.length > whilePaused);
  const xIds = trades.filter((trade) => trade.symbol === "XUSDT").map((trade) => trade.tradeId);
  assert.deepEqual(xIds, xIds.map((_, index) => 1 + index));
});

Deno.test("the simulator needs exactly two symbols", () => {
  assert.throws(
    () => createSimFeed({ symbols: ["BTCUSDT"], sink: collectingSink().sink }),
    /exactly two symbols, got BTCUSDT/,
  );
});
