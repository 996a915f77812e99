/**
 * The common time grid of a pair (ANALYTICS.md "Inputs"): every bucket where at least one of the two
 * symbols has a bar, starting at the first bucket where both have had one; a symbol without a bar
 * in a bucket carries its previous close forward (LOCF). pandas:
 * `pd.concat({"y": y, "x": x}, axis=1).sort_index().ffill().dropna()`. O(n_y + n_x).
 */
import { isoFromMicros } from "../domain.ts";

/** A bar reduced to what pair analytics reads: its bucket start and close. `Bar` fits. */
export interface BarClose {
  /** Bucket start, microseconds since the epoch. */
  timeUs: number;
  close: number;
}

/** One side of a pair: the symbol (for messages) and its bars in time order. */
export interface PairLeg {
  symbol: string;
  bars: readonly BarClose[];
}

export interface PairGrid {
  timesUs: Float64Array;
  closeY: Float64Array;
  closeX: Float64Array;
}

/** Aligns base (Y) and quote (X) closes on their common LOCF grid. Empty when they never overlap. */
export function alignPairGrid(base: PairLeg, quote: PairLeg): PairGrid {
  checkLeg(base);
  checkLeg(quote);
  const yBars = base.bars;
  const xBars = quote.bars;
  // At most one bucket per bar of either leg; trimmed to what was filled at the end.
  const capacity = yBars.length + xBars.length;
  const times = new Float64Array(capacity);
  const closeY = new Float64Array(capacity);
  const closeX = new Float64Array(capacity);
  let filled = 0;
  let i = 0;
  let j = 0;
  let lastY = NaN;
  let lastX = NaN;
  while (i < yBars.length || j < xBars.length) {
    const nextY = i < yBars.length ? yBars[i].timeUs : Infinity;
    const nextX = j < xBars.length ? xBars[j].timeUs : Infinity;
    const time = Math.min(nextY, nextX);
    if (nextY === time) lastY = yBars[i++].close;
    if (nextX === time) lastX = xBars[j++].close;
    if (Number.isNaN(lastY) || Number.isNaN(lastX)) continue;
    times[filled] = time;
    closeY[filled] = lastY;
    closeX[filled] = lastX;
    filled++;
  }
  return {
    timesUs: times.slice(0, filled),
    closeY: closeY.slice(0, filled),
    closeX: closeX.slice(0, filled),
  };
}

function checkLeg(leg: PairLeg): void {
  for (let k = 0; k < leg.bars.length; k++) {
    const bar = leg.bars[k];
    if (!Number.isFinite(bar.close)) {
      throw new RangeError(
        `${leg.symbol} close at ${isoFromMicros(bar.timeUs)} is not a number (${bar.close})`,
      );
    }
    if (k > 0 && !(bar.timeUs > leg.bars[k - 1].timeUs)) {
      throw new RangeError(
        `${leg.symbol} bars are not in time order: ${isoFromMicros(bar.timeUs)} follows ` +
          `${isoFromMicros(leg.bars[k - 1].timeUs)}`,
      );
    }
  }
}
