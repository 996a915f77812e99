/**
 * The shared vocabulary of the product: what a trade, an instrument and a bar are.
 * Every layer (feed, ingest, store, bars, analytics, api) speaks in these types.
 */

/** A venue names where trades come from: `binance-futures`, `binance-spot`, `sim`, or one given at import. */
export type Venue = string;

/**
 * One trade (or, for `aggTrade` streams, one aggregate trade) exactly as the exchange reported it.
 *
 * Prices and quantities stay decimal strings, as Binance sends them, so that nothing is rounded
 * before the database stores them as `numeric`.
 */
export interface Trade {
  venue: Venue;
  /** Upper case, e.g. `BTCUSDT`. */
  symbol: string;
  /**
   * The exchange's id for the trade (`a` for aggTrade, `t` for trade). Ids are below 2^53 on every
   * Binance market; importers of files without ids derive one from time and order (see store docs).
   */
  tradeId: number;
  /** Decimal string, strictly positive. */
  price: string;
  /** Decimal string, strictly positive. */
  qty: string;
  /** Exchange trade time (`T`), integer microseconds since the Unix epoch. */
  timeUs: number;
  /** When this process received the message, integer microseconds since the Unix epoch. */
  receivedAtUs: number;
  /** `m`: true when the buyer was the maker; null when the source does not say. */
  buyerMaker: boolean | null;
}

/** Bar timeframes the store maintains. */
export type Timeframe = "1s" | "1m" | "5m";

export const TIMEFRAME_MICROS: Record<Timeframe, number> = {
  "1s": 1_000_000,
  "1m": 60_000_000,
  "5m": 300_000_000,
};

export const TIMEFRAMES: readonly Timeframe[] = ["1s", "1m", "5m"];

/** An OHLCV bar. `timeUs` is the bucket start. */
export interface Bar {
  venue: Venue;
  symbol: string;
  timeUs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

/** The start of the bucket of `timeframe` that holds `timeUs`. */
export function bucketStart(timeUs: number, timeframe: Timeframe): number {
  const width = TIMEFRAME_MICROS[timeframe];
  return Math.floor(timeUs / width) * width;
}

/** A stable string key for an instrument, used in maps: `venue:SYMBOL`. */
export function instrumentKey(venue: Venue, symbol: string): string {
  return `${venue}:${symbol}`;
}

/** Microseconds since the epoch as an ISO-8601 UTC string with millisecond precision (or more when present). */
export function isoFromMicros(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  const iso = new Date(ms).toISOString();
  const micros = timeUs - ms * 1000;
  if (micros === 0) return iso;
  return `${iso.slice(0, -1)}${String(micros).padStart(3, "0")}Z`;
}
