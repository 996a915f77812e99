/**
 * Live pair analytics: the newest `PairPoint` as bar closes of either symbol arrive, without
 * recomputing the whole range.
 *
 * The stream keeps the recent part of the pair's LOCF grid (ANALYTICS.md "Inputs"). A bar for a new
 * bucket appends a grid point, which closes the previous one; a bar for the forming bucket updates
 * it in place; `closeThrough` closes the newest one when the caller knows it is final (a quiet
 * pair whose bucket ended). A bar that arrives after the other symbol has already moved on (trades of two symbols
 * are not ordered against each other) is still placed in its bucket, and every point from there on
 * is recomputed.
 *
 * Per update, with the windows of `PairAnalyticsOptions`:
 * - ROLLING_OLS: the OLS of the last hedgeWindow points, O(hedgeWindow);
 * - KALMAN: one filter step from the previous point's state, O(1);
 * - OLS, HUBER, THEIL_SEN: the hedge is fitted on the `lookback` closed points ending at the last
 *   closed bucket, refitted when a bucket closes (the cost of one fit); the forming point uses it;
 * - z-score and correlation over their windows, O(zWindow + corrWindow), in two exact passes.
 *
 * A closed point equals what `computePairAnalytics` gives for that bucket on the same history
 * (tested): for ROLLING_OLS and KALMAN the whole history the stream has seen, for static methods
 * the `lookback` grid points ending at that bucket.
 */
import { isoFromMicros } from "../domain.ts";
import { fitHuber } from "./huber.ts";
import { KALMAN_START, type KalmanState, kalmanStep } from "./kalman.ts";
import { fitOls, type Line } from "./linear_regression.ts";
import {
  type PairAnalyticsOptions,
  type PairPoint,
  type PairSeries,
  resolveOptions,
} from "./pair_analytics.ts";
import type { BarClose } from "./pair_grid.ts";
import { correlationAt, zScoreAt } from "./rolling.ts";
import { fitTheilSen } from "./theil_sen.ts";

export type PairLegName = "base" | "quote";

export interface PairStreamOptions extends PairAnalyticsOptions {
  /** Closed bars of both legs to start from, each in time order (may be empty). */
  history: PairSeries;
  /**
   * OLS / HUBER / THEIL_SEN: how many closed grid points the hedge is fitted on. Default 1000;
   * at least zWindow and corrWindow + 1.
   */
  lookback?: number;
}

export interface PairStream {
  /** Applies a bar close of one leg; returns the newest point (null until both legs have a bar). */
  update(leg: PairLegName, bar: BarClose): PairPoint | null;
  /** The newest point: the forming bucket, or the last history bucket before any update. */
  latest(): PairPoint | null;
  /** The point of the most recent closed bucket, final unless a late bar reopens it. */
  lastClosed(): PairPoint | null;
  /**
   * Closes the newest bucket if it starts at or before `timeUs`, although no later bucket exists
   * yet (both legs are known to be final for it, e.g. by the wall clock); a bar for that bucket
   * reopens it. Static methods then fit their hedge on the lookback ending at it.
   */
  closeThrough(timeUs: number): void;
  /** The points of the closed buckets starting in (afterUs, throughUs], oldest first. */
  closedPoints(afterUs: number, throughUs: number): PairPoint[];
}

/** Buckets kept beyond what the windows need, so that late bars still find their bucket. */
const LATE_SLACK = 64;

