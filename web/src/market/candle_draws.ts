/**
 * When the Market view's forming candle was drawn, with its start, high and close: a bounded record on
 * `window.marketCandleDraws` that lets a benchmark time a trade from the exchange to the chart
 * (`server/bench/dashboard_bench.ts`), not merely to a text beside it. Its size is fixed, so it
 * costs nothing over hours.
 */

export interface CandleDraw {
  /** Start of the newest candle on the chart after the redraw, ms since the epoch. */
  time: number;
  /** High of the newest candle on the chart after the redraw. */
  high: number;
  /** Close of the newest candle on the chart after the redraw. */
  close: number;
  /** Wall clock of the redraw's end, ms since the epoch (`performance.timeOrigin + now()`). */
  atMs: number;
}

export interface CandleDrawLog {
  record(candle: { time: number; high: number; close: number }, atMs: number): void;
  /** Held draws, oldest first. */
  draws(): CandleDraw[];
}

/** The newest `capacity` draws (default 512); older ones are overwritten. */
export function createCandleDrawLog(options: { capacity?: number } = {}): CandleDrawLog {
  const capacity = options.capacity ?? 512;
  const ring: CandleDraw[] = [];
  let next = 0;
  return {
    record(candle, atMs) {
      ring[next] = { time: candle.time, high: candle.high, close: candle.close, atMs };
      next = (next + 1) % capacity;
    },
    draws() {
      return ring.length < capacity ? ring.slice() : [...ring.slice(next), ...ring.slice(0, next)];
    },
  };
}

/** Where the Market view publishes its draws for a benchmark driving the page to read. */
export const CANDLE_DRAWS_GLOBAL = "marketCandleDraws";

/** The page's one draw log, made on first use. */
export function pageCandleDrawLog(): CandleDrawLog {
  const page = globalThis as unknown as Record<string, CandleDrawLog | undefined>;
  return page[CANDLE_DRAWS_GLOBAL] ??= createCandleDrawLog();
}
