/**
 * Everything the product shows for a pair (base Y, quote X) over a range, by the definitions of
 * ANALYTICS.md: the aligned grid, the hedge ratio by the chosen method, the spread, its rolling
 * z-score, the rolling correlation of log returns, ADF on the spread, Engle-Granger on the prices
 * and the spread's half-life. Pure: bars in, numbers out.
 *
 * What `hedgeRatio`, `intercept` and `rSquared` report per method:
 * - OLS, HUBER, THEIL_SEN: the one fit over the range (in-sample). `rSquared` is the OLS R² of y on
 *   x for all three — how much of y's variance a straight line in x explains, a property of the
 *   pair rather than of the robust fit.
 * - ROLLING_OLS: the last window that has a fit, and that window's R².
 * - KALMAN: the last filtered β_t, α_t; `rSquared` is null (the filter minimises no squared error
 *   over a sample).
 *
 * Cost: O(n) for OLS, ROLLING_OLS, KALMAN and the rolling statistics, O(n) per Huber iteration
 * (at most 50), O(n log n) expected for Theil-Sen; ADF O(n·maxlag).
 */
import { isoFromMicros } from "../domain.ts";
import { type AdfResult, adfTest } from "./adf.ts";
import { type CointegrationResult, engleGrangerTest } from "./cointegration.ts";
import { halfLifeBars } from "./half_life.ts";
import { fitHuber } from "./huber.ts";
import { kalmanHedge } from "./kalman.ts";
import { fitOls, type Line } from "./linear_regression.ts";
import { alignPairGrid, type PairGrid, type PairLeg } from "./pair_grid.ts";
import { logReturns, rollingCorrelation, rollingZScore } from "./rolling.ts";
import { rollingOls } from "./rolling_ols.ts";
import { fitTheilSen } from "./theil_sen.ts";

export type HedgeMethod = "OLS" | "HUBER" | "THEIL_SEN" | "ROLLING_OLS" | "KALMAN";
export type PriceTransform = "LOG" | "RAW";

/** The two legs: Y (base) is regressed on X (quote). */
export interface PairSeries {
  base: PairLeg;
  quote: PairLeg;
}

export interface PairAnalyticsOptions {
  /** Hedge-ratio method. Default "OLS". */
  method?: HedgeMethod;
  /** "LOG" (default) analyses ln(close); "RAW" the closes themselves. */
  priceTransform?: PriceTransform;
  /** Points in the z-score window. Default 60. */
  zWindow?: number;
  /** Points in the correlation window (of log returns). Default 60. */
  corrWindow?: number;
  /** Points in the ROLLING_OLS window. Default 100. */
  hedgeWindow?: number;
  /** Kalman state noise δ. Default 1e-4. */
  kalmanDelta?: number;
  /** Kalman observation noise variance r. Default 1e-3. */
  kalmanR?: number;
  /** Length of one bar in seconds (1, 60, 300): converts the half-life to seconds. Required. */
  barSeconds: number;
}

/** One grid bucket. Nulls where a quantity is not defined yet (short windows, flat x). */
export interface PairPoint {
  /** Bucket start, microseconds since the epoch. */
  timeUs: number;
  /** Transformed prices (ln close for LOG). */
  y: number;
  x: number;
  hedgeRatio: number | null;
  spread: number | null;
  zscore: number | null;
  correlation: number | null;
}

/**
 * The point series column by column (NaN where a point has no value): what the API reads to
 * answer 100,000 points without first making 100,000 `PairPoint` objects.
 */
export interface PairPointColumns {
  timesUs: Float64Array;
  y: Float64Array;
  x: Float64Array;
  hedgeRatio: Float64Array;
  spread: Float64Array;
  zscore: Float64Array;
  correlation: Float64Array;
}

export interface PairAnalytics {
  n: number;
  hedgeRatio: number;
  intercept: number;
  rSquared: number | null;
  adf: AdfResult;
  cointegration: CointegrationResult;
  halfLifeBars: number | null;
  halfLifeSeconds: number | null;
  /** One object per grid bucket, made on first access from `columns`. */
  points: PairPoint[];
  columns: PairPointColumns;
  /** The aligned raw closes the points were computed from (what a backtest trades). */
  grid: PairGrid;
}

