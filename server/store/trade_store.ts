/**
 * The only code that speaks SQL about trades, bars and instruments.
 *
 * Writes go in bulk: one statement per batch unnests arrays into `trades` with
 * `on conflict do nothing` (so replays and backfills never duplicate), and, where the bars are plain
 * tables, folds exactly the rows that statement stored into `bars_1s`, `bars_1m` and `bars_5m`.
 * On TimescaleDB the bars are continuous aggregates and the database maintains them.
 */
import type postgres from "postgres";
import {
  type Bar,
  type ImportedBar,
  type Timeframe,
  TIMEFRAME_MICROS,
  type Trade,
  type Venue,
} from "../domain.ts";
import { parseNumberList } from "./number_list.ts";
import { REFRESH_MARGIN_SECONDS } from "./retention.ts";

export type { ImportedBar };

/** A bucket start and its close. */
export interface BarClose {
  timeUs: number;
  close: number;
}

export interface InstrumentSummary {
  venue: Venue;
  symbol: string;
  firstTradeUs: number | null;
  lastTradeUs: number | null;
  tradeCount: number;
}

export interface BarQuery {
  venue: Venue;
  symbol: string;
  timeframe: Timeframe;
  /** Inclusive bucket start, microseconds. */
  fromUs?: number;
  /** Exclusive, microseconds. */
  toUs?: number;
  /** Most recent `limit` bars of the range, returned oldest first. */
  limit?: number;
}

