/**
 * Reading one field of a row. Each reader returns the value or throws a `RangeError` whose message
 * names the field and shows what the file holds, e.g. `price is not a positive number: "0"`; the row
 * parsers turn that message into the line's reject record.
 */
import { isPositiveDecimal, normalizeDecimal } from "./decimal_string.ts";

/** Long values are cut in messages: a reject reason should fit on a line. */
const SHOWN_VALUE_LENGTH = 40;

/** `value` as a short JSON literal for a message. */
export function shown(value: unknown): string {
  if (typeof value !== "string") return JSON.stringify(value) ?? String(value);
  const cut = value.length > SHOWN_VALUE_LENGTH
    ? `${value.slice(0, SHOWN_VALUE_LENGTH)}...`
    : value;
  return JSON.stringify(cut);
}

/**
 * A decimal field as its normalised string. JSON numbers are accepted as written by
 * `String(number)`, which round-trips the short decimals exchanges send.
 */
function decimalField(value: unknown, field: string): string {
  if (value === undefined || value === null || value === "") {
    throw new RangeError(`${field} is missing`);
  }
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string") {
    throw new RangeError(`${field} is not a decimal number: ${shown(value)}`);
  }
  const normalized = normalizeDecimal(text.trim());
  if (normalized !== undefined) return normalized;
  if (/^\s*-\s*[\d.]/.test(text)) {
    throw new RangeError(`${field} is not a positive number: ${shown(value)}`);
  }
  throw new RangeError(`${field} is not a decimal number: ${shown(value)}`);
}

/** A price or quantity: strictly above zero. */
export function positiveDecimalField(value: unknown, field: string): string {
  const normalized = decimalField(value, field);
  if (!isPositiveDecimal(normalized)) {
    throw new RangeError(`${field} is not a positive number: ${shown(value)}`);
  }
  return normalized;
}

/** A volume: zero is a real value (a minute without trades). */
export function nonNegativeDecimalField(value: unknown, field: string): string {
  return decimalField(value, field);
}

/** A trade id or a count: a non-negative integer below 2^53 (JSON number or digits). */
export function safeIntegerField(value: unknown, field: string): number {
  if (value === undefined || value === null || value === "") {
    throw new RangeError(`${field} is missing`);
  }
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0) {
    throw new RangeError(`${field} is not a non-negative integer below 2^53: ${shown(value)}`);
  }
  return number;
}

/** `true`/`false` in any letter case, as Binance dumps write them (`True`/`False` in older spot files). */
export function booleanField(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lower = value.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  throw new RangeError(`${field} is not true or false: ${shown(value)}`);
}

/** A symbol as the store keys it: upper case letters (any script: Binance lists a few non-Latin names), digits and `_` (COIN-M `BTCUSD_PERP`). */
export function symbolField(value: unknown, field: string): string {
  if (value === undefined || value === null || value === "") {
    throw new RangeError(`${field} is missing`);
  }
  const symbol = typeof value === "string" ? value.trim().toUpperCase() : "";
  if (!/^[\p{L}\p{N}_]{1,40}$/u.test(symbol)) {
    throw new RangeError(`${field} is not a symbol (letters, digits, _): ${shown(value)}`);
  }
  return symbol;
}
