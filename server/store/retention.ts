/**
 * Keeps raw trades bounded while every bar stays.
 *
 * - TimescaleDB: chunks of `trades` older than `compressAfterSeconds` are compressed and chunks older
 *   than `retentionSeconds` are dropped, by the database's own policies. `apply()` sets, replaces or
 *   removes those policies from the configuration at every start (several servers may start at once).
 *   Bars are continuous aggregates, and dropping chunks records them as changed: any refresh over a
 *   dropped range would recompute its bars from no trades and delete them. So `apply()` refuses a
 *   retention that a refresh policy's window reaches into (plus a margin), and the trade store never
 *   refreshes below the retention horizon nor below `trades_refresh_floor`, which `enforce()` and
 *   `apply()` move forward (it outlives the policy: bars below it are final).
 * - PostgreSQL and PGlite: `enforce()` deletes trades older than the retention, in short batches per
 *   instrument (the ingest keeps writing in between); the bar tables are separate and untouched.
 *   It first records the instrument's horizon in `trades_retention_horizon`: the store refuses
 *   trades older than it, whose bars are final (storing one again would count it twice).
 *
 * Either way `instruments` (first trade time, trade count) is brought in line with what is left.
 */
import type postgres from "postgres";

/** Serialises `apply()` across processes; any constant shared by every process of the product. */
const POLICY_LOCK_KEY = 7_340_912_009;

/**
 * Room between the retention horizon and any refresh: clocks of server and database may differ, and
 * a chunk is dropped as soon as its end passes the horizon.
 */
export const REFRESH_MARGIN_SECONDS = 3600;

export interface TradeRetentionOptions {
  /** True when `trades` is a hypertable with continuous aggregates over it. */
  timescale: boolean;
  /** Raw trades older than this many seconds are removed; null keeps them forever. */
  retentionSeconds: number | null;
  /** TimescaleDB only: chunks older than this many seconds are compressed; null: never. */
  compressAfterSeconds: number | null;
  /** Trades deleted per statement on PostgreSQL/PGlite. Default 10,000. */
  batchSize?: number;
  /** Wall clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

export interface RetentionStats {
  retentionSeconds: number | null;
  compressAfterSeconds: number | null;
  /** `policy` (TimescaleDB drops chunks) or `delete` (batched deletes), null when off. */
  mode: "policy" | "delete" | null;
  /** Trades deleted by this process (PostgreSQL/PGlite). */
  deleted: number;
  lastRunAt: string | null;
  lastError: string | null;
}

export interface TradeRetention {
  /** Sets the TimescaleDB policies from the configuration; checks the retention is safe for bars. */
  apply(): Promise<void>;
  /** Deletes expired trades (PostgreSQL/PGlite) and resynchronises `instruments`. */
  enforce(): Promise<{ deleted: number }>;
  stats(): RetentionStats;
}

