/**
 * A grid of backtests over entry x exit thresholds (x z-score window when the caller supplies one
 * z-score series per window), for a heat map of which thresholds would have worked. The costly
 * parts - hedge ratios, spreads, z-scores - are computed once by the caller; each cell is one O(n)
 * pass of the same state machine as `runBacktest` that keeps only the metrics (no equity curve or
 * trade list), so a cell equals `runBacktest` with those thresholds. O(cells n).
 */

import {
  type BacktestMetrics,
  type BacktestSeries,
  nullableArray,
  prepareSeries,
  resolveRules,
  simulateBacktest,
} from "./backtest.ts";

export interface SweepSeries extends Omit<BacktestSeries, "zscore"> {
  /**
   * The z-score series to test, each labelled with its window (null when the grid has no window
   * axis).
   */
  zscores: { window: number | null; zscore: ArrayLike<number | null> }[];
}

export interface SweepOptions {
  /** Entry thresholds to try. Default [1.5, 2, 2.5, 3]. */
  entries?: number[];
  /** Exit thresholds to try. Default [0, 0.25, 0.5, 1]. */
  exits?: number[];
  /** Stop threshold for every cell, or null for none. Default 4. */
  stop?: number | null;
  /** Notional N. Default 10,000. */
  notional?: number;
  /** Fee per leg per fill in basis points. Default 4. */
  feeBps?: number;
}

export interface SweepCell {
  window: number | null;
  entry: number;
  exit: number;
  metrics: BacktestMetrics;
}

/**
 * One cell per (window, entry, exit) in that order of nesting. Combinations that break the rules
 * 0 <= exit < entry < stop are left out rather than failing the whole grid.
 */
export function sweepBacktest(series: SweepSeries, options: SweepOptions = {}): SweepCell[] {
  const entries = options.entries ?? [1.5, 2, 2.5, 3];
  const exits = options.exits ?? [0, 0.25, 0.5, 1];
  const stop = options.stop === undefined ? 4 : options.stop;
  if (series.zscores.length === 0) throw new RangeError("A backtest sweep needs a z-score series");
  const prepared = prepareSeries(series);
  const n = prepared.priceY.length;
  const cells: SweepCell[] = [];
  for (const { window, zscore } of series.zscores) {
    const z = nullableArray(zscore, n, window === null ? "zscore" : `zscore (window ${window})`);
    for (const entry of entries) {
      for (const exit of exits) {
        const valid = exit >= 0 && exit < entry && (stop === null || stop > entry);
        if (!valid) continue;
        const rules = resolveRules({
          entry,
          exit,
          stop,
          notional: options.notional,
          feeBps: options.feeBps,
        });
        cells.push({ window, entry, exit, metrics: simulateBacktest(prepared, z, rules) });
      }
    }
  }
  return cells;
}
