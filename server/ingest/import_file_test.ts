import assert from "node:assert/strict";
import { TIMEFRAMES } from "../domain.ts";
import { databaseTest } from "../testing/databases.ts";
import { RECORDED_FILES, recordedTrades } from "../testing/recorded_trades.ts";
import { referenceBars } from "../testing/reference_bars.ts";
import { createTradeStore } from "../store/trade_store.ts";
import { importFile } from "./import_file.ts";

databaseTest(
  "importing a recorded file gives the bars computed independently from it",
  async (db) => {
    const store = createTradeStore(db.sql, { continuousAggregates: db.migration.timescale });
    const report = await importFile(RECORDED_FILES.spot, store, {
      defaultVenue: "binance-futures",
    });
    assert.equal(report.format, "binance-ndjson");
    assert.equal(report.tradesRead, 34_419);
    assert.equal(report.stored, 34_419);
    assert.equal(report.rejected, 0);
    if (db.migration.timescale) {
      for (const view of ["bars_1s", "bars_1m", "bars_5m"]) {
        await db.sql`call refresh_continuous_aggregate(${view}, null, null)`;
      }
    }
    const trades = await recordedTrades(RECORDED_FILES.spot, "binance-spot");
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      const own = trades.filter((trade) => trade.symbol === symbol);
      for (const timeframe of TIMEFRAMES) {
        const stored = await store.bars({ venue: "binance-spot", symbol, timeframe });
        assert.deepEqual(stored, referenceBars(own, timeframe), `${symbol} ${timeframe}`);
      }
    }
    const again = await importFile(RECORDED_FILES.spot, store, { defaultVenue: "binance-futures" });
    assert.equal(again.stored, 0);
    assert.equal(again.duplicates, 34_419);
  },
);

databaseTest(
  "zero-price rows are rejected with their line numbers, never turned into bars",
  async (db) => {
    const store = createTradeStore(db.sql, { continuousAggregates: db.migration.timescale });
    const report = await importFile(
      "../shared/data/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz",
      store,
      { defaultVenue: "binance-futures" },
    );
    assert.equal(report.format, "generic-csv");
    assert.equal(report.tradesRead + report.rejected, 33_853);
    assert.equal(report.rejected, 192);
    assert.match(report.rejections[0], /^line \d+: price is not a positive number/);
    const [{ zero }] = await db.sql<{ zero: number }[]>`
    select count(*)::int as zero from trades where price <= 0 or qty <= 0`;
    assert.equal(zero, 0);
    const [{ low }] = await db.sql<{ low: number }[]>`select min(low)::float8 as low from bars_1m`;
    assert.ok(low > 1000, `no bar touches zero (lowest low ${low})`);
  },
);
