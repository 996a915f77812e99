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
import { fitOls, fitWeightedLine, type Line, lineResiduals } from "./linear_regression.ts";
import { median } from "./median.ts";
import { createCompensatedSum } from "./sums.ts";

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
  const scratch = new Float64Array(n);
  let scale = madAboutZero(residuals, scratch);
  let previousDeviance = deviance(residuals, weights, threshold);
  let iterations = 1;
  for (;;) {
    if (scale === 0) break;
    for (let i = 0; i < n; i++) weights[i] = huberWeight(residuals[i] / scale, threshold);
    line = fitWeightedLine(y, x, weights);
    lineResiduals(line, y, x, residuals);
    scale = madAboutZero(residuals, scratch);
    const currentDeviance = deviance(residuals, weights, threshold);
    iterations++;
    // Written as statsmodels `_check_convergence`: a NaN change (∞ − ∞) counts as converged.
    const change = Math.abs(currentDeviance - previousDeviance);
    if (!(change > tolerance && iterations < maxIterations)) break;
    previousDeviance = currentDeviance;
  }
  return { ...line, scale, iterations };
}

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

/** Σρ(rᵢ / s²) with s² = Σwᵢrᵢ²/(n−2), statsmodels `RLM.deviance` of a `_MinimalWLS` result. */
function deviance(residuals: Float64Array, weights: Float64Array, threshold: number): number {
  const weightedSquares = createCompensatedSum();
  for (let i = 0; i < residuals.length; i++) {
    weightedSquares.add(weights[i] * residuals[i] * residuals[i]);
  }
  const variance = weightedSquares.value() / (residuals.length - 2);
  const total = createCompensatedSum();
  for (let i = 0; i < residuals.length; i++) {
    total.add(huberRho(residuals[i] / variance, threshold));
  }
  return total.value();
}

/** statsmodels `scale.mad(r, center=0)`: median(|r|) / Φ⁻¹(3/4). */
function madAboutZero(residuals: Float64Array, scratch: Float64Array): number {
  for (let i = 0; i < residuals.length; i++) scratch[i] = Math.abs(residuals[i]);
  return median(scratch, scratch) / MAD_NORMALISATION;
}