/** Per-point series and the reported fit of one hedge method over a whole grid. */
export interface HedgeSeries {
  /** β per point; NaN where there is none. */
  hedgeRatio: Float64Array;
  /** s_t per point; NaN where there is none. */
  spread: Float64Array;
  /** What the pair reports: the one fit, or the last point that has one. */
  reported: { hedgeRatio: number; intercept: number; rSquared: number | null };
}

export function computePairAnalytics(
  series: PairSeries,
  options: PairAnalyticsOptions,
): PairAnalytics {
  const settings = resolveOptions(options);
  checkPositiveCloses(series, settings.priceTransform);
  const grid = alignPairGrid(series.base, series.quote);
  const n = grid.timesUs.length;
  if (n === 0) {
    throw new RangeError(
      `${series.base.symbol} and ${series.quote.symbol} have no bucket in which both have ` +
        `traded in the range: nothing to analyse`,
    );
  }
  checkWindow("zWindow", settings.zWindow, n);
  // Returns start at the second point, so a correlation window can hold at most n − 1 of them.
  checkWindow("corrWindow", settings.corrWindow, n - 1);
  const y = transformed(grid.closeY, settings.priceTransform);
  const x = transformed(grid.closeX, settings.priceTransform);
  const hedge = hedgeSeries(y, x, series, settings);
  const zscore = rollingZScore(hedge.spread, settings.zWindow);
  const correlation = rollingCorrelation(
    settings.priceTransform === "LOG" ? differences(y) : logReturns(grid.closeY),
    settings.priceTransform === "LOG" ? differences(x) : logReturns(grid.closeX),
    settings.corrWindow,
  );
  const presentSpread = withoutNaN(hedge.spread);
  const halfLife = halfLifeBars(presentSpread);
  const columns: PairPointColumns = {
    timesUs: grid.timesUs,
    y,
    x,
    hedgeRatio: hedge.hedgeRatio,
    spread: hedge.spread,
    zscore,
    correlation,
  };
  let points: PairPoint[] | null = null;
  return {
    n,
    ...hedge.reported,
    adf: adfTest(presentSpread, { regression: "c", autolag: "AIC" }),
    cointegration: engleGrangerTest(y, x),
    halfLifeBars: halfLife,
    halfLifeSeconds: halfLife === null ? null : halfLife * settings.barSeconds,
    get points() {
      points ??= pairPoints(columns);
      return points;
    },
    columns,
    grid,
  };
}

/** The point objects of a column series. O(n). */
export function pairPoints(columns: PairPointColumns): PairPoint[] {
  const n = columns.timesUs.length;
  const points: PairPoint[] = new Array(n);
  for (let t = 0; t < n; t++) {
    points[t] = {
      timeUs: columns.timesUs[t],
      y: columns.y[t],
      x: columns.x[t],
      hedgeRatio: nullIfNaN(columns.hedgeRatio[t]),
      spread: nullIfNaN(columns.spread[t]),
      zscore: nullIfNaN(columns.zscore[t]),
      correlation: nullIfNaN(columns.correlation[t]),
    };
  }
  return points;
}

/**
 * v_t − v_{t−1}, NaN at t = 0: on ln prices exactly `logReturns` of the closes (the same
 * subtraction of the same logarithms), without taking every logarithm a second time.
 */
function differences(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  out[0] = NaN;
  for (let t = 1; t < values.length; t++) out[t] = values[t] - values[t - 1];
  return out;
}

function withoutNaN(values: Float64Array): Float64Array {
  let count = 0;
  for (let t = 0; t < values.length; t++) if (!Number.isNaN(values[t])) count++;
  if (count === values.length) return values;
  const present = new Float64Array(count);
  let next = 0;
  for (let t = 0; t < values.length; t++) if (!Number.isNaN(values[t])) present[next++] = values[t];
  return present;
}

type ResolvedOptions = Required<PairAnalyticsOptions>;

export function resolveOptions(options: PairAnalyticsOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    method: options.method ?? "OLS",
    priceTransform: options.priceTransform ?? "LOG",
    zWindow: options.zWindow ?? 60,
    corrWindow: options.corrWindow ?? 60,
    hedgeWindow: options.hedgeWindow ?? 100,
    kalmanDelta: options.kalmanDelta ?? 1e-4,
    kalmanR: options.kalmanR ?? 1e-3,
    barSeconds: options.barSeconds,
  };
  for (const name of ["zWindow", "corrWindow", "hedgeWindow"] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < 2) {
      throw new RangeError(`${name} must be a whole number of at least 2 points, got ${value}`);
    }
  }
  if (!(resolved.barSeconds > 0)) {
    throw new RangeError(`barSeconds must be positive, got ${resolved.barSeconds}`);
  }
  return resolved;
}