interface BarRow {
  t: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

export interface TradeQuery {
  venue: Venue;
  symbol: string;
  fromUs?: number;
  toUs?: number;
  /** Rows per page when streaming. Default 10,000. */
  pageSize?: number;
}

export interface TradeStore {
  /**
   * Stores the trades not stored yet and returns exactly those, in the order given. A trade older
   * than its instrument's retention horizon (`trades_retention_horizon`) is not stored: its bars
   * are final.
   */
  insertTrades(trades: readonly Trade[]): Promise<Trade[]>;
  /** Bucket starts and closes only (what pair analytics need), same rules as `bars`. */
  closes(query: BarQuery): Promise<BarClose[]>;
  /** Stores kline bars not stored yet; returns how many were new. */
  insertImportedBars(bars: readonly ImportedBar[]): Promise<number>;
  instruments(): Promise<InstrumentSummary[]>;
  bars(query: BarQuery): Promise<Bar[]>;
  /** Streams stored trades in (time, trade id) order, page by page, without loading the range. */
  trades(query: TradeQuery): AsyncIterable<Trade[]>;
  lastTrade(venue: Venue, symbol: string): Promise<{ tradeId: number; timeUs: number } | null>;
  /**
   * TimescaleDB only (elsewhere bars are always current): materializes the bars of a range, children
   * before parents; null: everything. Trades stored behind a bucket already materialized (backfills,
   * imports of older data) appear in the bars once this ran.
   */
  refreshBars(range: { fromUs: number; toUs: number } | null): Promise<void>;
  /** Round trip to the database; throws when it is unreachable. */
  ping(): Promise<void>;
}

const BAR_TABLES: Record<Timeframe, string> = { "1s": "bars_1s", "1m": "bars_1m", "5m": "bars_5m" };
const BAR_WIDTHS: Record<Timeframe, string> = {
  "1s": "1 second",
  "1m": "1 minute",
  "5m": "5 minutes",
};

export interface TradeStoreOptions {
  /** True when bars are TimescaleDB continuous aggregates; false when this store maintains them. */
  continuousAggregates: boolean;
}

export function createTradeStore(sql: postgres.Sql, options: TradeStoreOptions): TradeStore {
  // The batch's stored trades are grouped once per second; the 1m and 5m folds roll those groups
  // up, which is far cheaper than grouping every trade three times.
  const foldIntoBars = (timeframe: Timeframe) =>
    sql`
    , ${sql(`fold_${timeframe}`)} as (
      insert into ${sql(BAR_TABLES[timeframe])} as bar
        (venue, symbol, bucket, open, high, low, close, volume, trades,
         open_time, open_id, close_time, close_id)
      select venue, symbol, date_bin(${
      BAR_WIDTHS[timeframe]
    }::interval, bucket, timestamptz 'epoch'),
        (array_agg(open order by open_time, open_id))[1], max(high), min(low),
        (array_agg(close order by close_time desc, close_id desc))[1], sum(volume), sum(trades),
        min(open_time), (array_agg(open_id order by open_time, open_id))[1],
        max(close_time), (array_agg(close_id order by close_time desc, close_id desc))[1]
      from per_second
      group by 1, 2, 3
      -- Concurrent batches lock bar rows in one global order, so they cannot deadlock.
      order by 1, 2, 3
      on conflict (venue, symbol, bucket) do update set
        open = case when (excluded.open_time, excluded.open_id) < (bar.open_time, bar.open_id)
          then excluded.open else bar.open end,
        open_time = least(bar.open_time, excluded.open_time),
        open_id = case when (excluded.open_time, excluded.open_id) < (bar.open_time, bar.open_id)
          then excluded.open_id else bar.open_id end,
        high = greatest(bar.high, excluded.high),
        low = least(bar.low, excluded.low),
        close = case when (excluded.close_time, excluded.close_id) > (bar.close_time, bar.close_id)
          then excluded.close else bar.close end,
        close_time = greatest(bar.close_time, excluded.close_time),
        close_id = case when (excluded.close_time, excluded.close_id) > (bar.close_time, bar.close_id)
          then excluded.close_id else bar.close_id end,
        volume = bar.volume + excluded.volume,
        trades = bar.trades + excluded.trades
    )`;

  const barFolds = options.continuousAggregates ? sql`` : sql`
    , per_second as (
      -- min/max over numeric arrays compare element by element: (time, trade id, price) picks the
      -- first and last trade of the second without sorting.
      select venue, symbol, bucket,
        first_trade[3] as open, high, low, last_trade[3] as close, volume, trades,
        timestamptz 'epoch' + first_trade[1] * interval '1 second' as open_time,
        first_trade[2]::bigint as open_id,
        timestamptz 'epoch' + last_trade[1] * interval '1 second' as close_time,
        last_trade[2]::bigint as close_id
      from (
        select venue, symbol, date_bin('1 second', time, timestamptz 'epoch') as bucket,
          min(array[extract(epoch from time), trade_id, price]) as first_trade,
          max(array[extract(epoch from time), trade_id, price]) as last_trade,
          max(price) as high, min(price) as low, sum(qty) as volume, count(*) as trades
        from stored
        group by 1, 2, 3
      ) grouped
    ) ${foldIntoBars("1s")} ${foldIntoBars("1m")} ${foldIntoBars("5m")}`;

  async function insertTrades(trades: readonly Trade[]): Promise<Trade[]> {
    if (trades.length === 0) return [];
    const n = trades.length;
    const venues = new Array<string>(n);
    const symbols = new Array<string>(n);
    const ids = new Array<number>(n);
    const times = new Array<number>(n);
    const prices = new Array<string>(n);
    const quantities = new Array<string>(n);
    const makers = new Array<string | null>(n);
    const received = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const trade = trades[i];
      venues[i] = trade.venue;
      symbols[i] = trade.symbol;
      ids[i] = trade.tradeId;
      times[i] = trade.timeUs;
      prices[i] = trade.price;
      quantities[i] = trade.qty;
      makers[i] = trade.buyerMaker === null ? null : String(trade.buyerMaker);
      received[i] = trade.receivedAtUs;
    }
    const rows = await sql<{ i: number }[]>`
      with input as (
        select * from unnest(
          ${venues}::text[], ${symbols}::text[], ${ids}::bigint[], ${times}::bigint[],
          ${prices}::numeric[], ${quantities}::numeric[], ${makers}::text[]::boolean[], ${received}::bigint[]
        ) with ordinality as u(venue, symbol, trade_id, time_us, price, qty, buyer_maker, received_us, i)
      ), stored as (
        insert into trades (venue, symbol, trade_id, time, price, qty, buyer_maker, received_at)
        select venue, symbol, trade_id,
          timestamptz 'epoch' + time_us * interval '1 microsecond',
          price, qty, buyer_maker,
          timestamptz 'epoch' + received_us * interval '1 microsecond'
        from input
        -- Below its instrument's retention horizon a trade's bars are final: it is not stored again.
        where not exists (
          select 1 from trades_retention_horizon h
          where h.venue = input.venue and h.symbol = input.symbol
            and h.horizon > timestamptz 'epoch' + input.time_us * interval '1 microsecond'
        )
        on conflict do nothing
        returning venue, symbol, trade_id, time, price, qty
      ) ${barFolds}
      , counted as (
        insert into instruments as known (venue, symbol, first_trade_time, last_trade_time, trade_count)
        select venue, symbol, min(time), max(time), count(*) from stored
        group by venue, symbol order by venue, symbol
        on conflict (venue, symbol) do update set
          first_trade_time = least(known.first_trade_time, excluded.first_trade_time),
          last_trade_time = greatest(known.last_trade_time, excluded.last_trade_time),
          trade_count = known.trade_count + excluded.trade_count
      )
      select input.i::int as i from stored
      join input using (venue, symbol, trade_id)
      order by input.i`;
    // A batch may carry the same trade twice: the join then names both copies; keep the first.
    return dropRepeats(rows.map((row) => trades[row.i - 1]));
  }

