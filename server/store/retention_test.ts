import assert from "node:assert/strict";
import type postgres from "postgres";
import type { Bar, Trade } from "../domain.ts";
import { databaseTest } from "../testing/databases.ts";
import { createTradeStore, type TradeStore } from "./trade_store.ts";
import { createTradeRetention } from "./retention.ts";

const HOUR = 3600;
const DAY = 24 * HOUR;
const MINUTE_US = 60_000_000;

/** `count` trades one every 17 s from `startUs` (several 1s, 1m and 5m buckets), ids from `firstId`. */
function trades(startUs: number, firstId: number, count: number): Trade[] {
  return Array.from({ length: count }, (_, i) => ({
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId: firstId + i,
    price: `${60000 + ((i * 37) % 11)}.5`,
    qty: `0.${i + 1}`,
    timeUs: startUs + i * 17_000_000,
    receivedAtUs: startUs + i * 17_000_000 + 2_000,
    buyerMaker: i % 2 === 0,
  }));
}

/** A whole minute `secondsAgo` before now, in microseconds. */
function minuteAgo(secondsAgo: number): number {
  return Math.floor((Date.now() - secondsAgo * 1000) * 1000 / MINUTE_US) * MINUTE_US;
}

async function allBars(store: TradeStore): Promise<Record<string, Bar[]>> {
  const bars: Record<string, Bar[]> = {};
  for (const timeframe of ["1s", "1m", "5m"] as const) {
    bars[timeframe] = await store.bars({ venue: "binance-futures", symbol: "BTCUSDT", timeframe });
  }
  return bars;
}

async function tradeTimes(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ t: string }[]>`
    select (extract(epoch from time) * 1e6)::bigint::text as t from trades order by time`;
  return rows.map((row) => Number(row.t));
}

databaseTest(
  "trades older than the retention are deleted in batches; newer trades and every bar stay",
  async (db) => {
    const store = createTradeStore(db.sql, { continuousAggregates: false });
    const old = trades(minuteAgo(3 * DAY), 1, 25);
    const recent = trades(minuteAgo(10 * 60), 100, 5);
    await store.insertTrades([...old, ...recent]);
    const before = await allBars(store);
    assert.ok(before["1s"].length === 30 && before["5m"].length >= 3);

    const retention = createTradeRetention(db.sql, {
      timescale: false,
      retentionSeconds: 2 * DAY,
      compressAfterSeconds: null,
      batchSize: 10,
    });
    await retention.apply();
    assert.deepEqual(await retention.enforce(), { deleted: 25 });

    assert.deepEqual(await tradeTimes(db.sql), recent.map((t) => t.timeUs));
    assert.deepEqual(await allBars(store), before, "bars of deleted trades are kept");
    const [instrument] = await store.instruments();
    assert.equal(instrument.tradeCount, 5);
    assert.equal(instrument.firstTradeUs, recent[0].timeUs);
    assert.deepEqual(await retention.enforce(), { deleted: 0 }, "a second run finds nothing");
    assert.equal(retention.stats().deleted, 25);
    assert.equal(retention.stats().mode, "delete");
  },
  { only: ["pglite", "postgres"] },
);

databaseTest(
  "trades deleted by retention are not stored again: a re-import leaves their bars as they were",
  async (db) => {
    const store = createTradeStore(db.sql, { continuousAggregates: false });
    const old = trades(minuteAgo(3 * DAY), 1, 25);
    await store.insertTrades(old);
    const before = await allBars(store);
    const retention = createTradeRetention(db.sql, {
      timescale: false,
      retentionSeconds: 2 * DAY,
      compressAfterSeconds: null,
    });
    assert.deepEqual(await retention.enforce(), { deleted: 25 });

    // The same recorded trades imported again, and one more just as old: their bars are final.
    const again = await store.insertTrades([...old, ...trades(minuteAgo(3 * DAY) + 5e6, 500, 1)]);
    assert.deepEqual(again, [], "nothing below the horizon is stored");
    assert.deepEqual(await allBars(store), before, "bars count each deleted trade once");
    assert.deepEqual(await tradeTimes(db.sql), []);

    // Newer than the horizon, trades are stored and folded as always.
    const recent = trades(minuteAgo(10 * 60), 100, 3);
    assert.equal((await store.insertTrades(recent)).length, 3);
    assert.equal((await store.instruments())[0].tradeCount, 3);
  },
  { only: ["pglite", "postgres"] },
);

/** Runs a TimescaleDB job now. On PostgreSQL 15.20 every job ends with "cannot drop portal" after
 * doing its work (DATABASE.md), so the tests check the job's effect, not its status. */
async function runJob(sql: postgres.Sql, id: number): Promise<void> {
  try {
    await sql`call run_job(${id})`;
  } catch (error) {
    if (!/cannot drop portal/.test((error as Error).message)) throw error;
  }
}

async function jobs(sql: postgres.Sql, proc: string) {
  const rows = await sql<{ id: number; config: Record<string, unknown> }[]>`
    select job_id as id, config from timescaledb_information.jobs
    where proc_name = ${proc} order by job_id`;
  return rows.map((row) => ({ id: row.id, config: row.config }));
}

