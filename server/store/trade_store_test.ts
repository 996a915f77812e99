import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import { databaseTest } from "../testing/databases.ts";
import { referenceBars } from "../testing/reference_bars.ts";
import { createTradeStore } from "./trade_store.ts";
import { btcTrade } from "../testing/trade_batches.ts";

const T0 = Date.UTC(2024, 7, 8, 23, 59, 58) * 1000;

function trade(tradeId: number, offsetMs: number, price: string, qty: string): Trade {
  const timeUs = T0 + offsetMs * 1000;
  return { ...btcTrade(tradeId, timeUs, price, qty), receivedAtUs: timeUs + 1300 };
}

// Ties in time (ids 1-3 share one millisecond), a bucket boundary at +2 s (a new minute), and
// quantities whose float sum would not be exact.
const TRADES = [
  trade(1, 0, "60000.10", "0.1"),
  trade(2, 0, "60000.30", "0.2"),
  trade(3, 0, "59999.90", "0.3"),
  trade(4, 999, "60001.00", "0.001"),
  trade(5, 1500, "60002.50", "1.5"),
  trade(6, 2000, "60003.00", "0.7"),
  trade(7, 2000, "60001.50", "0.01"),
  trade(8, 65000, "60010.00", "2"),
];

databaseTest(
  "stored bars equal bars computed from the trades, whatever the batch order",
  async (db) => {
    const store = createTradeStore(db.sql, { continuousAggregates: db.migration.timescale });
    // Later trades arrive first, a batch repeats itself, and an earlier trade comes last (a backfill).
    const first = await store.insertTrades([TRADES[5], TRADES[6], TRADES[7], TRADES[6]]);
    assert.deepEqual(first.map((t) => t.tradeId), [6, 7, 8]);
    const second = await store.insertTrades([
      TRADES[1],
      TRADES[2],
      TRADES[3],
      TRADES[4],
      TRADES[5],
    ]);
    assert.deepEqual(second.map((t) => t.tradeId), [2, 3, 4, 5]);
    const third = await store.insertTrades([TRADES[0], TRADES[1]]);
    assert.deepEqual(third.map((t) => t.tradeId), [1]);
    await store.refreshBars(null);

    for (const timeframe of ["1s", "1m", "5m"] as const) {
      const stored = await store.bars({ venue: "binance-futures", symbol: "BTCUSDT", timeframe });
      assert.deepEqual(stored, referenceBars(TRADES, timeframe), `bars ${timeframe}`);
    }
    const [instrument] = await store.instruments();
    assert.equal(instrument.tradeCount, 8);
    assert.equal(instrument.firstTradeUs, T0);
    assert.equal(instrument.lastTradeUs, T0 + 65_000_000);
    assert.deepEqual(await store.lastTrade("binance-futures", "BTCUSDT"), {
      tradeId: 8,
      timeUs: T0 + 65_000_000,
    });
  },
);

databaseTest("bars with a limit return the most recent ones, oldest first", async (db) => {
  const store = createTradeStore(db.sql, { continuousAggregates: db.migration.timescale });
  await store.insertTrades(TRADES);
  await store.refreshBars(null);
  const recent = await store.bars({
    venue: "binance-futures",
    symbol: "BTCUSDT",
    timeframe: "1s",
    limit: 2,
  });
  assert.deepEqual(recent.map((bar) => bar.timeUs), [T0 + 2_000_000, T0 + 65_000_000]);
  const ranged = await store.bars({
    venue: "binance-futures",
    symbol: "BTCUSDT",
    timeframe: "1s",
    fromUs: T0 + 1_000_000,
    toUs: T0 + 2_000_000,
  });
  assert.deepEqual(ranged.map((bar) => bar.timeUs), [T0 + 1_000_000]);
});

databaseTest(
  "closes are the bars' closes, imported klines filling buckets without trades",
  async (db) => {
    const store = createTradeStore(db.sql, { continuousAggregates: db.migration.timescale });
    await store.insertTrades(TRADES);
    await store.refreshBars(null);
    // One kline on a bucket that has trades (the trades win) and two on buckets without any.
    const kline = (offsetSeconds: number, close: string) => ({
      venue: "binance-futures",
      symbol: "BTCUSDT",
      timeframe: "1s",
      timeUs: T0 + offsetSeconds * 1_000_000,
      open: close,
      high: close,
      low: close,
      close,
      volume: "1",
      trades: 1,
    });
    await store.insertImportedBars([
      kline(-3, "59990.25"),
      kline(1, "1.5"),
      kline(30, "60005.125"),
    ]);
    const query = { venue: "binance-futures", symbol: "BTCUSDT", timeframe: "1s" } as const;
    const fromTrades = referenceBars(TRADES, "1s").map((bar) => ({
      timeUs: bar.timeUs,
      close: bar.close,
    }));
    const all = [
      { timeUs: T0 - 3_000_000, close: 59990.25 },
      ...fromTrades.slice(0, 3),
      { timeUs: T0 + 30_000_000, close: 60005.125 },
      fromTrades[3],
    ];
    assert.deepEqual(await store.closes(query), all);
    assert.deepEqual(await store.closes({ ...query, limit: 3 }), all.slice(-3));
    assert.deepEqual(
      await store.closes({ ...query, fromUs: T0 - 3_000_000, toUs: T0 + 2_000_000 }),
      all.slice(0, 3),
    );
    assert.deepEqual(await store.closes({ ...query, symbol: "ETHUSDT" }), []);
  },
);

databaseTest("stored trades stream back in (time, id) order, page by page", async (db) => {
  const store = createTradeStore(db.sql, { continuousAggregates: db.migration.timescale });
  await store.insertTrades([...TRADES].reverse());
  const pages: number[][] = [];
  for await (
    const page of store.trades({ venue: "binance-futures", symbol: "BTCUSDT", pageSize: 3 })
  ) pages.push(page.map((t) => t.tradeId));
  assert.deepEqual(pages, [[1, 2, 3], [4, 5, 6], [7, 8]]);
  const again = [];
  for await (const page of store.trades({ venue: "binance-futures", symbol: "BTCUSDT" })) {
    again.push(...page);
  }
  assert.deepEqual(again, TRADES);
});

databaseTest("a trade with a zero price is refused by the database itself", async (db) => {
  const store = createTradeStore(db.sql, { continuousAggregates: db.migration.timescale });
  await assert.rejects(store.insertTrades([trade(9, 0, "0", "1")]), /check constraint/);
});
