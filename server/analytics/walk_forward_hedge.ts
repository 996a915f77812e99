/**
 * Hedge ratios fitted walk-forward: the parameters used at bar t come only from bars before t,
 * so a spread built from them, and a backtest on it, has no look-ahead. (A static OLS / Huber /
 * Theil-Sen fit over the whole range sees the future; the product marks such backtests
 * in-sample.)
 *
 * - mode "expanding": fit on bars 0 .. t-1, once at least `window` bars are available;
 * - mode "rolling": fit on bars t-window .. t-1;
 * - refitEvery k: refit only every k-th bar and hold the last parameters in between, for fits
 *   that are costly (Huber, Theil-Sen). The parameters at bar t still come from bars before t.
 *
 * The default fit is OLS y = alpha + beta x, kept up to date with running sums and co-moments,
 * adding a bar and in rolling mode removing the oldest: O(n) for either mode. A
 * custom `fit` is called on each refit's window: O(n / k * cost of fit).
 */

import { createCompensatedSum } from "./sums.ts";

/** Fits y = intercept + hedgeRatio * x on the given window; null when it cannot (e.g. x flat). */
export type HedgeFit = (
  y: Float64Array,
  x: Float64Array,
) => { hedgeRatio: number; intercept: number } | null;

export interface WalkForwardOptions {
  /** "expanding" (default) or "rolling". */
  mode?: "expanding" | "rolling";
  /** Rolling window length, or the bars needed before the first expanding fit. Default 100. */
  window?: number;
  /** Refit every this many bars. Default 1 (every bar). */
  refitEvery?: number;
  /** The fit to use; default OLS with intercept (in O(1) per bar). */
  fit?: HedgeFit;
}

export interface WalkForwardHedge {
  /** beta used at each bar; null before the first fit or when the fit failed. */
  hedgeRatio: (number | null)[];
  intercept: (number | null)[];
  /** s_t = y_t - (alpha + beta x_t) with the parameters fitted before t; null where they are. */
  spread: (number | null)[];
}

/** Walk-forward hedge ratios and spread of y on x (transformed prices, same length). */
export function walkForwardHedge(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: WalkForwardOptions = {},
): WalkForwardHedge {
  const mode = options.mode ?? "expanding";
  const window = options.window ?? 100;
  const refitEvery = options.refitEvery ?? 1;
  const n = y.length;
  if (x.length !== n) {
    throw new RangeError(`Walk-forward hedge needs equal lengths; y has ${n}, x has ${x.length}`);
  }
  if (!Number.isInteger(window) || window < 2) {
    throw new RangeError(`Walk-forward window must be a whole number >= 2; got ${window}`);
  }
  if (!Number.isInteger(refitEvery) || refitEvery < 1) {
    throw new RangeError(`Walk-forward refitEvery must be a whole number >= 1; got ${refitEvery}`);
  }
  const ys = Float64Array.from(y);
  const xs = Float64Array.from(x);
  for (let index = 0; index < n; index++) {
    if (!Number.isFinite(ys[index]) || !Number.isFinite(xs[index])) {
      throw new RangeError(
        `Walk-forward hedge needs finite prices; y[${index}] = ${ys[index]}, x[${index}] = ${
          xs[index]
        }`,
      );
    }
  }
  const ols = createRunningOls();
  const fitWindow = (start: number, end: number) =>
    options.fit ? options.fit(ys.subarray(start, end), xs.subarray(start, end)) : ols.fit();

  const result: WalkForwardHedge = {
    hedgeRatio: new Array(n).fill(null),
    intercept: new Array(n).fill(null),
    spread: new Array(n).fill(null),
  };
  let current: { hedgeRatio: number; intercept: number } | null = null;
  for (let t = window; t < n; t++) {
    if ((t - window) % refitEvery === 0) {
      if (!options.fit) {
        // Bring the running sums to the window that ends just before t.
        const start = mode === "rolling" ? t - window : 0;
        ols.advanceTo(ys, xs, start, t);
      }
      current = fitWindow(mode === "rolling" ? t - window : 0, t);
    }
    if (current) {
      result.hedgeRatio[t] = current.hedgeRatio;
      result.intercept[t] = current.intercept;
      result.spread[t] = ys[t] - (current.intercept + current.hedgeRatio * xs[t]);
    }
  }
  return result;
}

/**
 * Running OLS of y on x with intercept over a range [start, end) that only moves forward. The
 * means come from compensated sums (no drift however many bars enter and leave); the co-moments
 * follow Welford's updates with those means - adding: C += (x - m_old)(y - m_new), removing:
 * C -= (x - m_new)(y - m_old) - which keep the precision at price levels far from zero.
 */
function createRunningOls() {
  let start = 0;
  let end = 0;
  const sumX = createCompensatedSum();
  const sumY = createCompensatedSum();
  let sxx = 0;
  let sxy = 0;
  let scaleX = 0;

  const update = (yValue: number, xValue: number, sign: 1 | -1) => {
    const countBefore = end - start;
    const meanXBefore = countBefore > 0 ? sumX.value() / countBefore : 0;
    const meanYBefore = countBefore > 0 ? sumY.value() / countBefore : 0;
    sumX.add(sign * xValue);
    sumY.add(sign * yValue);
    const countAfter = countBefore + sign;
    const meanXAfter = countAfter > 0 ? sumX.value() / countAfter : 0;
    const meanYAfter = countAfter > 0 ? sumY.value() / countAfter : 0;
    if (sign === 1) {
      sxx += (xValue - meanXBefore) * (xValue - meanXAfter);
      sxy += (xValue - meanXBefore) * (yValue - meanYAfter);
    } else {
      sxx -= (xValue - meanXAfter) * (xValue - meanXBefore);
      sxy -= (xValue - meanXAfter) * (yValue - meanYBefore);
    }
  };

  return {
    advanceTo(ys: Float64Array, xs: Float64Array, newStart: number, newEnd: number) {
      for (; end < newEnd; end++) {
        update(ys[end], xs[end], 1);
        scaleX = Math.max(scaleX, Math.abs(xs[end]));
      }
      for (; start < newStart; start++) {
        // The count used inside update is end - start, so move start after the update.
        update(ys[start], xs[start], -1);
      }
    },
    fit(): { hedgeRatio: number; intercept: number } | null {
      const count = end - start;
      // x flat over the window (up to rounding left by the updates): no hedge ratio.
      if (!(sxx > count * (scaleX * 1e-12) ** 2)) return null;
      const hedgeRatio = sxy / sxx;
      return { hedgeRatio, intercept: sumY.value() / count - hedgeRatio * (sumX.value() / count) };
    },
  };
}