  async function instruments(): Promise<InstrumentSummary[]> {
    const rows = await sql<
      {
        venue: string;
        symbol: string;
        first_us: string | null;
        last_us: string | null;
        n: string;
      }[]
    >`
      select venue, symbol,
        (extract(epoch from first_trade_time) * 1e6)::bigint::text as first_us,
        (extract(epoch from last_trade_time) * 1e6)::bigint::text as last_us,
        trade_count::text as n
      from instruments order by venue, symbol`;
    return rows.map((row) => ({
      venue: row.venue,
      symbol: row.symbol,
      firstTradeUs: row.first_us === null ? null : Number(row.first_us),
      lastTradeUs: row.last_us === null ? null : Number(row.last_us),
      tradeCount: Number(row.n),
    }));
  }

  /** `bucket` within [fromUs, toUs), either bound optional. */
  function bucketInRange(query: BarQuery) {
    const from = query.fromUs ?? null;
    const to = query.toUs ?? null;
    return sql`
      (${from}::bigint is null
        or bucket >= timestamptz 'epoch' + ${from}::bigint * interval '1 microsecond')
      and (${to}::bigint is null
        or bucket < timestamptz 'epoch' + ${to}::bigint * interval '1 microsecond')`;
  }

  async function bars(query: BarQuery): Promise<Bar[]> {
    const table = sql(BAR_TABLES[query.timeframe]);
    const limit = query.limit ?? null;
    const inRange = bucketInRange(query);
    // Trade-built bars, and imported kline bars for the buckets that have no trade-built bar.
    const rows = await sql<BarRow[]>`
      select * from (
        select (extract(epoch from bucket) * 1e6)::bigint::text as t,
          open::float8 as open, high::float8 as high, low::float8 as low, close::float8 as close,
          volume::float8 as volume, trades::int as trades
        from ${table}
        where venue = ${query.venue} and symbol = ${query.symbol} and ${inRange}
        union all
        select (extract(epoch from bucket) * 1e6)::bigint::text,
          open::float8, high::float8, low::float8, close::float8, volume::float8,
          coalesce(trades, 0)::int
        from imported_bars imported
        where venue = ${query.venue} and symbol = ${query.symbol}
          and timeframe = ${query.timeframe} and ${inRange}
          and not exists (
            select 1 from ${table} built
            where built.venue = imported.venue and built.symbol = imported.symbol
              and built.bucket = imported.bucket)
        order by 1 desc
        limit ${limit}
      ) recent order by t::bigint`;
    return rows.map((row) => ({
      venue: query.venue,
      symbol: query.symbol,
      timeUs: Number(row.t),
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      volume: row.volume,
      trades: row.trades,
    }));
  }

  async function closes(query: BarQuery): Promise<BarClose[]> {
    const table = sql(BAR_TABLES[query.timeframe]);
    const inRange = bucketInRange(query);
    const limit = query.limit ?? null;
    // A pair analysis reads 100,000 bars per leg, so this answers with one row of text columns
    // ("time,time,..." and "close,close,...") instead of a row per bar, which costs several times
    // more to send and parse (postgres.js, PGlite's socket). Trade-built and imported bars come as
    // two separate lists, each read newest first straight from its primary key, and are merged
    // here (a trade-built bar wins its bucket): no anti-join, no sort, no text concatenation of
    // each bar in the database. The newest `limit` of the merge are all among the newest `limit`
    // of each list. Two aggregates over one subquery see its rows in the same order, so times and
    // closes stay paired; that the order is the subquery's is PostgreSQL's usual behaviour (its
    // documentation on aggregate input order), checked by `mergeNewestFirst`.
    // date_part's double holds every microsecond of these years exactly, and costs far less than
    // extract's numeric.
    const [row] = await sql<
      {
        built_times: string | null;
        built_closes: string | null;
        imported_times: string | null;
        imported_closes: string | null;
      }[]
    >`
      select built.times as built_times, built.closes as built_closes,
        imported.times as imported_times, imported.closes as imported_closes
      from (
        select string_agg(((date_part('epoch', bucket) * 1e6)::bigint)::text, ',') as times,
          string_agg(close::text, ',') as closes
        from (
          select bucket, close
          from ${table}
          where venue = ${query.venue} and symbol = ${query.symbol} and ${inRange}
          order by bucket desc
          limit ${limit}
        ) newest
      ) built, (
        select string_agg(((date_part('epoch', bucket) * 1e6)::bigint)::text, ',') as times,
          string_agg(close::text, ',') as closes
        from (
          select bucket, close
          from imported_bars
          where venue = ${query.venue} and symbol = ${query.symbol}
            and timeframe = ${query.timeframe} and ${inRange}
          order by bucket desc
          limit ${limit}
        ) newest
      ) imported`;
    return mergeNewestFirst(
      parseNumberList(row.built_times, "time"),
      parseNumberList(row.built_closes, "close"),
      parseNumberList(row.imported_times, "time"),
      parseNumberList(row.imported_closes, "close"),
      limit,
    );
  }

