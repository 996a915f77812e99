/**
 * Augmented Dickey-Fuller unit-root test, reproducing statsmodels 0.13.5
 * `adfuller(x, maxlag=None, regression, autolag="AIC")` (statsmodels/tsa/stattools.py):
 *
 *   Δx_t = [alpha +] gamma x_{t-1} + sum_{j=1..q} phi_j Δx_{t-j} + e_t,   statistic = t(gamma).
 *
 * - maxlag defaults to ceil(12 (n/100)^(1/4)), capped at n//2 - (1 if constant) - 1.
 * - AIC search: every q in 0..maxlag is fitted on the same rows (those that maxlag leaves), and
 *   the q with the smallest aic = -2 llf + 2 k wins (ties: the smaller q), where
 *   llf = -(m/2) ln SSR - (m/2)(1 + ln(pi / (m/2))) for m rows and k regressors, as in
 *   statsmodels' OLS. That smallest aic is `icBest`.
 * - The test regression is then re-run at the chosen q on all n - 1 - q rows it allows; `nobs`
 *   is that row count, the p-value is MacKinnon (1994) for N = 1 and the critical values are
 *   MacKinnon (2010) at that nobs.
 *
 * Speed: instead of fitting maxlag + 1 regressions (about 69 at n = 100,000), the cross-product
 * matrix of [x_{t-1}, Δx_{t-1..t-maxlag}, Δx_t] is built once - O(n maxlag) compensated products,
 * the Toeplitz-like lag block by sliding updates - and one Cholesky factor gives the residual sum
 * of squares of every prefix of the columns. With a constant, the columns are centred (which
 * partials the constant out exactly, Frisch-Waugh-Lovell) after shifting the series by its mean,
 * so price levels far from zero lose no digits. Should the cross products be too ill-conditioned
 * (a pivot keeping < 1e-7 of its column), the same factor is recomputed by Householder QR of the
 * design matrix, O(n maxlag^2).
 *
 * Where statsmodels itself goes wrong - at price levels around 1e8 and above, its pinv drops the
 * level's direction as "numerically zero" - this follows the mathematics (the statistic is
 * invariant to shifting the series), i.e. statsmodels on the demeaned series.
 */

import { choleskyFactor } from "./cholesky.ts";
import { compensatedDot, compensatedLagDots, compensatedSum } from "./compensated_dot.ts";
import { householderR } from "./householder_qr.ts";
import { type CriticalValues, mackinnoncrit, mackinnonp } from "./mackinnon.ts";

export type { CriticalValues } from "./mackinnon.ts";

export interface AdfResult {
  /** t-statistic of gamma, the coefficient on the lagged level. */
  statistic: number;
  /** MacKinnon (1994) approximate p-value. */
  pValue: number;
  /** Number of lagged differences in the test regression. */
  usedLag: number;
  /** Rows of the test regression: n - 1 - usedLag. */
  nobs: number;
  /** MacKinnon (2010) critical values for nobs. */
  criticalValues: CriticalValues;
  /** Smallest AIC of the lag search; null when the lag was fixed (autolag null). */
  icBest: number | null;
}

export interface AdfOptions {
  /** Largest lag tried (or used, with autolag null). Default ceil(12 (n/100)^(1/4)), capped. */
  maxLag?: number;
  /** "AIC" (default) chooses the lag by AIC; null uses maxLag. */
  autolag?: "AIC" | null;
  /** "c" (default): constant in the test regression; "n": none (Engle-Granger residuals). */
  regression?: "c" | "n";
}

/**
 * Smallest length from which every longer series gives each candidate regression at least one
 * residual degree of freedom with the default maxlag. "c": maxlag <= n//2 - 2, so the largest
 * regression has (n - 1 - maxlag) - (maxlag + 2) >= 1 rows to spare from n = 4 on. "n": with
 * maxlag = n//2 - 1 an even n leaves n - 2 - 2 maxlag = 0; from n = 21 the 12 (n/100)^(1/4)
 * rule is the smaller cap and leaves at least 1.
 */
const MINIMUM_POINTS = { c: 4, n: 21 } as const;

/**
 * A Cholesky pivot keeping less than this fraction of its column's sum of squares (including the
 * target's: 1 - R^2) costs more than 7 of the 16 digits; the factor is then recomputed by QR so
 * that results stay within 1e-9 of an exact fit.
 */
