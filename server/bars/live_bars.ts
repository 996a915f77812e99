/**
 * The forming bar of every instrument and timeframe, updated from the trades the store has just
 * stored, so that subscribers see it move on each trade and then receive it once closed.
 *
 * A bar closes when a trade of a later bucket arrives, or when the wall clock has passed the end of
 * its bucket by `closeGraceMs` (exchange trade times run slightly behind receipt). Trades older than
 * the forming bucket (a backfill after a reconnection) are already in the stored bars; the builder
 * reports them through `onLateBucket` so the caller can publish the corrected stored bar.
 */
import {
  type Bar,
  bucketStart,
  instrumentKey,
  type Timeframe,
  TIMEFRAME_MICROS,
  TIMEFRAMES,
  type Trade,
} from "../domain.ts";
import { createDecimalSum, type DecimalSum } from "./decimal_sum.ts";

/** How long after its end a bucket still takes trades before the clock closes it. */
export const CLOSE_GRACE_MS = 1_500;

export interface BarUpdate {
  bar: Bar;
  timeframe: Timeframe;
  /** False while the bucket is still forming. */
  closed: boolean;
}

export interface LiveBarsOptions {
  onBar: (update: BarUpdate) => void;
  /** A stored trade fell into an already closed bucket. */
  onLateBucket?: (venue: string, symbol: string, timeframe: Timeframe, bucketUs: number) => void;
  /** Default `CLOSE_GRACE_MS`. */
  closeGraceMs?: number;
  now?: () => number;
}

export interface LiveBars {
  /** Start from the bars already stored (the newest of each instrument and timeframe). */
  seed(bars: { bar: Bar; timeframe: Timeframe }[]): void;
  add(trades: readonly Trade[]): void;
  /** Closes bars whose bucket ended more than the grace ago. Call it a few times a second. */
  tick(): void;
  /** The forming bar, or null. */
  current(venue: string, symbol: string, timeframe: Timeframe): Bar | null;
}

interface FormingBar {
  bar: Bar;
  /** (time, id) of the last trade folded in, to order late trades within the bucket. */
  lastTimeUs: number;
  lastId: number;
  volume: DecimalSum;
}

export function createLiveBars(options: LiveBarsOptions): LiveBars {
  const graceUs = (options.closeGraceMs ?? CLOSE_GRACE_MS) * 1000;
  const now = options.now ?? Date.now;
  const forming = new Map<string, FormingBar>();
  const closedThrough = new Map<string, number>();
  const key = (venue: string, symbol: string, timeframe: Timeframe) =>
    `${instrumentKey(venue, symbol)}:${timeframe}`;

  function seed(bars: { bar: Bar; timeframe: Timeframe }[]): void {
    for (const { bar, timeframe } of bars) {
      forming.set(key(bar.venue, bar.symbol, timeframe), {
        bar: { ...bar },
        lastTimeUs: bar.timeUs,
        lastId: -1,
        volume: createDecimalSum(String(bar.volume)),
      });
    }
  }

  function close(mapKey: string, entry: FormingBar, timeframe: Timeframe): void {
    forming.delete(mapKey);
    closedThrough.set(mapKey, entry.bar.timeUs);
    entry.bar.volume = entry.volume.value();
    options.onBar({ bar: { ...entry.bar }, timeframe, closed: true });
  }

  function add(trades: readonly Trade[]): void {
    const touched = new Map<string, { entry: FormingBar; timeframe: Timeframe }>();
    for (const trade of trades) {
      const price = Number(trade.price);
      for (const timeframe of TIMEFRAMES) {
        const mapKey = key(trade.venue, trade.symbol, timeframe);
        const bucket = bucketStart(trade.timeUs, timeframe);
        let entry = forming.get(mapKey);
        if (entry !== undefined && bucket > entry.bar.timeUs) {
          touched.delete(mapKey);
          close(mapKey, entry, timeframe);
          entry = undefined;
        }
        if (entry !== undefined && bucket < entry.bar.timeUs) {
          options.onLateBucket?.(trade.venue, trade.symbol, timeframe, bucket);
          continue;
        }
        if (entry === undefined) {
          if (bucket <= (closedThrough.get(mapKey) ?? -Infinity)) {
            options.onLateBucket?.(trade.venue, trade.symbol, timeframe, bucket);
            continue;
          }
          entry = {
            bar: {
              venue: trade.venue,
              symbol: trade.symbol,
              timeUs: bucket,
              open: price,
              high: price,
              low: price,
              close: price,
              volume: 0,
              trades: 0,
            },
            lastTimeUs: trade.timeUs,
            lastId: trade.tradeId,
            volume: createDecimalSum(),
          };
          forming.set(mapKey, entry);
        }
        const bar = entry.bar;
        bar.high = Math.max(bar.high, price);
        bar.low = Math.min(bar.low, price);
        if (
          trade.timeUs > entry.lastTimeUs ||
          (trade.timeUs === entry.lastTimeUs && trade.tradeId >= entry.lastId)
        ) {
          bar.close = price;
          entry.lastTimeUs = trade.timeUs;
          entry.lastId = trade.tradeId;
        }
        // The exact sum is turned into a number once per batch, below, not once per trade.
        entry.volume.add(trade.qty);
        bar.trades += 1;
        touched.set(mapKey, { entry, timeframe });
      }
    }
    for (const { entry, timeframe } of touched.values()) {
      entry.bar.volume = entry.volume.value();
      options.onBar({ bar: { ...entry.bar }, timeframe, closed: false });
    }
  }

  function tick(): void {
    const nowUs = now() * 1000;
    for (const [mapKey, entry] of forming) {
      const timeframe = mapKey.slice(mapKey.lastIndexOf(":") + 1) as Timeframe;
      if (nowUs >= entry.bar.timeUs + TIMEFRAME_MICROS[timeframe] + graceUs) {
        close(mapKey, entry, timeframe);
      }
    }
  }

  function current(venue: string, symbol: string, timeframe: Timeframe): Bar | null {
    const entry = forming.get(key(venue, symbol, timeframe));
    return entry ? { ...entry.bar, volume: entry.volume.value() } : null;
  }

  return { seed, add, tick, current };
}
