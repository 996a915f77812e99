/**
 * Rolling OLS hedge: for each t ≥ L−1 (0-based), y = α_t + β_t·x by least squares over the L points
 * ending at t inclusive; statsmodels `RollingOLS(y, add_constant(x), window=L).fit()`. Earlier
 * points are null (NaN here).
 *
 * β_t = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)², α_t = ȳ − β_t·x̄, R²_t = [Σ(x−x̄)(y−ȳ)]² / (Σ(x−x̄)²·Σ(y−ȳ)²), from
 * the centred window moments of `slidingMoments` (O(n) overall, re-anchored sums). statsmodels'
 * default `method="inv"` inverts raw normal equations, which at BTC-level RAW prices loses most
 * digits; this matches its `method="pinv"` to ~1e-10. A window in which x does not move has no
 * slope: null there (statsmodels "inv" fails on it as well; "pinv" would invent a minimum-norm line).
 */
import { slidingMoments } from "./rolling.ts";

export interface RollingOls {
  intercept: Float64Array;
  slope: Float64Array;
  /** NaN also where y is constant in the window (0/0). */
  rSquared: Float64Array;
  /** Window means of x and y: residuals relative to them avoid cancellation at large prices. */
  meanX: Float64Array;
  meanY: Float64Array;
}

export function rollingOls(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  window: number,
): RollingOls {
  if (!Number.isInteger(window) || window < 2) {
    throw new RangeError(`hedgeWindow must be a whole number of at least 2 points, got ${window}`);
  }
  const moments = slidingMoments(y, x, window);
  const n = y.length;
  const out: RollingOls = {
    intercept: new Float64Array(n).fill(NaN),
    slope: new Float64Array(n).fill(NaN),
    rSquared: new Float64Array(n).fill(NaN),
    meanX: moments.meanB,
    meanY: moments.meanA,
  };
  for (let t = 0; t < n; t++) {
    const sxx = moments.sumSquaresB[t];
    if (!(sxx > 0)) continue;
    const slope = moments.sumCross[t] / sxx;
    out.slope[t] = slope;
    out.intercept[t] = moments.meanA[t] - slope * moments.meanB[t];
    const syy = moments.sumSquaresA[t];
    if (syy > 0) out.rSquared[t] = Math.min(1, moments.sumCross[t] * slope / syy);
  }
  return out;
}
