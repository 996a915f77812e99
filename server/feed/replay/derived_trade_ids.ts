/**
 * Trade ids for files that carry none (generic CSV without an `id` column).
 *
 *   id = timeMs * 1000 + ordinal
 *
 * where `ordinal` counts the earlier rows of the same symbol in the same millisecond of the file
(rows rejected for their price or quantity count too, so fixing one row keeps the others' ids).
 * Re-importing the same file yields the same ids (so the store's dedupe on (venue, symbol, id)
 * drops the repeat), and ids order like trade time. Epoch milliseconds below 2100 times 1000 stay
 * below 2^53. Limits that keep this exact with bounded memory, each a per-row reject:
 * - at most 1000 rows of one symbol in one millisecond (the 1001st would take the next ms's id);
 * - rows of one symbol are in time order within `rewindWindowMs`: per-millisecond counts are
 *   kept for that window only, so an older row could not be numbered consistently.
 */

export interface DerivedTradeIds {
  /** The id of the next row of `symbol` at `timeUs`; throws a `RangeError` when the limits above bite. */
  next(symbol: string, timeUs: number): number;
}

export interface DerivedTradeIdsOptions {
  /** How far back in time a row may go behind the newest earlier row of its symbol. Default 10 minutes. */
  rewindWindowMs?: number;
}

export const MAX_ROWS_PER_MILLISECOND = 1000;

export function createDerivedTradeIds(options: DerivedTradeIdsOptions = {}): DerivedTradeIds {
  const rewindWindowMs = options.rewindWindowMs ?? 10 * 60_000;
  const bySymbol = new Map<string, { newestMs: number; countsByMs: Map<number, number> }>();
  return {
    next(symbol, timeUs) {
      const timeMs = Math.floor(timeUs / 1000);
      let state = bySymbol.get(symbol);
      if (state === undefined) {
        state = { newestMs: timeMs, countsByMs: new Map() };
        bySymbol.set(symbol, state);
      }
      const oldestAllowedMs = state.newestMs - rewindWindowMs;
      if (timeMs < oldestAllowedMs) {
        throw new RangeError(
          `time ${new Date(timeMs).toISOString()} is more than ${
            rewindWindowMs / 60_000
          } minutes before an ` +
            `earlier row of ${symbol} (${
              new Date(state.newestMs).toISOString()
            }); rows without an id ` +
            "column must be in time order, as their ids derive from time and order",
        );
      }
      const ordinal = state.countsByMs.get(timeMs) ?? 0;
      if (ordinal >= MAX_ROWS_PER_MILLISECOND) {
        throw new RangeError(
          `more than ${MAX_ROWS_PER_MILLISECOND} rows of ${symbol} in millisecond ` +
            `${new Date(timeMs).toISOString()}; add an id column`,
        );
      }
      state.countsByMs.set(timeMs, ordinal + 1);
      if (timeMs > state.newestMs) {
        state.newestMs = timeMs;
        forgetBefore(state.countsByMs, timeMs - rewindWindowMs);
      }
      return timeMs * 1000 + ordinal;
    },
  };
}

/**
 * Drops counts older than `cutoffMs` from the front of the map (insertion order, which is time
 * order for a sorted file); an older count left behind a newer one only costs memory.
 */
function forgetBefore(countsByMs: Map<number, number>, cutoffMs: number) {
  for (const timeMs of countsByMs.keys()) {
    if (timeMs >= cutoffMs) return;
    countsByMs.delete(timeMs);
  }
}
