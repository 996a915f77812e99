/**
 * Unrecoverable data gaps in the database (table of migrations/0008_data_gaps.sql): ranges of
 * trade ids the feed found missing and could not backfill. Recording the same gap again (a restart
 * that detects it anew) keeps one row, widened to the larger range.
 */
import type postgres from "postgres";
import type { DataGap } from "../feed/feed.ts";

export interface GapQuery {
  venue?: string;
  symbol?: string;
  /** Gaps that end at or after this time (their first trade after the gap), microseconds. */
  fromUs?: number;
  /** Gaps that start before this time (their last trade before the gap), microseconds. */
  toUs?: number;
  /** Most gaps returned, in the order of `gaps()`. Default 1,000. */
  limit?: number;
}

export interface GapStore {
  /** Stores a gap, or widens the stored one that starts at the same id. */
  record(gap: DataGap): Promise<void>;
  /** Gaps overlapping [fromUs, toUs), ordered by venue, symbol and first missing id. */
  gaps(query?: GapQuery): Promise<DataGap[]>;
  count(): Promise<number>;
}

interface GapRow {
  venue: string;
  symbol: string;
  from_id: string;
  to_id: string;
  from_us: string | null;
  to_us: string | null;
  reason: string;
  detected_us: string;
}

export function createGapStore(sql: postgres.Sql): GapStore {
  const micros = (value: number | null) => value === null ? null : String(Math.round(value));
  return {
    async record(gap) {
      await sql`
        insert into data_gaps
          (venue, symbol, from_trade_id, to_trade_id, from_time, to_time, reason, detected_at)
        values (${gap.venue}, ${gap.symbol}, ${String(gap.fromId)}::bigint,
          ${String(gap.toId)}::bigint,
          timestamptz 'epoch' + ${micros(gap.fromTimeUs)}::bigint * interval '1 microsecond',
          timestamptz 'epoch' + ${micros(gap.toTimeUs)}::bigint * interval '1 microsecond',
          ${gap.reason},
          timestamptz 'epoch' + ${micros(gap.detectedAtUs)}::bigint * interval '1 microsecond')
        on conflict (venue, symbol, from_trade_id) do update set
          to_trade_id = greatest(data_gaps.to_trade_id, excluded.to_trade_id),
          to_time = case when excluded.to_trade_id >= data_gaps.to_trade_id
            then coalesce(excluded.to_time, data_gaps.to_time) else data_gaps.to_time end,
          from_time = coalesce(data_gaps.from_time, excluded.from_time),
          reason = case when excluded.to_trade_id > data_gaps.to_trade_id
            then excluded.reason else data_gaps.reason end`;
    },
    async gaps(query = {}) {
      const from = query.fromUs === undefined ? null : String(query.fromUs);
      const to = query.toUs === undefined ? null : String(query.toUs);
      const rows = await sql<GapRow[]>`
        select venue, symbol, from_trade_id::text as from_id, to_trade_id::text as to_id,
          (extract(epoch from from_time) * 1e6)::bigint::text as from_us,
          (extract(epoch from to_time) * 1e6)::bigint::text as to_us,
          reason, (extract(epoch from detected_at) * 1e6)::bigint::text as detected_us
        from data_gaps
        where (${query.venue ?? null}::text is null or venue = ${query.venue ?? null})
          and (${query.symbol ?? null}::text is null or symbol = ${query.symbol ?? null})
          and (${from}::bigint is null or to_time is null
            or to_time >= timestamptz 'epoch' + ${from}::bigint * interval '1 microsecond')
          and (${to}::bigint is null or from_time is null
            or from_time < timestamptz 'epoch' + ${to}::bigint * interval '1 microsecond')
        order by venue, symbol, from_trade_id
        limit ${query.limit ?? 1_000}`;
      return rows.map((row) => ({
        venue: row.venue,
        symbol: row.symbol,
        fromId: Number(row.from_id),
        toId: Number(row.to_id),
        fromTimeUs: row.from_us === null ? null : Number(row.from_us),
        toTimeUs: row.to_us === null ? null : Number(row.to_us),
        reason: row.reason,
        detectedAtUs: Number(row.detected_us),
      }));
    },
    async count() {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from data_gaps`;
      return n;
    },
  };
}
