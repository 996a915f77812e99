/**
 * Live pair analytics cost per bar update, for each hedge method: a stream started from `history`
 * 1s buckets of a synthetic cointegrated pair (seeded: x a random walk around 3,000, y = 20·x plus
 * a mean-reverting spread around 60,000), then fed `buckets` more, each bucket as two updates per
 * leg (a provisional close, then the final one), as the live bar builder sends them.
 */
import type { HedgeMethod } from "../analytics/pair_analytics.ts";
import type { BarClose } from "../analytics/pair_grid.ts";
import { createPairStream } from "../analytics/pair_stream.ts";

export interface PairStreamBenchOptions {
  /** Buckets given as history. Default 5,000. */
  history?: number;
  /** Buckets streamed after the history. Default 5,000. */
  buckets?: number;
  /** Static methods' lookback. Default 1,000. */
  lookback?: number;
}

export async function* benchPairStream(
  options: PairStreamBenchOptions = {},
): AsyncIterable<Record<string, unknown>> {
  const historyLength = options.history ?? 5_000;
  const buckets = options.buckets ?? 5_000;
  const lookback = options.lookback ?? 1_000;
  const { base, quote } = syntheticPair(historyLength + buckets);
  const methods: HedgeMethod[] = ["OLS", "HUBER", "THEIL_SEN", "ROLLING_OLS", "KALMAN"];
  for (const method of methods) {
    const stream = createPairStream({
      method,
      barSeconds: 1,
      lookback,
      history: {
        base: { symbol: "Y", bars: base.slice(0, historyLength) },
        quote: { symbol: "X", bars: quote.slice(0, historyLength) },
      },
    });
    const started = performance.now();
    for (let t = historyLength; t < historyLength + buckets; t++) {
      for (const [leg, bars] of [["base", base], ["quote", quote]] as const) {
        stream.update(leg, { timeUs: bars[t].timeUs, close: bars[t].close * 1.0001 });
        stream.update(leg, bars[t]);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const updates = 4 * buckets;
    yield {
      bench: "pair_stream",
      method,
      updates,
      microsPerUpdate: Number(((seconds * 1e6) / updates).toFixed(2)),
      lookback,
      windows: "z 60, corr 60, hedge 100",
    };
    await Promise.resolve();
  }
}

function syntheticPair(length: number): { base: BarClose[]; quote: BarClose[] } {
  let state = 12345;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const base: BarClose[] = [];
  const quote: BarClose[] = [];
  let x = 3000;
  let spread = 0;
  for (let t = 0; t < length; t++) {
    x += (random() - 0.5) * 0.5;
    spread = 0.95 * spread + (random() - 0.5) * 4;
    const timeUs = 1_700_000_000_000_000 + t * 1_000_000;
    quote.push({ timeUs, close: Math.round(x * 100) / 100 });
    base.push({ timeUs, close: Math.round((20 * x + spread) * 10) / 10 });
  }
  return { base, quote };
}