const CHOLESKY_PIVOT_TOLERANCE = 1e-7;

/** Augmented Dickey-Fuller test of `series` (no nulls). O(n maxlag + maxlag^3). */
export function adfTest(series: ArrayLike<number>, options: AdfOptions = {}): AdfResult {
  const regression = options.regression ?? "c";
  const autolag = options.autolag === undefined ? "AIC" : options.autolag;
  const withConstant = regression === "c";
  const values = finiteValues(series);
  const n = values.length;
  const maxLag = resolveMaxLag(n, regression, options.maxLag);
  checkVaries(values);

  const levels = withConstant ? shiftedBy(values, compensatedSum(values) / n) : values;
  const rawDiffs = new Float64Array(n - 1);
  for (let t = 0; t < n - 1; t++) rawDiffs[t] = values[t + 1] - values[t];
  const diffs = withConstant ? shiftedBy(rawDiffs, compensatedSum(rawDiffs) / (n - 1)) : rawDiffs;

  const data = { levels, diffs, withConstant };
  const search = laggedCrossProducts(levels, diffs, maxLag);
  let usedLag = maxLag;
  let icBest: number | null = null;
  if (autolag === "AIC") {
    ({ lag: usedLag, aic: icBest } = searchLagByAic(data, search));
  }
  const testRegression = restrictToLag(search, levels, diffs, usedLag);
  const statistic = levelTStatistic(data, testRegression);
  return {
    statistic,
    pValue: mackinnonp(statistic, { regression, seriesCount: 1 }),
    usedLag,
    nobs: testRegression.rows,
    criticalValues: mackinnoncrit({ seriesCount: 1, regression, nobs: testRegression.rows }),
    icBest,
  };
}

function finiteValues(series: ArrayLike<number>): Float64Array {
  const values = new Float64Array(series.length);
  for (let index = 0; index < series.length; index++) {
    const value = series[index];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RangeError(
        `ADF needs finite numbers; series[${index}] is ${value} (drop nulls before testing)`,
      );
    }
    values[index] = value;
  }
  return values;
}

/** statsmodels' default and its checks; see MINIMUM_POINTS for when a lag length is usable. */
function resolveMaxLag(n: number, regression: "c" | "n", requested: number | undefined): number {
  const trendTerms = regression === "c" ? 1 : 0;
  const cap = Math.floor(n / 2) - trendTerms - 1;
  if (requested === undefined) {
    const maxLag = Math.min(cap, Math.ceil(12 * Math.pow(n / 100, 1 / 4)));
    if (maxLag < 0 || n - 2 - 2 * maxLag - trendTerms < 1) {
      throw new RangeError(
        `ADF (regression "${regression}") needs at least ${
          MINIMUM_POINTS[regression]
        } points, the series has ${n}`,
      );
    }
    return maxLag;
  }
  if (!Number.isInteger(requested) || requested < 0) {
    throw new RangeError(`ADF maxLag must be a whole number >= 0; got ${requested}`);
  }
  const needed = Math.max(2 * (requested + trendTerms + 1), 2 * requested + 3 + trendTerms);
  if (requested > cap || n < needed) {
    throw new RangeError(
      `ADF with maxLag ${requested} (regression "${regression}") needs at least ${needed} points, ` +
        `the series has ${n}`,
    );
  }
  return requested;
}

function checkVaries(values: Float64Array): void {
  for (let index = 1; index < values.length; index++) {
    if (values[index] !== values[0]) return;
  }
  throw new RangeError(
    `ADF needs a series that moves; all ${values.length} values equal ${values[0]}`,
  );
}

function shiftedBy(values: Float64Array, offset: number): Float64Array {
  const shifted = new Float64Array(values.length);
  for (let index = 0; index < values.length; index++) shifted[index] = values[index] - offset;
  return shifted;
}

/**
 * Uncentred sums over the regression rows t = lags .. n-2 (in difference indexing: the row
 * explains d_t = x_{t+1} - x_t) of the columns, in this order:
 *   0: level x_t,  j = 1..lags: d_{t-j},  lags + 1: d_t (the dependent variable).
 */
interface LaggedCrossProducts {
  lags: number;
  rows: number;
  /** (lags + 2)^2, row-major, symmetric. */
  products: Float64Array;
  /** Column sums. */
  sums: Float64Array;
}

