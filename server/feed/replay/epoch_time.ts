/**
 * Timestamps in recorded files, to integer microseconds since the Unix epoch.
 *
 * Binance writes epoch milliseconds, except spot public-data dumps from 2025-01-01 on, which write
 * microseconds (BINANCE.md, "Public data dumps"). The unit is told from the magnitude: any instant
 * between 2000-01-01 and 2100-01-01 is 9.47e11..4.10e12 in milliseconds and 9.47e14..4.10e15 in
 * microseconds. The two ranges are a thousandfold apart, so a value in neither (seconds,
 * nanoseconds, a stray id) is refused rather than guessed.
 */

const YEAR_2000_MS = Date.UTC(2000, 0, 1);
const YEAR_2100_MS = Date.UTC(2100, 0, 1);

/** `value` (epoch milliseconds or microseconds) as microseconds; throws a `RangeError` naming `field`. */
export function epochMicros(value: number, field: string): number {
  if (Number.isSafeInteger(value)) {
    if (value >= YEAR_2000_MS && value < YEAR_2100_MS) return value * 1000;
    if (value >= YEAR_2000_MS * 1000 && value < YEAR_2100_MS * 1000) return value;
  }
  throw new RangeError(
    `${field} is not epoch milliseconds or microseconds between 2000 and 2100: ${
      JSON.stringify(value)
    }`,
  );
}

// 2025-12-16T16:44:10.614Z, 2025-12-16 16:44:10.614123+05:30, 2025-12-16T16:44Z
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A time written as epoch milliseconds/microseconds (digits) or as ISO-8601 with a UTC offset.
 * A time without an offset is refused: files recorded on a local clock (one sample here was
 * written at UTC+5:30) would otherwise shift silently.
 */
export function epochMicrosFromText(text: string, field: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return epochMicros(Number(trimmed), field);
  const match = ISO_8601.exec(trimmed);
  if (match === null) {
    throw new RangeError(
      `${field} is neither epoch milliseconds nor ISO-8601: ${
        JSON.stringify(trimmed.slice(0, 40))
      }`,
    );
  }
  const [, year, month, day, hour, minute, second = "0", fraction = "", offset] = match;
  if (offset === undefined) {
    throw new RangeError(
      `${field} has no UTC offset (append Z for UTC): ${JSON.stringify(trimmed)}`,
    );
  }
  const fields = [year, month, day, hour, minute, second].map(Number);
  const [y, mo, d, h, mi, s] = fields;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d ||
    h > 23 || mi > 59 || s > 59
  ) {
    throw new RangeError(`${field} is not a valid date and time: ${JSON.stringify(trimmed)}`);
  }
  const micros = Number(fraction.padEnd(6, "0").slice(0, 6));
  const offsetMinutes = parseOffsetMinutes(offset);
  const timeUs = (ms - offsetMinutes * 60_000) * 1000 + micros;
  if (timeUs < YEAR_2000_MS * 1000 || timeUs >= YEAR_2100_MS * 1000) {
    throw new RangeError(`${field} is not between 2000 and 2100: ${JSON.stringify(trimmed)}`);
  }
  return timeUs;
}

/** `Z`, `+05:30`, `+0530`, `-03` as minutes east of UTC. */
function parseOffsetMinutes(offset: string): number {
  if (offset === "Z" || offset === "z") return 0;
  const sign = offset[0] === "-" ? -1 : 1;
  const digits = offset.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}