/**
 * The hedge ratio and spread of `method` over the whole transformed grid (y, x).
 * Static fits: s_t = y_t − (α + β·x_t), computed relative to the fit's centre point.
 */
export function hedgeSeries(
  y: Float64Array,
  x: Float64Array,
  series: PairSeries,
  settings: ResolvedOptions,
): HedgeSeries {
  const n = y.length;
  const hedgeRatio = new Float64Array(n);
  const spread = new Float64Array(n);
  switch (settings.method) {
    case "OLS":
    case "HUBER":
    case "THEIL_SEN": {
      checkMoves(x, series.quote.symbol);
      const ols = fitOls(y, x);
      const line: Line = settings.method === "OLS"
        ? ols
        : settings.method === "HUBER"
        ? fitHuber(y, x)
        : fitTheilSen(y, x);
      for (let t = 0; t < n; t++) {
        hedgeRatio[t] = line.slope;
        spread[t] = (y[t] - line.centreY) - line.slope * (x[t] - line.centreX);
      }
      return {
        hedgeRatio,
        spread,
        reported: { hedgeRatio: line.slope, intercept: line.intercept, rSquared: ols.rSquared },
      };
    }
    case "ROLLING_OLS": {
      checkWindow("hedgeWindow", settings.hedgeWindow, n);
      const rolling = rollingOls(y, x, settings.hedgeWindow);
      let last = -1;
      for (let t = 0; t < n; t++) {
        const slope = rolling.slope[t];
        hedgeRatio[t] = slope;
        spread[t] = (y[t] - rolling.meanY[t]) - slope * (x[t] - rolling.meanX[t]);
        if (!Number.isNaN(slope)) last = t;
      }
      if (last < 0) {
        throw new RangeError(
          `${series.quote.symbol} does not move within any ${settings.hedgeWindow}-point window: ` +
            `no rolling hedge ratio`,
        );
      }
      return {
        hedgeRatio,
        spread,
        reported: {
          hedgeRatio: rolling.slope[last],
          intercept: rolling.intercept[last],
          rSquared: nullIfNaN(rolling.rSquared[last]),
        },
      };
    }
    case "KALMAN": {
      const kalman = kalmanHedge(y, x, {
        delta: settings.kalmanDelta,
        observationVariance: settings.kalmanR,
      });
      return {
        hedgeRatio: kalman.beta,
        spread: kalman.innovation,
        reported: {
          hedgeRatio: kalman.beta[n - 1],
          intercept: kalman.alpha[n - 1],
          rSquared: null,
        },
      };
    }
    default:
      throw new RangeError(`Unknown hedge method ${settings.method satisfies never}`);
  }
}

function transformed(closes: Float64Array, transform: PriceTransform): Float64Array {
  if (transform === "RAW") return closes.slice();
  const logs = new Float64Array(closes.length);
  for (let t = 0; t < closes.length; t++) logs[t] = Math.log(closes[t]);
  return logs;
}

/** Log returns feed the correlation for both transforms, so every close must be positive. */
function checkPositiveCloses(series: PairSeries, transform: PriceTransform): void {
  for (const leg of [series.base, series.quote]) {
    for (const bar of leg.bars) {
      if (bar.close > 0) continue;
      const what = transform === "LOG"
        ? "LOG prices need positive closes"
        : "the correlation of log returns needs positive closes";
      throw new RangeError(
        `${what}: ${leg.symbol} close at ${isoFromMicros(bar.timeUs)} is ${bar.close}`,
      );
    }
  }
}

function checkWindow(name: string, window: number, available: number): void {
  if (window > available) {
    throw new RangeError(`${name} ${window} is larger than the series (${available} points)`);
  }
}

function checkMoves(x: Float64Array, symbol: string): void {
  if (x.every((value) => value === x[0])) {
    throw new RangeError(
      `${symbol} does not move over the range (all ${x.length} closes are equal): no hedge ratio`,
    );
  }
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
