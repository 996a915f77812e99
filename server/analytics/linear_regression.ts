/**
 * Least-squares lines y = intercept + slope·x, computed on centred data.
 *
 * The textbook normal equations use Σx² and (Σx)², which at BTC-level prices (x ≈ 60,000 moving in
 * the fifth digit) cancel to noise. Subtracting the mean first (two passes, compensated sums) keeps
 * the full precision: slope = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)², intercept = ȳ − slope·x̄ (Björck 1996,
 * "Numerical Methods for Least Squares Problems", §2.2). Same estimate as statsmodels
 * `OLS(y, add_constant(x)).fit()` / `WLS(..., weights=w)`. O(n).
 */
import { addCompensated, compensatedValue } from "./sums.ts";

/** Where each compensated sum of a fit sits in its array of sums (`addCompensated`). */
const SUM_X = 0;
const SUM_Y = 2;
const SUM_XX = 4;
const SUM_XY = 6;
const SUM_YY = 8;
const SUM_RESIDUALS = 10;
const SUM_W = 8;

/**
 * A fitted line. `centreX`/`centreY` is a point on the line inside the data (the means for least
 * squares); residuals taken relative to it, `(y − centreY) − slope·(x − centreX)`, do not suffer the
 * cancellation of `y − (intercept + slope·x)` at large price levels.
 */
export interface Line {
  intercept: number;
  slope: number;
  centreX: number;
  centreY: number;
}

export interface OlsLine extends Line {
  /** 1 − SSR/SST as statsmodels `rsquared`; null when y is constant (0/0). */
  rSquared: number | null;
  /** Σ residual². */
  sumSquaredResiduals: number;
}

export interface RangeOptions {
  /** First index used, inclusive. Default 0. */
  start?: number;
  /** Last index used, exclusive. Default the series length. */
  end?: number;
}

/** Ordinary least squares of y on x with an intercept over `[start, end)`. Needs two distinct x. */
export function fitOls(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: RangeOptions = {},
): OlsLine {
  const { start, end } = checkedRange(y, x, options);
  const count = end - start;
  const sums = new Float64Array(12);
  for (let i = start; i < end; i++) {
    addCompensated(sums, SUM_X, x[i]);
    addCompensated(sums, SUM_Y, y[i]);
  }
  const meanX = compensatedValue(sums, SUM_X) / count;
  const meanY = compensatedValue(sums, SUM_Y) / count;
  for (let i = start; i < end; i++) {
    const dx = x[i] - meanX;
    const dy = y[i] - meanY;
    addCompensated(sums, SUM_XX, dx * dx);
    addCompensated(sums, SUM_XY, dx * dy);
    addCompensated(sums, SUM_YY, dy * dy);
  }
  const sxx = compensatedValue(sums, SUM_XX);
  if (!(sxx > 0)) {
    throw new RangeError(`Cannot fit a line: x is constant over the ${count} points`);
  }
  const slope = compensatedValue(sums, SUM_XY) / sxx;
  for (let i = start; i < end; i++) {
    const residual = (y[i] - meanY) - slope * (x[i] - meanX);
    addCompensated(sums, SUM_RESIDUALS, residual * residual);
  }
  const sst = compensatedValue(sums, SUM_YY);
  const ssr = compensatedValue(sums, SUM_RESIDUALS);
  return {
    intercept: meanY - slope * meanX,
    slope,
    centreX: meanX,
    centreY: meanY,
    rSquared: sst > 0 ? 1 - ssr / sst : null,
    sumSquaredResiduals: ssr,
  };
}

/**
 * Weighted least squares: minimises Σ wᵢ(yᵢ − a − b·xᵢ)² over all points (weights > 0), as
 * statsmodels `WLS(y, add_constant(x), weights=w)`. Needs two distinct x with positive weight.
 */
export function fitWeightedLine(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  weights: ArrayLike<number>,
): Line {
  const n = y.length;
  checkedRange(y, x, {});
  if (weights.length !== n) {
    throw new RangeError(`weights have ${weights.length} values for ${n} points`);
  }
  const sums = new Float64Array(10);
  for (let i = 0; i < n; i++) {
    addCompensated(sums, SUM_W, weights[i]);
    addCompensated(sums, SUM_X, weights[i] * x[i]);
    addCompensated(sums, SUM_Y, weights[i] * y[i]);
  }
  const sumW = compensatedValue(sums, SUM_W);
  const meanX = compensatedValue(sums, SUM_X) / sumW;
  const meanY = compensatedValue(sums, SUM_Y) / sumW;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - meanX;
    addCompensated(sums, SUM_XX, weights[i] * dx * dx);
    addCompensated(sums, SUM_XY, weights[i] * dx * (y[i] - meanY));
  }
  const sxx = compensatedValue(sums, SUM_XX);
  if (!(sxx > 0)) {
    throw new RangeError(`Cannot fit a line: x is constant over the ${n} weighted points`);
  }
  const slope = compensatedValue(sums, SUM_XY) / sxx;
  return { intercept: meanY - slope * meanX, slope, centreX: meanX, centreY: meanY };
}

/** yᵢ − (intercept + slope·xᵢ), computed relative to the line's centre. */
export function lineResiduals(
  line: Line,
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(y.length),
): Float64Array {
  for (let i = 0; i < y.length; i++) {
    out[i] = (y[i] - line.centreY) - line.slope * (x[i] - line.centreX);
  }
  return out;
}

function checkedRange(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: RangeOptions,
): { start: number; end: number } {
  if (y.length !== x.length) {
    throw new RangeError(`y has ${y.length} points but x has ${x.length}`);
  }
  const start = options.start ?? 0;
  const end = options.end ?? y.length;
  if (!(start >= 0 && end <= y.length && end - start >= 2)) {
    throw new RangeError(
      `A line needs at least 2 points; got the range [${start}, ${end}) of ${y.length}`,
    );
  }
  for (let i = start; i < end; i++) {
    if (!Number.isFinite(y[i]) || !Number.isFinite(x[i])) {
      throw new RangeError(`Cannot fit a line: point ${i} is not finite (y=${y[i]}, x=${x[i]})`);
    }
  }
  return { start, end };
}
