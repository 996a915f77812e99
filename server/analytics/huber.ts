/**
 * Huber M-estimation of y = intercept + slope·x, exactly as statsmodels 0.13.5
 * `RLM(y, add_constant(x), M=HuberT()).fit()` (statsmodels/robust/robust_linear_model.py, norms.py,
 * scale.py), so that a user re-running it in Python gets the same line:
 *
 * 1. Start from OLS.
 * 2. scale = MAD of the residuals about 0: median(|r|) / Φ⁻¹(3/4)  (`scale.mad(resid, center=0)`).
 * 3. Repeat: weights w = 1 where |r/scale| ≤ t, else t/|r/scale| (t = 1.345); weighted least squares;
 *    re-estimate scale = MAD of the new residuals.
 * 4. Stop when the deviance Σρ(r / s²) changes by at most `tolerance` or after `maxIterations` fits
 *    (the OLS start counts as the first). ρ(z) = z²/2 for |z| ≤ t, else t|z| − t²/2, and s² is the
 *    weighted residual variance Σw·r²/(n−2) of the last fit: statsmodels divides by that variance,
 *    not by the MAD scale, and so does this code, because the stopping point depends on it.
 * 5. A MAD of exactly 0 (more than half the points on the line) stops the iteration at once.
 *
 * Each iteration is O(n) (median by selection), at most 50 iterations.
 */
import { fitOls, type Line, lineResiduals } from "./linear_regression.ts";
import { median, selectInPlace } from "./median.ts";
import { addCompensated, compensatedValue } from "./sums.ts";

/** Φ⁻¹(3/4) as scipy `norm.ppf(0.75)`: makes the MAD a consistent estimate of σ for normal data. */
const MAD_NORMALISATION = 0.6744897501960817;

export interface HuberOptions {
  /** Huber's tuning constant t. Default 1.345 (95% efficiency under normal errors). */
  threshold?: number;
  /** Largest number of fits, the OLS start included. Default 50. */
  maxIterations?: number;
  /** Absolute change of the deviance that counts as converged. Default 1e-8. */
  tolerance?: number;
}

export interface HuberLine extends Line {
  /** The final MAD scale estimate. */
  scale: number;
  /** Fits performed, the OLS start included (statsmodels `fit_history["iteration"]`). */
  iterations: number;
}

export function fitHuber(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: HuberOptions = {},
): HuberLine {
  const threshold = options.threshold ?? 1.345;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const n = y.length;
  if (n < 3) {
    throw new RangeError(
      `A Huber fit needs at least 3 points (one more than its 2 parameters), got ${n}`,
    );
  }
  let line: Line = fitOls(y, x);
  const residuals = lineResiduals(line, y, x);
  const weights = new Float64Array(n).fill(1);
  const magnitudes = new Float64Array(n);
  const near = new Float64Array(n);
  for (let i = 0; i < n; i++) magnitudes[i] = Math.abs(residuals[i]);
  let medianMagnitude = median(magnitudes, near);
  let scale = medianMagnitude / MAD_NORMALISATION;
  let previousDeviance = deviance(residuals, weightedSquares(residuals, weights), threshold);
  let iterations = 1;
  for (;;) {
    if (scale === 0) break;
    line = reweightedFit(y, x, residuals, scale, threshold, weights);
    const squares = updateResiduals(line, y, x, residuals, weights, magnitudes);
    medianMagnitude = medianNear(magnitudes, medianMagnitude, near);
    scale = medianMagnitude / MAD_NORMALISATION;
    const currentDeviance = deviance(residuals, squares, threshold);
    iterations++;
    // Written as statsmodels `_check_convergence`: a NaN change (∞ − ∞) counts as converged.
    const change = Math.abs(currentDeviance - previousDeviance);
    if (!(change > tolerance && iterations < maxIterations)) break;
    previousDeviance = currentDeviance;
  }
  return { ...line, scale, iterations };
}

/**
 * The weights of the residuals at `scale` (stored in `weights`), and the weighted least-squares
 * line with them: `fitWeightedLine`'s arithmetic, with the weights made in its first pass.
 */
