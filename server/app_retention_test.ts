import assert from "node:assert/strict";
import type { Trade } from "./domain.ts";
import { createApp } from "./app.ts";

const DAY_MS = 86_400_000;

function tradesAt(startMs: number, firstId: number, count: number): Trade[] {
  return Array.from({ length: count }, (_, i) => ({
    venue: "binance-futures",
    symbol: "ETHUSDT",
    tradeId: firstId + i,
    price: `${3000 + i}.25`,
    qty: "0.5",
    timeUs: (startMs + i * 1_500) * 1000,
    receivedAtUs: (startMs + i * 1_500) * 1000 + 700,
    buyerMaker: false,
  }));
}

Deno.test({
  name: "a running server removes trades older than TRADES_RETENTION and keeps their bars",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const app = await createApp({
      databaseUrl: "memory://",
      defaultVenue: "binance-futures",
      log: () => {},
      retention: { retentionSeconds: 2 * 86_400, compressAfterSeconds: null, intervalMs: 200 },
    });
    try {
      const old = tradesAt(Date.now() - 3 * DAY_MS, 1, 40);
      const recent = tradesAt(Date.now() - 60_000, 100, 3);
      await app.store.insertTrades([...old, ...recent]);
      const query = { venue: "binance-futures", symbol: "ETHUSDT", timeframe: "1m" } as const;
      const barsBefore = await app.store.bars(query);

      const deadline = Date.now() + 30_000;
      let retention: { deleted?: number; lastError?: string | null } = {};
      while (retention.deleted !== old.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        retention = ((await app.health()) as { retention?: typeof retention }).retention ?? {};
      }
      assert.equal(retention.deleted, old.length, `health reports ${JSON.stringify(retention)}`);
      assert.equal(retention.lastError, null);

      const [instrument] = await app.store.instruments();
      assert.equal(instrument.tradeCount, recent.length);
      assert.equal(instrument.firstTradeUs, recent[0].timeUs);
      assert.deepEqual(await app.store.bars(query), barsBefore, "the bars are all still there");
    } finally {
      await app.close();
    }
  },
});