databaseTest(
  "bars of dropped chunks survive the retention policy, the refresh policies and every refresh",
  async (db) => {
    const store = createTradeStore(db.sql, { continuousAggregates: true });
    // The test runs the policies itself, when it wants (a scheduled run would collide with them).
    for (const policy of await jobs(db.sql, "policy_refresh_continuous_aggregate")) {
      await db.sql`select alter_job(${policy.id}, scheduled => false)`;
    }
    const old = trades(minuteAgo(6 * DAY), 1, 25);
    const compressed = trades(minuteAgo(50 * HOUR), 100, 10);
    const recent = trades(minuteAgo(10 * 60), 200, 5);
    await store.insertTrades([...old, ...compressed, ...recent]);
    await store.refreshBars(null);
    const before = await allBars(store);
    assert.equal(before["1s"].length, 40);

    const retention = createTradeRetention(db.sql, {
      timescale: true,
      retentionSeconds: 3 * DAY,
      compressAfterSeconds: DAY,
    });
    await retention.apply();
    const [dropper] = await jobs(db.sql, "policy_retention");
    const [compressor] = await jobs(db.sql, "policy_compression");
    for (const job of [dropper, compressor]) {
      await db.sql`select alter_job(${job.id}, scheduled => false)`;
    }
    await runJob(db.sql, dropper.id);
    await runJob(db.sql, compressor.id);
    assert.deepEqual(
      await tradeTimes(db.sql),
      [...compressed, ...recent].map((t) => t.timeUs),
      "the chunk of the old trades is dropped",
    );
    const [{ n: compressedChunks }] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from timescaledb_information.chunks
      where hypertable_name = 'trades' and is_compressed`;
    assert.equal(compressedChunks, 1, "the chunk older than a day is compressed");

    // Everything that could refresh the dropped range: the policies, the app's refresh of a range a
    // backfill touched, a full refresh (after `deno task import`), and a trade imported into it.
    for (const policy of await jobs(db.sql, "policy_refresh_continuous_aggregate")) {
      await runJob(db.sql, policy.id);
    }
    await store.refreshBars({ fromUs: old[0].timeUs, toUs: recent[4].timeUs });
    await store.refreshBars(null);
    const late = trades(old[3].timeUs + 1000, 1000, 1);
    assert.equal((await store.insertTrades(late)).length, 1);
    await store.refreshBars({ fromUs: late[0].timeUs, toUs: late[0].timeUs });
    await retention.enforce();
    for (const policy of await jobs(db.sql, "policy_refresh_continuous_aggregate")) {
      await runJob(db.sql, policy.id);
    }

    assert.deepEqual(await allBars(store), before, "every bar is still there, unchanged");
    const kept: Trade[] = [];
    for await (
      const page of store.trades({ venue: "binance-futures", symbol: "BTCUSDT", fromUs: 0 })
    ) kept.push(...page);
    assert.deepEqual(
      kept.map((t) => t.tradeId),
      [1000, ...compressed.map((t) => t.tradeId), ...recent.map((t) => t.tradeId)],
      "compressed trades read back in order",
    );
    const [instrument] = await store.instruments();
    assert.equal(instrument.tradeCount, 16, "the count follows the dropped chunk");

    // The guard is what keeps them: the same refresh without it deletes the old 1s bars.
    await db.sql`call refresh_continuous_aggregate('bars_1s',
      ${new Date(old[0].timeUs / 1000)}::timestamptz, ${new Date(
      old[24].timeUs / 1000 + 1000,
    )}::timestamptz)`;
    const [{ n: oldSeconds }] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from bars_1s where bucket < ${new Date(
      compressed[0].timeUs / 1000,
    )}`;
    assert.equal(oldSeconds, 1, "a refresh over dropped trades leaves only the late trade's bar");
  },
  { only: ["timescaledb"] },
);

databaseTest(
  "policies follow the configuration at every start: kept, replaced, removed; unsafe retention refused",
  async (db) => {
    const start = (retentionSeconds: number | null, compressAfterSeconds: number | null) =>
      createTradeRetention(db.sql, { timescale: true, retentionSeconds, compressAfterSeconds })
        .apply();
    await start(30 * DAY, 7 * DAY);
    const [retentionJob] = await jobs(db.sql, "policy_retention");
    const [compressionJob] = await jobs(db.sql, "policy_compression");
    assert.equal(retentionJob.config.drop_after, "30 days");
    assert.equal(compressionJob.config.compress_after, "7 days");

    await Promise.all([start(30 * DAY, 7 * DAY), start(30 * DAY, 7 * DAY)]);
    assert.deepEqual(await jobs(db.sql, "policy_retention"), [retentionJob], "unchanged: kept");
    assert.deepEqual(await jobs(db.sql, "policy_compression"), [compressionJob]);

    await start(2 * DAY, 12 * HOUR);
    const [replaced] = await jobs(db.sql, "policy_retention");
    assert.equal(replaced.config.drop_after, "2 days");
    assert.equal((await jobs(db.sql, "policy_compression"))[0].config.compress_after, "12:00:00");

    await start(null, null);
    assert.deepEqual(await jobs(db.sql, "policy_retention"), []);
    assert.deepEqual(await jobs(db.sql, "policy_compression"), []);
    // The 2-day policy may have dropped chunks: refreshes stay above its horizon for good.
    const [{ floorAgeHours }] = await db.sql<{ floorAgeHours: number }[]>`
      select extract(epoch from now() - floor)::float8 / 3600 as "floorAgeHours"
      from trades_refresh_floor`;
    assert.ok(Math.abs(floorAgeHours - 47) < 0.1, `floor ${floorAgeHours} hours ago`);

    await assert.rejects(
      start(12 * HOUR, null),
      /TRADES_RETENTION=12 hours is too short: the refresh policy of bars_5m recomputes the last 1 day.*at least 1 day 1 hour/,
    );
    assert.deepEqual(await jobs(db.sql, "policy_retention"), [], "nothing set after a refusal");
  },
  { only: ["timescaledb"] },
);