function reweightedFit(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  residuals: Float64Array,
  scale: number,
  threshold: number,
  weights: Float64Array,
): Line {
  const n = residuals.length;
  const sums = new Float64Array(10);
  for (let i = 0; i < n; i++) {
    const weight = huberWeight(residuals[i] / scale, threshold);
    weights[i] = weight;
    addCompensated(sums, 0, weight);
    addCompensated(sums, 2, weight * x[i]);
    addCompensated(sums, 4, weight * y[i]);
  }
  const totalW = compensatedValue(sums, 0);
  const meanX = compensatedValue(sums, 2) / totalW;
  const meanY = compensatedValue(sums, 4) / totalW;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - meanX;
    addCompensated(sums, 6, weights[i] * dx * dx);
    addCompensated(sums, 8, weights[i] * dx * (y[i] - meanY));
  }
  const sxx = compensatedValue(sums, 6);
  if (!(sxx > 0)) {
    throw new RangeError(`Cannot fit a line: x is constant over the ${n} weighted points`);
  }
  const slope = compensatedValue(sums, 8) / sxx;
  return { intercept: meanY - slope * meanX, slope, centreX: meanX, centreY: meanY };
}

/**
 * The residuals of `line` (as `lineResiduals`), their magnitudes, and Σ wᵢrᵢ² (compensated), in
 * one pass.
 */
function updateResiduals(
  line: Line,
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  residuals: Float64Array,
  weights: Float64Array,
  magnitudes: Float64Array,
): number {
  const sums = new Float64Array(2);
  for (let i = 0; i < residuals.length; i++) {
    const residual = (y[i] - line.centreY) - line.slope * (x[i] - line.centreX);
    residuals[i] = residual;
    magnitudes[i] = Math.abs(residual);
    addCompensated(sums, 0, weights[i] * residual * residual);
  }
  return compensatedValue(sums, 0);
}

/** Σ wᵢrᵢ² (compensated). */
function weightedSquares(residuals: Float64Array, weights: Float64Array): number {
  const sums = new Float64Array(2);
  for (let i = 0; i < residuals.length; i++) {
    addCompensated(sums, 0, weights[i] * residuals[i] * residuals[i]);
  }
  return compensatedValue(sums, 0);
}

/**
 * The median of `values` (numpy's, as `median`) when it is expected near `guess`, the previous
 * iteration's: one pass counts the values below a narrow band around the guess and gathers those
 * inside it, and the wanted ranks are selected among the few gathered. Exactly the median;
 * when a rank falls outside the band, a full selection. Expected O(n) with a small constant,
 * instead of a selection over all n values fifty times.
 */
function medianNear(values: Float64Array, guess: number, scratch: Float64Array): number {
  const n = values.length;
  const upperRank = n >> 1;
  const lowerRank = n % 2 === 1 ? upperRank : upperRank - 1;
  const low = guess * (1 - MEDIAN_BAND);
  const high = guess * (1 + MEDIAN_BAND);
  let below = 0;
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (Number.isNaN(value)) throw new RangeError(`Cannot take a median: value ${i} is NaN`);
    if (value < low) below++;
    else if (value <= high) scratch[inside++] = value;
  }
  if (!(lowerRank >= below && upperRank < below + inside)) return median(values, scratch);
  const gathered = scratch.subarray(0, inside);
  const upper = selectInPlace(gathered, upperRank - below);
  if (lowerRank === upperRank) return upper;
  // After selection every gathered value before the upper one is <= it; the largest of them is
  // the other middle value.
  let lower = gathered[0];
  for (let i = 1; i < upperRank - below; i++) if (gathered[i] > lower) lower = gathered[i];
  return (lower + upper) / 2;
}

/**
 * Half-width of the band around the previous median, relative: the MAD moves by well under 1%
 * between iterations once they settle, and ±2% of a half-normal's median holds about 1.7% of the
 * values.
 */
const MEDIAN_BAND = 0.02;

function huberWeight(z: number, threshold: number): number {
  const absolute = Math.abs(z);
  return absolute <= threshold ? 1 : threshold / absolute;
}

/** Huber's ρ, written as numpy evaluates it so that ρ(±∞) is NaN there and here alike. */
function huberRho(z: number, threshold: number): number {
  const inside = Math.abs(z) <= threshold ? 1 : 0;
  return inside * 0.5 * z * z +
    (1 - inside) * (Math.abs(z) * threshold - 0.5 * threshold * threshold);
}

/**
 * Σρ(rᵢ / s²) with s² = Σwᵢrᵢ²/(n−2) (`squares` = Σwᵢrᵢ²), statsmodels `RLM.deviance` of a
 * `_MinimalWLS` result.
 */
function deviance(residuals: Float64Array, squares: number, threshold: number): number {
  const variance = squares / (residuals.length - 2);
  const sums = new Float64Array(2);
  for (let i = 0; i < residuals.length; i++) {
    addCompensated(sums, 0, huberRho(residuals[i] / variance, threshold));
  }
  return compensatedValue(sums, 0);
}