function laggedCrossProducts(
  levels: Float64Array,
  diffs: Float64Array,
  lags: number,
): LaggedCrossProducts {
  const size = lags + 2;
  const first = lags;
  const rows = diffs.length - lags;
  const last = diffs.length - 1;
  const products = new Float64Array(size * size);
  const sums = new Float64Array(size);
  const y = lags + 1;
  const set = (i: number, j: number, value: number) => {
    products[i * size + j] = value;
    products[j * size + i] = value;
  };

  set(0, 0, compensatedDot(levels, levels, { aStart: first, bStart: first, length: rows }));
  sums[0] = compensatedSum(levels, { start: first, length: rows });
  // Lag 0 is the target column d_t, lags 1..lags the regressors d_{t-j}. Sums are dot products
  // with ones (exact products, so the same numbers as compensatedSum).
  const slice = { aStart: first, bStart: first, length: rows, lags: lags + 1 };
  const levelDots = compensatedLagDots(levels, diffs, slice);
  const diffDots = compensatedLagDots(diffs, diffs, slice);
  const diffSums = compensatedLagDots(new Float64Array(rows).fill(1), diffs, {
    ...slice,
    aStart: 0,
  });
  sums[y] = diffSums[0];
  set(0, y, levelDots[0]);
  set(y, y, diffDots[0]);
  for (let j = 1; j <= lags; j++) {
    sums[j] = diffSums[j];
    set(0, j, levelDots[j]);
    set(y, j, diffDots[j]);
  }
  // Lag block: S(i, j) = sum_{t = first..last} d_{t-i} d_{t-j}, where lag 0 is the target
  // column. Moving both lags back by one shifts the window of rows by one:
  // S(i, j) = S(i-1, j-1) + d_{first-i} d_{first-j} - d_{last+1-i} d_{last+1-j}.
  const column = (lag: number) => (lag === 0 ? y : lag);
  for (let i = 1; i <= lags; i++) {
    for (let j = i; j <= lags; j++) {
      const previous = products[column(i - 1) * size + column(j - 1)];
      set(
        i,
        j,
        previous + diffs[first - i] * diffs[first - j] - diffs[last + 1 - i] * diffs[last + 1 - j],
      );
    }
  }
  return { lags, rows, products, sums };
}

/** Centred cross products (with a constant) or the raw ones (without), same layout. */
function crossProductMatrix(
  crossProducts: LaggedCrossProducts,
  withConstant: boolean,
): Float64Array {
  const { products, sums, rows } = crossProducts;
  if (!withConstant) return products.slice();
  const size = sums.length;
  const centred = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      centred[i * size + j] = products[i * size + j] - sums[i] * sums[j] / rows;
    }
  }
  return centred;
}

/** statsmodels OLS log-likelihood, in its order of operations. */
function logLikelihood(ssr: number, rows: number): number {
  const half = rows / 2;
  return -Math.log(ssr) * half - (1 + Math.log(Math.PI / half)) * half;
}

function searchLagByAic(
  data: SeriesColumns,
  search: LaggedCrossProducts,
): { lag: number; aic: number } {
  const size = search.lags + 2;
  const y = size - 1;
  const factor = regressionFactor(data, search, Array.from({ length: size }, (_, k) => k));
  // SSR of the regression on columns 0..q is the squared length of the part of y's factor
  // column below row q: sum_{i = q+1}^{y} R[i][y]^2.
  let tailSquares = factor[y * size + y] ** 2;
  let best = { lag: search.lags, aic: Infinity };
  for (let lag = search.lags; lag >= 0; lag--) {
    const regressors = lag + 1 + (data.withConstant ? 1 : 0);
    const aic = -2 * logLikelihood(tailSquares, search.rows) + 2 * regressors;
    if (aic <= best.aic) best = { lag, aic };
    tailSquares += factor[lag * size + y] ** 2;
  }
  return best;
}

/**
 * The cross products of the regression with `lag` lags on all rows it allows (t = lag..n-2):
 * the search sums for the first lag + 1 regressor columns plus the rows t = lag..lags-1.
 */