export function createTradeRetention(
  sql: postgres.Sql,
  options: TradeRetentionOptions,
): TradeRetention {
  const batchSize = options.batchSize ?? 10_000;
  const now = options.now ?? Date.now;
  const retention = options.retentionSeconds;
  const stats: RetentionStats = {
    retentionSeconds: retention,
    compressAfterSeconds: options.timescale ? options.compressAfterSeconds : null,
    mode: retention === null ? null : options.timescale ? "policy" : "delete",
    deleted: 0,
    lastRunAt: null,
    lastError: null,
  };

  async function apply(): Promise<void> {
    if (!options.timescale) return;
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${POLICY_LOCK_KEY})`;
      if (retention !== null) await refuseUnsafeRetention(tx, retention);
      await setPolicy(tx, "policy_compression", "compress_after", options.compressAfterSeconds);
      await setPolicy(tx, "policy_retention", "drop_after", retention);
    });
  }

  async function enforce(): Promise<{ deleted: number }> {
    if (retention === null) return { deleted: 0 };
    try {
      if (options.timescale) await raiseRefreshFloor(sql, retention);
      const deleted = options.timescale ? 0 : await deleteExpired(retention);
      await resyncInstruments(retention);
      stats.deleted += deleted;
      stats.lastRunAt = new Date(now()).toISOString();
      stats.lastError = null;
      return { deleted };
    } catch (error) {
      stats.lastError = String(error);
      throw error;
    }
  }

  async function deleteExpired(seconds: number): Promise<number> {
    const [{ cutoff }] = await sql<{ cutoff: Date }[]>`
      select now() - ${seconds}::float8 * interval '1 second' as cutoff`;
    const expired = await sql<{ venue: string; symbol: string }[]>`
      select venue, symbol from instruments where first_trade_time < ${cutoff}
      order by venue, symbol`;
    let total = 0;
    for (const { venue, symbol } of expired) {
      // First the horizon, so that a trade older than it can no longer be stored (and folded into
      // bars that already count it) while its neighbours are being deleted.
      await sql`
        insert into trades_retention_horizon as h (venue, symbol, horizon)
        values (${venue}, ${symbol}, ${cutoff})
        on conflict (venue, symbol) do update set horizon = greatest(h.horizon, excluded.horizon)`;
      for (;;) {
        // One short statement per batch: PGlite is a single session, and the ingest writes between.
        // The instrument's count drops by exactly the rows this statement removed.
        const [{ n }] = await sql<{ n: number }[]>`
          with gone as (
            delete from trades where ctid = any(array(
              select ctid from trades
              where venue = ${venue} and symbol = ${symbol} and time < ${cutoff}
              limit ${batchSize}))
            returning 1
          ), counted as (select count(*)::int as n from gone),
          recounted as (
            update instruments set trade_count = greatest(0, trade_count - counted.n)
            from counted where venue = ${venue} and symbol = ${symbol} and counted.n > 0
          )
          select n from counted`;
        total += n;
        if (n < batchSize) break;
      }
    }
    return total;
  }

  /** First trade times (and, after chunks were dropped, counts) of what is left. */
  async function resyncInstruments(seconds: number): Promise<void> {
    if (options.timescale) {
      // The policy drops whole chunks without saying how many trades went: recount an instrument
      // once its oldest kept trade is newer than the time recorded.
      await sql`
        with kept as (
          select i.venue, i.symbol,
            (select min(t.time) from trades t where t.venue = i.venue and t.symbol = i.symbol) as first
          from instruments i
          where i.first_trade_time < now() - ${seconds}::float8 * interval '1 second'
        )
        update instruments i set first_trade_time = kept.first,
          trade_count = (select count(*) from trades t
            where t.venue = i.venue and t.symbol = i.symbol)
        from kept
        where kept.venue = i.venue and kept.symbol = i.symbol
          and kept.first is distinct from i.first_trade_time`;
    } else {
      await sql`
        update instruments i set first_trade_time = (select min(t.time) from trades t
          where t.venue = i.venue and t.symbol = i.symbol)
        where i.first_trade_time < now() - ${seconds}::float8 * interval '1 second'`;
    }
  }

  return { apply, enforce, stats: () => ({ ...stats }) };
}

/**
 * A refresh policy reaching past the retention horizon would delete the bars of dropped chunks, so
 * the retention must be longer than the widest policy window plus the margin.
 */
async function refuseUnsafeRetention(tx: postgres.TransactionSql, retention: number) {
  // On continuous aggregates' policies, `hypertable_name` is the view's name.
  const policies = await tx<{ view: string; seconds: number | null }[]>`
    select hypertable_name as view,
      extract(epoch from (config->>'start_offset')::interval)::float8 as seconds
    from timescaledb_information.jobs
    where proc_name = 'policy_refresh_continuous_aggregate'
    order by hypertable_name`;
  for (const policy of policies) {
    const needed = policy.seconds === null ? null : policy.seconds + REFRESH_MARGIN_SECONDS;
    if (needed === null || retention < needed) {
      throw new RangeError(
        `TRADES_RETENTION=${describeSeconds(retention)} is too short: the refresh policy of ` +
          `${policy.view} recomputes ${
            policy.seconds === null
              ? "its whole range"
              : `the last ${describeSeconds(policy.seconds)}`
          }, and a refresh over dropped trades deletes their bars; keep raw trades at least ` +
          (needed === null ? "forever (or bound that policy)" : describeSeconds(needed)),
      );
    }
  }
}

/** Adds, replaces (when the interval changed) or removes the policy of `trades` named by `proc`. */
async function setPolicy(
  tx: postgres.TransactionSql,
  proc: "policy_compression" | "policy_retention",
  key: "compress_after" | "drop_after",
  seconds: number | null,
): Promise<void> {
  const [current] = await tx<{ seconds: number }[]>`
    select extract(epoch from (config->>${key})::interval)::float8 as seconds
    from timescaledb_information.jobs
    where proc_name = ${proc} and hypertable_name = 'trades'`;
  if (current && current.seconds === seconds) return;
  // Chunks the policy being replaced or removed may have dropped stay off limits for refreshes.
  if (proc === "policy_retention" && current) await raiseRefreshFloor(tx, current.seconds);
  if (proc === "policy_compression") {
    if (current) await tx`select remove_compression_policy('trades', if_exists => true)`;
    if (seconds !== null) {
      await tx`select add_compression_policy('trades',
        compress_after => justify_hours(${seconds}::float8 * interval '1 second'))`;
    }
  } else {
    if (current) await tx`select remove_retention_policy('trades', if_exists => true)`;
    if (seconds !== null) {
      await tx`select add_retention_policy('trades',
        drop_after => justify_hours(${seconds}::float8 * interval '1 second'))`;
    }
  }
}

/** Moves `trades_refresh_floor` up to the horizon of a retention of `seconds` (never back). */
async function raiseRefreshFloor(sql: postgres.Sql | postgres.TransactionSql, seconds: number) {
  await sql`
    insert into trades_refresh_floor as f (floor)
    values (now() - ${seconds - REFRESH_MARGIN_SECONDS}::float8 * interval '1 second')
    on conflict (only_row) do update set floor = greatest(f.floor, excluded.floor)`;
}

/** `90000` -> `1 day 1 hour`: durations in messages as people write them. */
export function describeSeconds(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [["day", 86_400], ["hour", 3_600], ["minute", 60], ["second", 1]]) {
    const count = Math.floor(rest / (size as number));
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
    rest -= count * (size as number);
  }
  return parts.length === 0 ? "0 seconds" : parts.join(" ");
}