  async function insertImportedBars(bars: readonly ImportedBar[]): Promise<number> {
    if (bars.length === 0) return 0;
    const column = <K extends keyof ImportedBar>(key: K) => bars.map((bar) => bar[key]);
    const [row] = await sql<{ stored: number }[]>`
      with input as (
        select * from unnest(
          ${column("venue")}::text[], ${column("symbol")}::text[], ${column("timeframe")}::text[],
          ${column("timeUs")}::bigint[], ${column("open")}::numeric[], ${column("high")}::numeric[],
          ${column("low")}::numeric[], ${column("close")}::numeric[], ${
      column("volume")
    }::numeric[],
          ${bars.map((bar) => bar.trades == null ? null : String(bar.trades))}::text[]::bigint[]
        ) as u(venue, symbol, timeframe, time_us, open, high, low, close, volume, trades)
      ), stored as (
        insert into imported_bars
          (venue, symbol, timeframe, bucket, open, high, low, close, volume, trades)
        select venue, symbol, timeframe, timestamptz 'epoch' + time_us * interval '1 microsecond',
          open, high, low, close, volume, trades
        from input
        on conflict do nothing
        returning venue, symbol
      ), known as (
        insert into instruments (venue, symbol)
        select distinct venue, symbol from stored
        on conflict do nothing
      )
      select count(*)::int as stored from stored`;
    return row.stored;
  }

  async function* tradesInRange(query: TradeQuery): AsyncIterable<Trade[]> {
    const pageSize = query.pageSize ?? 10_000;
    let afterTime = query.fromUs === undefined ? null : query.fromUs - 1;
    let afterId = Number.MAX_SAFE_INTEGER;
    const to = query.toUs ?? null;
    while (true) {
      const rows = await sql<
        {
          trade_id: string;
          t: string;
          r: string;
          price: string;
          qty: string;
          buyer_maker: boolean | null;
        }[]
      >`
        select trade_id::text, (extract(epoch from time) * 1e6)::bigint::text as t,
          (extract(epoch from received_at) * 1e6)::bigint::text as r,
          price::text, qty::text, buyer_maker
        from trades
        where venue = ${query.venue} and symbol = ${query.symbol}
          and (${afterTime}::bigint is null
            or (time, trade_id) > (timestamptz 'epoch' + ${afterTime}::bigint * interval '1 microsecond',
              ${afterId}::bigint))
          and (${to}::bigint is null or time < timestamptz 'epoch' + ${to}::bigint * interval '1 microsecond')
        order by time, trade_id
        limit ${pageSize}`;
      if (rows.length === 0) return;
      const page = rows.map((row): Trade => ({
        venue: query.venue,
        symbol: query.symbol,
        tradeId: Number(row.trade_id),
        price: row.price,
        qty: row.qty,
        timeUs: Number(row.t),
        receivedAtUs: Number(row.r),
        buyerMaker: row.buyer_maker,
      }));
      yield page;
      if (rows.length < pageSize) return;
      const last = page[page.length - 1];
      afterTime = last.timeUs;
      afterId = last.tradeId;
    }
  }

  async function lastTrade(venue: Venue, symbol: string) {
    const [row] = await sql<{ trade_id: string; t: string }[]>`
      select trade_id::text, (extract(epoch from time) * 1e6)::bigint::text as t
      from trades where venue = ${venue} and symbol = ${symbol}
      order by time desc, trade_id desc limit 1`;
    return row ? { tradeId: Number(row.trade_id), timeUs: Number(row.t) } : null;
  }

