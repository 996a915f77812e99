/** Chart series derived from pair points: rebased prices and the spread's rolling bands. */
import type { PriceTransform } from "../state/dashboard_params.ts";

/** A pair point as the dashboard keeps it: `time` is the bucket start in ms since the epoch. */
export interface ChartPairPoint {
  time: number;
  /** Transformed base price (ln close for LOG, close for RAW). */
  y: number;
  /** Transformed quote price. */
  x: number;
  hedgeRatio: number | null;
  spread: number | null;
  zscore: number | null;
  correlation: number | null;
}

export type XY = [time: number, value: number | null];

/**
 * Both legs rebased to 100 at the first point, so two prices of very different size share one
 * axis: 100 * exp(y_t - y_0) for LOG (the transformed price is ln close), 100 * y_t / y_0 for RAW.
 */
export function rebasedPrices(
  points: readonly ChartPairPoint[],
  transform: PriceTransform,
): { base: XY[]; quote: XY[] } {
  if (points.length === 0) return { base: [], quote: [] };
  const first = points[0];
  const rebase = transform === "LOG"
    ? (value: number, start: number) => 100 * Math.exp(value - start)
    : (value: number, start: number) => 100 * value / start;
  return {
    base: points.map((p) => [p.time, rebase(p.y, first.y)]),
    quote: points.map((p) => [p.time, rebase(p.x, first.x)]),
  };
}

/**
 * The spread's rolling mean and mean ± entry·std over the z-score window w, with the sample
 * standard deviation (ddof 1) as in ANALYTICS.md "Z-score": the bands are exactly where z = ±entry.
 * Null until w spreads are seen, or where std = 0. O(n·w).
 */
export function spreadBands(
  points: readonly ChartPairPoint[],
  window: number,
  entry: number,
): { mean: XY[]; upper: XY[]; lower: XY[] } {
  const mean: XY[] = [];
  const upper: XY[] = [];
  const lower: XY[] = [];
  const recent: number[] = [];
  for (const point of points) {
    if (point.spread !== null) {
      recent.push(point.spread);
      if (recent.length > window) recent.shift();
    }
    if (point.spread === null || recent.length < window || window < 2) {
      mean.push([point.time, null]);
      upper.push([point.time, null]);
      lower.push([point.time, null]);
      continue;
    }
    let sum = 0;
    for (const value of recent) sum += value;
    const average = sum / window;
    let squares = 0;
    for (const value of recent) squares += (value - average) ** 2;
    const std = Math.sqrt(squares / (window - 1));
    mean.push([point.time, average]);
    upper.push([point.time, std > 0 ? average + entry * std : null]);
    lower.push([point.time, std > 0 ? average - entry * std : null]);
  }
  return { mean, upper, lower };
}

/** One field of the points as a chart series. */
export function fieldSeries(
  points: readonly ChartPairPoint[],
  field: "hedgeRatio" | "spread" | "zscore" | "correlation",
): XY[] {
  return points.map((point) => [point.time, point[field]]);
}
