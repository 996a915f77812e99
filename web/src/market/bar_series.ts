/** The bars a market chart holds and the statistics of the loaded range. */

/** A bar as the dashboard keeps it: `time` is the bucket start in ms since the epoch. */
export interface ChartBar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

export interface RangeStats {
  high: number;
  low: number;
  open: number;
  close: number;
  /** close - open of the range. */
  change: number;
  /** change / open, as a fraction. */
  changeFraction: number;
  volume: number;
  trades: number;
}

/** High, low, change (first open to last close) and volume over the bars; null when none. */
export function rangeStats(bars: readonly ChartBar[]): RangeStats | null {
  if (bars.length === 0) return null;
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  let trades = 0;
  for (const bar of bars) {
    high = Math.max(high, bar.high);
    low = Math.min(low, bar.low);
    volume += bar.volume;
    trades += bar.trades;
  }
  const open = bars[0].open;
  const close = bars[bars.length - 1].close;
  return {
    high,
    low,
    open,
    close,
    change: close - open,
    changeFraction: (close - open) / open,
    volume,
    trades,
  };
}