  async function refreshBars(range: { fromUs: number; toUs: number } | null): Promise<void> {
    if (!options.continuousAggregates) return;
    const widest = TIMEFRAME_MICROS["5m"];
    // Windows on whole 5-minute buckets: a refresh skips buckets only partly inside its window.
    let from = range === null ? null : Math.floor(range.fromUs / widest) * widest;
    const to = range === null ? null : (Math.floor(range.toUs / widest) + 1) * widest;
    // Never below the time where raw trades may have been dropped (retention.ts): a refresh over
    // dropped trades would recompute their bars from nothing and delete them.
    const [{ horizon }] = await sql<{ horizon: number | null }[]>`
      select (extract(epoch from greatest(
        (select floor from trades_refresh_floor),
        (select now() - (config->>'drop_after')::interval + ${REFRESH_MARGIN_SECONDS}::float8 * interval '1 second'
         from timescaledb_information.jobs
         where proc_name = 'policy_retention' and hypertable_name = 'trades'))) * 1e6)::float8
        as horizon`;
    if (horizon !== null) {
      from = Math.max(from ?? -Infinity, Math.ceil(horizon / widest) * widest);
      if (to !== null && from >= to) return;
    }
    for (const view of ["bars_1s", "bars_1m", "bars_5m"]) {
      for (let attempt = 1;; attempt++) {
        try {
          await sql`
            call refresh_continuous_aggregate(${view},
              ${from === null ? null : new Date(from / 1000)}::timestamptz,
              ${to === null ? null : new Date(to / 1000)}::timestamptz,
              options => '{"buckets_per_batch": 0}')`;
          break;
        } catch (error) {
          // 55P03: a policy job is refreshing an overlapping range right now; try again shortly.
          if ((error as { code?: string }).code !== "55P03" || attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    }
  }

  async function ping(): Promise<void> {
    await sql`select 1`;
  }

  return {
    insertTrades,
    insertImportedBars,
    instruments,
    closes,
    bars,
    trades: tradesInRange,
    lastTrade,
    refreshBars,
    ping,
  };
}

/** Keeps the first of trades that repeat (venue, symbol, tradeId) within one batch. */
function dropRepeats(trades: Trade[]): Trade[] {
  const keys = new Set<string>();
  return trades.filter((trade) => {
    const key = `${trade.venue}\u0000${trade.symbol}\u0000${trade.tradeId}`;
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
}

/**
 * Merges trade-built and imported closes, each given newest first, into time order; a trade-built
 * bar replaces the imported one of its bucket. Keeps the newest `limit` (null: all). Lists that are
 * not newest first (a plan that did not keep the subquery's order) are sorted first.
 */
function mergeNewestFirst(
  builtTimes: Float64Array,
  builtCloses: Float64Array,
  importedTimes: Float64Array,
  importedCloses: Float64Array,
  limit: number | null,
): BarClose[] {
  const built = newestFirst(builtTimes, builtCloses);
  const imported = newestFirst(importedTimes, importedCloses);
  const merged: BarClose[] = [];
  const wanted = limit ?? Infinity;
  let i = 0;
  let j = 0;
  while (merged.length < wanted && (i < built.times.length || j < imported.times.length)) {
    const builtTime = i < built.times.length ? built.times[i] : -Infinity;
    const importedTime = j < imported.times.length ? imported.times[j] : -Infinity;
    if (builtTime >= importedTime) {
      merged.push({ timeUs: builtTime, close: built.closes[i++] });
      if (importedTime === builtTime) j++;
    } else {
      merged.push({ timeUs: importedTime, close: imported.closes[j++] });
    }
  }
  return merged.reverse();
}

function newestFirst(
  times: Float64Array,
  closes: Float64Array,
): { times: Float64Array; closes: Float64Array } {
  if (times.length !== closes.length) {
    throw new Error(`The database sent ${times.length} bar times for ${closes.length} closes`);
  }
  for (let k = 1; k < times.length; k++) {
    if (times[k] >= times[k - 1]) {
      const order = Array.from(times.keys()).sort((a, b) => times[b] - times[a]);
      return {
        times: Float64Array.from(order, (index) => times[index]),
        closes: Float64Array.from(order, (index) => closes[index]),
      };
    }
  }
  return { times, closes };
}
