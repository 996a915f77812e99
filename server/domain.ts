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

/**
 * A ready-made OHLCV bar from a kline file (history without trades). Numbers stay the file's decimal
 * strings; the timeframe is whatever the file holds (`1m`, `1h`, ...).
 */
export interface ImportedBar {
  venue: Venue;
  symbol: string;
  timeframe: string;
  /** Bucket start (kline open time), integer microseconds since the Unix epoch. */
  timeUs: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  /** Number of trades in the bar, when the file gives it. */
  trades?: number | null;
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

/** "00".."99" and "000".."999", so that formatting a time pads nothing. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, value) => pad(value, 2));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, value) => pad(value, 3));

/**
 * Microseconds since the epoch as an ISO-8601 UTC string with millisecond precision (microseconds
 * too when present), e.g. `2024-08-08T23:59:58.123Z`. Formatted with integer arithmetic (days to a
 * civil date by Howard Hinnant's `civil_from_days`) because a response may carry 100,000 times and
 * `Date#toISOString` costs several times more. Years 0000-9999.
 */
export function isoFromMicros(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  const days = Math.floor(ms / 86_400_000);
  return isoDate(days) + isoTimeOfDay(timeUs, days);
}

/**
 * `isoFromMicros` for many times in a row, as a response's points are: the date part is
 * formatted once per day and reused while the times stay on that day. The function keeps that one
 * day, so make one per response.
 */
export function createIsoFormatter(): (timeUs: number) => string {
  const current = { day: NaN, date: "" };
  return (timeUs) => {
    const days = Math.floor(Math.floor(timeUs / 1000) / 86_400_000);
    if (days !== current.day) {
      current.day = days;
      current.date = isoDate(days);
    }
    return current.date + isoTimeOfDay(timeUs, days);
  };
}

/** "YYYY-MM-DDT" of a day number (days since 1970-01-01). */
function isoDate(days: number): string {
  // civil_from_days: http://howardhinnant.github.io/date_algorithms.html
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T`;
}

/** "HH:MM:SS.mmmZ" (or "...mmmuuuZ") of a time on day `days`. */
function isoTimeOfDay(timeUs: number, days: number): string {
  const ms = Math.floor(timeUs / 1000);
  const micros = timeUs - ms * 1000;
  let msOfDay = ms - days * 86_400_000;
  const hours = Math.floor(msOfDay / 3_600_000);
  msOfDay -= hours * 3_600_000;
  const minutes = Math.floor(msOfDay / 60_000);
  msOfDay -= minutes * 60_000;
  const seconds = Math.floor(msOfDay / 1000);
  const millis = msOfDay - seconds * 1000;
  const time = TWO_DIGITS[hours] + ":" + TWO_DIGITS[minutes] + ":" + TWO_DIGITS[seconds] + "." +
    THREE_DIGITS[millis];
  return micros === 0 ? time + "Z" : time + THREE_DIGITS[micros] + "Z";
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}