function restrictToLag(
  search: LaggedCrossProducts,
  levels: Float64Array,
  diffs: Float64Array,
  lag: number,
): LaggedCrossProducts {
  const size = lag + 2;
  const searchSize = search.lags + 2;
  const sourceColumn = (k: number) => (k === lag + 1 ? search.lags + 1 : k);
  const products = new Float64Array(size * size);
  const sums = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    sums[i] = search.sums[sourceColumn(i)];
    for (let j = 0; j < size; j++) {
      products[i * size + j] = search.products[sourceColumn(i) * searchSize + sourceColumn(j)];
    }
  }
  const row = new Float64Array(size);
  for (let t = lag; t < search.lags; t++) {
    row[0] = levels[t];
    for (let j = 1; j <= lag; j++) row[j] = diffs[t - j];
    row[lag + 1] = diffs[t];
    for (let i = 0; i < size; i++) {
      sums[i] += row[i];
      for (let j = 0; j < size; j++) products[i * size + j] += row[i] * row[j];
    }
  }
  return { lags: lag, rows: search.rows + (search.lags - lag), products, sums };
}

/**
 * t-statistic of the level coefficient. With the columns ordered [lags, level, y], the last
 * regressor's coefficient is R[l][y] / R[l][l] and its standard error s / R[l][l], so
 * t = R[l][y] / s with s^2 = SSR / (rows - regressors) and SSR = R[y][y]^2.
 */
function levelTStatistic(data: SeriesColumns, regression: LaggedCrossProducts): number {
  const size = regression.lags + 2;
  const order = [...Array.from({ length: regression.lags }, (_, k) => k + 1), 0, size - 1];
  const factor = regressionFactor(data, regression, order);
  const level = size - 2;
  const y = size - 1;
  const regressors = regression.lags + 1 + (data.withConstant ? 1 : 0);
  const residualScale = Math.sqrt(factor[y * size + y] ** 2 / (regression.rows - regressors));
  return factor[level * size + y] / residualScale;
}

/** The transformed series the regressions are built from. */
interface SeriesColumns {
  levels: Float64Array;
  diffs: Float64Array;
  withConstant: boolean;
}

/**
 * Upper-triangular R with R'R = the (centred) cross products of the columns `order` (layout
 * indexes) of the regression with `regression.lags` lags. Cholesky of the cross products is
 * enough unless a pivot keeps less than CHOLESKY_PIVOT_TOLERANCE of its column (cond(X)^2 beyond
 * ~1e7, e.g. a near-sinusoidal series); then R comes from Householder QR of the design matrix
 * itself, accurate to cond(X) eps, as statsmodels' SVD-based fit is.
 */
function regressionFactor(
  data: SeriesColumns,
  regression: LaggedCrossProducts,
  order: number[],
): Float64Array {
  const size = order.length;
  const matrix = crossProductMatrix(regression, data.withConstant);
  const permuted = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) permuted[i * size + j] = matrix[order[i] * size + order[j]];
  }
  const cholesky = choleskyFactor(permuted, size, { relativeTolerance: CHOLESKY_PIVOT_TOLERANCE });
  if (cholesky.rank === size) return cholesky.factor;
  const qr = householderR(order.map((column) => designColumn(data, regression.lags, column)));
  if (qr.rank < size) throw singularRegression(order[qr.rank], regression.lags);
  return qr.factor;
}

/** One column of the design (layout index), over the rows t = lags..n-2, centred with a constant. */
function designColumn(data: SeriesColumns, lags: number, column: number): Float64Array {
  const rows = data.diffs.length - lags;
  const start = column === 0 || column === lags + 1 ? lags : lags - column;
  const values = (column === 0 ? data.levels : data.diffs).slice(start, start + rows);
  if (data.withConstant) {
    const mean = compensatedSum(values) / rows;
    for (let row = 0; row < rows; row++) values[row] -= mean;
  }
  return values;
}

/** `column` in the layout: 0 level, 1..lags lagged differences, lags + 1 the target. */
function singularRegression(column: number, lags: number): RangeError {
  if (column === lags + 1) {
    return new RangeError(
      "ADF regression fits the differences exactly (the series is deterministic, e.g. a straight " +
        "line or a pure geometric decay); the test is undefined",
    );
  }
  if (column === 0) {
    return new RangeError(
      "ADF regression is singular: the lagged level is a combination of the lagged differences " +
        "(a constant stretch or a deterministic pattern such as a pure sine wave)",
    );
  }
  return new RangeError(
    `ADF regression is singular: the difference at lag ${column} is a combination of the level ` +
      "and the shorter lags (a periodic or piecewise-constant series?); pass a smaller maxLag",
  );
}
