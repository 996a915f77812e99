/** Validation of the arguments every domain shares: times, symbols, venues, timeframes. */
import type { Timeframe } from "../domain.ts";
import { badUserInput } from "./errors.ts";

/** GraphQL enum values of `Timeframe` and what they mean to the store. */
export const TIMEFRAME_ENUM: Record<string, { value: Timeframe }> = {
  S1: { value: "1s" },
  M1: { value: "1m" },
  M5: { value: "5m" },
};

const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9_.-]{0,31}$/;
const VENUE_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** Times the product can store: from the epoch to the end of year 9999, ms. */
const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A value as an error message may repeat it: at most 40 characters, so that a megabyte argument
 * is not sent back (or logged) whole.
 */
export function shown(value: unknown): string {
  const text = String(value);
  return text.length <= 40 ? text : `${text.slice(0, 40)}... (${text.length} characters)`;
}

/** Accepts ISO-8601 (with a zone, or UTC when none is given) or epoch milliseconds. */
export function parseTimeArgument(
  name: string,
  value: string | null | undefined,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length > 64) {
    throw badUserInput(`${name} "${shown(value)}" is not a time: it is too long`, name);
  }
  const text = value.trim();
  let ms: number;
  if (/^\d{10,16}$/.test(text)) ms = Number(text);
  else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/i.test(text)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || text.length === 10 ? text : `${text}Z`;
    ms = Date.parse(zoned.replace(" ", "T"));
  } else ms = Number.NaN;
  if (!Number.isFinite(ms)) {
    throw badUserInput(
      `${name} "${shown(value)}" is not a time: use ISO-8601 such as 2024-08-08T23:55:00Z, ` +
        "or epoch milliseconds",
      name,
    );
  }
  if (ms < 0 || ms > LATEST_TIME_MS) {
    throw badUserInput(`${name} "${shown(value)}" is outside 1970 to 9999`, name);
  }
  return Math.round(ms * 1000);
}

export function parseRange(from: string | null | undefined, to: string | null | undefined) {
  const fromUs = parseTimeArgument("from", from);
  const toUs = parseTimeArgument("to", to);
  if (fromUs !== undefined && toUs !== undefined && fromUs >= toUs) {
    throw badUserInput(`from (${from}) must be before to (${to})`, "from");
  }
  return { fromUs, toUs };
}

export function parseSymbol(name: string, value: string): string {
  const symbol = value.trim().toUpperCase();
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw badUserInput(`${name} "${shown(value)}" is not a symbol such as BTCUSDT`, name);
  }
  return symbol;
}

export function parseVenue(value: string | null | undefined, defaultVenue: string): string {
  if (value === null || value === undefined || value.trim() === "") return defaultVenue;
  const venue = value.trim().toLowerCase();
  if (!VENUE_PATTERN.test(venue)) {
    throw badUserInput(`venue "${shown(value)}" is not a venue such as binance-futures`, "venue");
  }
  return venue;
}

export function parsePositiveInt(name: string, value: number | null | undefined, max: number) {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw badUserInput(`${name} must be a positive whole number, got ${value}`, name);
  }
  if (value > max) {
    throw badUserInput(`${name} ${value} is over the limit of ${max} per response`, name);
  }
  return value;
}