export function createPairStream(options: PairStreamOptions): PairStream {
  const settings = resolveOptions(options);
  const { method, zWindow, corrWindow, hedgeWindow } = settings;
  const isStatic = method === "OLS" || method === "HUBER" || method === "THEIL_SEN";
  const lookback = options.lookback ?? 1000;
  if (isStatic && !(Number.isInteger(lookback) && lookback >= Math.max(zWindow, corrWindow + 1))) {
    throw new RangeError(
      `lookback must be a whole number of at least zWindow (${zWindow}) and corrWindow + 1 ` +
        `(${corrWindow + 1}) points, got ${lookback}`,
    );
  }
  const symbols = { base: options.history.base.symbol, quote: options.history.quote.symbol };
  // Enough grid points for every window of the newest point, plus room for late bars.
  const retain = Math.max(isStatic ? lookback : 0, hedgeWindow + zWindow, corrWindow + 1) +
    LATE_SLACK;

  // The grid: bucket start, each leg's own close in the bucket (NaN: no bar), LOCF closes.
  const times: number[] = [];
  const own: Record<PairLegName, number[]> = { base: [], quote: [] };
  const close: Record<PairLegName, number[]> = { base: [], quote: [] };
  // Per grid point (NaN / null before the grid starts or where undefined).
  const y: number[] = [];
  const x: number[] = [];
  const returnY: number[] = [];
  const returnX: number[] = [];
  const hedge: number[] = [];
  const spread: number[] = [];
  const kalman: (KalmanState | null)[] = [];
  const points: (PairPoint | null)[] = [];
  const lastBarTime: Record<PairLegName, number> = { base: -Infinity, quote: -Infinity };
  /** First grid index where both legs have had a bar; -1 before. */
  let start = -1;
  /** Whether the last grid point is a forming bucket (false right after the history). */
  let lastIsForming = false;
  /** Closed points before and at this index hold final values. */
  let finalizedThrough = -1;
  /** Static methods: the fit on the lookback ending at the bucket `staticFitEndTime`. */
  let staticFit: Line | null = null;
  let staticFitEndTime = NaN;
  /** Whether old buckets have been dropped; and whether the grid's first point went with them. */
  let trimmed = false;
  let startTrimmed = false;

  for (const bar of mergedHistory(options.history)) placeBar(bar.leg, bar);
  refresh(0, true);

  return {
    update(leg: PairLegName, bar: BarClose): PairPoint | null {
      const index = placeBar(leg, bar);
      if (index === times.length - 1) lastIsForming = true;
      refresh(index, false);
      trim();
      return latest();
    },
    latest,
    lastClosed(): PairPoint | null {
      const closedEnd = lastIsForming ? times.length - 2 : times.length - 1;
      return closedEnd >= 0 ? points[closedEnd] : null;
    },
    closeThrough(timeUs: number): void {
      const last = times.length - 1;
      if (!lastIsForming || times[last] > timeUs) return;
      lastIsForming = false;
      refresh(last, false);
    },
    closedPoints(afterUs: number, throughUs: number): PairPoint[] {
      const closedEnd = lastIsForming ? times.length - 2 : times.length - 1;
      let first = closedEnd + 1;
      while (first > 0 && times[first - 1] > afterUs) first--;
      const result: PairPoint[] = [];
      for (let k = first; k <= closedEnd && times[k] <= throughUs; k++) {
        if (points[k] !== null) result.push(points[k]!);
      }
      return result;
    },
  };

  function latest(): PairPoint | null {
    return times.length > 0 ? points[times.length - 1] : null;
  }

  /** Puts the close into its bucket (inserting the bucket if new) and carries it forward. */
  function placeBar(leg: PairLegName, bar: BarClose): number {
    if (!(Number.isFinite(bar.close) && bar.close > 0)) {
      throw new RangeError(
        `${symbols[leg]} close at ${isoFromMicros(bar.timeUs)} must be a positive number, ` +
          `got ${bar.close}`,
      );
    }
    if (bar.timeUs < lastBarTime[leg]) {
      throw new RangeError(
        `${symbols[leg]} bar at ${isoFromMicros(bar.timeUs)} is older than its latest bar at ` +
          `${isoFromMicros(lastBarTime[leg])}`,
      );
    }
    let index = times.length - 1;
    while (index >= 0 && times[index] > bar.timeUs) index--;
    const exists = index >= 0 && times[index] === bar.timeUs;
    if (!exists) index++;
    // Recomputing a point needs its windows' older points, which trimming may have dropped.
    if (trimmed && index < retain - LATE_SLACK) {
      throw new RangeError(
        `${symbols[leg]} bar at ${isoFromMicros(bar.timeUs)} is too late for the live pair, ` +
          `which keeps the last ${retain} buckets`,
      );
    }
    if (!exists) insertBucket(index, bar.timeUs);
    lastBarTime[leg] = bar.timeUs;
    own[leg][index] = bar.close;
    close[leg][index] = bar.close;
    for (let k = index + 1; k < times.length && Number.isNaN(own[leg][k]); k++) {
      close[leg][k] = bar.close;
    }
    return index;
  }

  function insertBucket(index: number, timeUs: number): void {
    times.splice(index, 0, timeUs);
    for (const leg of ["base", "quote"] as const) {
      own[leg].splice(index, 0, NaN);
      close[leg].splice(index, 0, index > 0 ? close[leg][index - 1] : NaN);
    }
    for (const column of [y, x, returnY, returnX, hedge, spread]) column.splice(index, 0, NaN);
    kalman.splice(index, 0, null);
    points.splice(index, 0, null);
  }

  /** Recomputes every grid point from `from` on (all history points when `initial`). */
  function refresh(from: number, initial: boolean): void {
    const last = times.length - 1;
    const previousStart = start;
    if (start < 0 || from < start) {
      start = close.base.findIndex((value, k) =>
        !Number.isNaN(value) && !Number.isNaN(close.quote[k])
      );
    }
    if (start < 0) return;
    if (start !== previousStart) from = start;
    from = Math.max(from, start);
    finalizedThrough = Math.min(finalizedThrough, from - 1);
    const transform = settings.priceTransform === "LOG" ? Math.log : (value: number) => value;
    for (let k = from; k <= last; k++) {
      y[k] = transform(close.base[k]);
      x[k] = transform(close.quote[k]);
      const hasPrevious = k > start;
      returnY[k] = hasPrevious ? Math.log(close.base[k]) - Math.log(close.base[k - 1]) : NaN;
      returnX[k] = hasPrevious ? Math.log(close.quote[k]) - Math.log(close.quote[k - 1]) : NaN;
      if (method === "KALMAN") {
        const previous = k === start && !startTrimmed ? KALMAN_START : kalman[k - 1]!;
        const step = kalmanStep(previous, { y: y[k], x: x[k] }, {
          delta: settings.kalmanDelta,
          observationVariance: settings.kalmanR,
        });
        kalman[k] = step.state;
        hedge[k] = step.state.beta;
        spread[k] = step.innovation;
      }
    }
    const closedEnd = lastIsForming ? last - 1 : last;
    if (method === "ROLLING_OLS") {
      // History points further back than one z-window never feed a new point's window.
      const first = initial ? Math.max(from, last - zWindow - corrWindow) : from;
      for (let k = first; k <= last; k++) rollingPoint(k);
    }
    if (isStatic) {
      // History is closed: only its last point is reported, so only that one needs its own fit.
      const firstToFinalize = initial ? closedEnd : Math.max(finalizedThrough + 1, start);
      for (let c = Math.max(firstToFinalize, start); c <= closedEnd; c++) {
        points[c] = staticPoint(c, fitEndingAt(c));
      }
      if (closedEnd >= start && times[closedEnd] !== staticFitEndTime) fitEndingAt(closedEnd);
      if (lastIsForming) points[last] = staticPoint(last, closedEnd >= start ? staticFit : null);
    } else {
      const firstPoint = initial ? Math.max(start, last - 1) : from;
      for (let k = firstPoint; k <= last; k++) {
        points[k] = point(k, hedge[k], spread[k], zScoreAt(spread, k, zWindow));
      }
    }
    finalizedThrough = closedEnd;
  }

  /** ROLLING_OLS at k: OLS over the hedgeWindow points ending there, if x moves within them. */
  function rollingPoint(k: number): void {
    hedge[k] = NaN;
    spread[k] = NaN;
    const first = k - hedgeWindow + 1;
    if (first < start) return;
    let moves = false;
    for (let i = first + 1; i <= k && !moves; i++) moves = x[i] !== x[first];
    if (!moves) return;
    const line = fitOls(y, x, { start: first, end: k + 1 });
    hedge[k] = line.slope;
    spread[k] = (y[k] - line.centreY) - line.slope * (x[k] - line.centreX);
  }

  /** The static fit over the lookback ending at closed point c; remembered as the current fit. */
  function fitEndingAt(c: number): Line | null {
    const first = Math.max(start, c - lookback + 1);
    const windowY = y.slice(first, c + 1);
    const windowX = x.slice(first, c + 1);
    const usable = windowX.some((value) => value !== windowX[0]) && windowX.length >= 3;
    const line = !usable
      ? null
      : method === "OLS"
      ? fitOls(windowY, windowX)
      : method === "HUBER"
      ? fitHuber(windowY, windowX)
      : fitTheilSen(windowY, windowX);
    staticFit = line;
    staticFitEndTime = times[c];
    return line;
  }

  /** A static-method point at k with `line`: its z-score uses the last zWindow spreads by `line`. */
  function staticPoint(k: number, line: Line | null): PairPoint {
    if (line === null) return point(k, NaN, NaN, NaN);
    const spreadBy = (i: number) => (y[i] - line.centreY) - line.slope * (x[i] - line.centreX);
    const windowSpreads = new Float64Array(zWindow);
    const first = k - zWindow + 1;
    const available = first >= start;
    for (let i = 0; i < zWindow && available; i++) windowSpreads[i] = spreadBy(first + i);
    const zscore = available ? zScoreAt(windowSpreads, zWindow - 1, zWindow) : NaN;
    return point(k, line.slope, spreadBy(k), zscore);
  }

  function point(k: number, hedgeRatio: number, spreadValue: number, zscore: number): PairPoint {
    return {
      timeUs: times[k],
      y: y[k],
      x: x[k],
      hedgeRatio: nullIfNaN(hedgeRatio),
      spread: nullIfNaN(spreadValue),
      zscore: nullIfNaN(zscore),
      correlation: nullIfNaN(correlationAt(returnY, returnX, k, corrWindow)),
    };
  }

  /**
   * Drops the oldest buckets once twice as many as needed are held (also while one leg has not
   * traded yet): memory stays bounded, amortised O(1) per update.
   */
  function trim(): void {
    if (times.length <= 2 * retain) return;
    const drop = times.length - retain;
    for (
      const column of [
        times,
        own.base,
        own.quote,
        close.base,
        close.quote,
        y,
        x,
        returnY,
        returnX,
        hedge,
        spread,
      ]
    ) column.splice(0, drop);
    kalman.splice(0, drop);
    points.splice(0, drop);
    if (start >= 0) {
      startTrimmed ||= drop > start;
      start = Math.max(0, start - drop);
    }
    finalizedThrough = Math.max(-1, finalizedThrough - drop);
    trimmed = true;
  }
}

/** Both legs' history bars in time order (base first within a bucket). */
function mergedHistory(history: PairSeries): (BarClose & { leg: PairLegName })[] {
  const bars: (BarClose & { leg: PairLegName })[] = [];
  for (const leg of ["base", "quote"] as const) {
    const { symbol, bars: legBars } = history[leg];
    legBars.forEach((bar, k) => {
      if (k > 0 && !(bar.timeUs > legBars[k - 1].timeUs)) {
        throw new RangeError(
          `${symbol} history is not in time order: ${isoFromMicros(bar.timeUs)} follows ` +
            `${isoFromMicros(legBars[k - 1].timeUs)}`,
        );
      }
      bars.push({ timeUs: bar.timeUs, close: bar.close, leg });
    });
  }
  return bars.sort((a, b) =>
    a.timeUs - b.timeUs || Number(a.leg === "quote") - Number(b.leg === "quote")
  );
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
