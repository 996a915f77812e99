/**
 * Closed bars changed by late trades (a backfill after a reconnect, a reordered message), read back
 * from the store and published once corrected. A catch-up can make thousands of buckets late at
 * once, so they are gathered for `delayMs`: one read per series (venue, symbol, timeframe) covers
 * all its late buckets, and only those are published. Failed reads are logged at most once per
 * `logEveryMs`, with how many bars could not be reloaded since the last message.
 */
import type { Bar, Timeframe } from "../domain.ts";

export interface LateBarSeries {
  venue: string;
  symbol: string;
  timeframe: Timeframe;
}

export interface LateBarReloaderOptions {
  /** The stored bars of a series whose buckets start in [fromUs, toUs). */
  load(series: LateBarSeries, fromUs: number, toUs: number): Promise<Bar[]>;
  publish(bar: Bar, timeframe: Timeframe): void;
  log(message: string): void;
  /** Default 100 ms: long enough for the late trades' write to finish. */
  delayMs?: number;
  /** Default 60,000 ms. */
  logEveryMs?: number;
}

export interface LateBarReloader {
  /** A closed bar of the series, starting at `bucketUs`, changed. */
  late(series: LateBarSeries, bucketUs: number): void;
  /** Drops what is waiting (at shutdown: the stored bars are right, subscribers are leaving). */
  stop(): void;
}

export function createLateBarReloader(options: LateBarReloaderOptions): LateBarReloader {
  const delayMs = options.delayMs ?? 100;
  const logEveryMs = options.logEveryMs ?? 60_000;
  let waiting = new Map<string, { series: LateBarSeries; buckets: Set<number> }>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let unreloaded = 0;
  let lastLogAt = -Infinity;

  async function reload(): Promise<void> {
    timer = null;
    const batch = waiting;
    waiting = new Map();
    for (const { series, buckets } of batch.values()) {
      let fromUs = Infinity;
      let toUs = -Infinity;
      for (const bucket of buckets) {
        fromUs = Math.min(fromUs, bucket);
        toUs = Math.max(toUs, bucket + 1);
      }
      try {
        for (const bar of await options.load(series, fromUs, toUs)) {
          if (buckets.has(bar.timeUs)) options.publish(bar, series.timeframe);
        }
      } catch (error) {
        unreloaded += buckets.size;
        const now = Date.now();
        if (now - lastLogAt >= logEveryMs) {
          lastLogAt = now;
          options.log(
            `Could not reload ${unreloaded} corrected bar(s) changed by late trades ` +
              `(the stored bars are right; live charts show them at their next load): ${
                (error as Error).message
              }`,
          );
          unreloaded = 0;
        }
      }
    }
  }

  return {
    late(series, bucketUs) {
      const key = `${series.venue}:${series.symbol}:${series.timeframe}`;
      let entry = waiting.get(key);
      if (entry === undefined) {
        entry = { series, buckets: new Set() };
        waiting.set(key, entry);
      }
      entry.buckets.add(bucketUs);
      timer ??= setTimeout(reload, delayMs);
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      waiting = new Map();
    },
  };
}
