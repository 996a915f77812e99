/**
 * Pair analytics: one pair over a range (`pairAnalytics`), every pair of a universe ranked by
 * cointegration (`pairScan`), and the newest point live as trades arrive (`pairStream`).
 * The numbers come from `server/analytics` (definitions in ANALYTICS.md); this file loads bars,
 * validates arguments and shapes the answers.
 */
import {
  createIsoFormatter,
  isoFromMicros,
  type Timeframe,
  TIMEFRAME_MICROS,
} from "../../domain.ts";
import type { BarClose } from "../../store/trade_store.ts";
import type { AdfResult, CriticalValues } from "../../analytics/adf.ts";
import type { CointegrationResult } from "../../analytics/cointegration.ts";
import { logReturns, rollingCorrelation } from "../../analytics/rolling.ts";
import {
  computePairAnalytics,
  type HedgeMethod,
  type PairAnalytics,
  type PairAnalyticsOptions,
  type PairPoint,
  type PairPointColumns,
  type PriceTransform,
} from "../../analytics/pair_analytics.ts";
import { builder } from "../builder.ts";
import type { ApiContext } from "../context.ts";
import { parseRange, parseSymbol } from "../arguments.ts";
import { asUserError, badUserInput } from "../errors.ts";
import { throwIfTimedOut } from "../query_timeout.ts";
import { createEventQueue } from "../pubsub.ts";
import { knownInstrument, TimeframeEnum } from "./market.ts";
import { followPairStream, type PairStreamFollower } from "./shared_pair_streams.ts";

export const HedgeMethodEnum = builder.enumType("HedgeMethod", {
  values: ["OLS", "HUBER", "THEIL_SEN", "ROLLING_OLS", "KALMAN"] as const,
});

export const PriceTransformEnum = builder.enumType("PriceTransform", {
  description: "LOG analyses ln(close), RAW the closes themselves.",
  values: ["LOG", "RAW"] as const,
});

export const PairInput = builder.inputType("PairInput", {
  description: "A pair (base Y regressed on quote X) over [from, to) with the analysis settings.",
  fields: (t) => ({
    base: t.string({ required: true }),
    quote: t.string({ required: true }),
    venue: t.string(),
    timeframe: t.field({ type: TimeframeEnum, required: true }),
    from: t.string(),
    to: t.string(),
    priceTransform: t.field({ type: PriceTransformEnum, defaultValue: "LOG" }),
    method: t.field({ type: HedgeMethodEnum, defaultValue: "OLS" }),
    zWindow: t.int({ defaultValue: 60 }),
    corrWindow: t.int({ defaultValue: 60 }),
    hedgeWindow: t.int({ defaultValue: 100 }),
    kalmanDelta: t.float({ defaultValue: 0.0001 }),
    kalmanR: t.float({ defaultValue: 0.001 }),
  }),
});

/** The resolved input of one pair request. */
export interface PairRequest {
  base: { venue: string; symbol: string };
  quote: { venue: string; symbol: string };
  timeframe: Timeframe;
  fromUs: number | undefined;
  toUs: number | undefined;
  options: PairAnalyticsOptions & { method: HedgeMethod; priceTransform: PriceTransform };
}

type PairInputShape = typeof PairInput.$inferInput;

const CriticalValuesType = builder.objectRef<CriticalValues>("CriticalValues").implement({
  description: "Critical values of the test statistic at 1%, 5% and 10% (MacKinnon 2010).",
  fields: (t) => ({ p1: t.exposeFloat("p1"), p5: t.exposeFloat("p5"), p10: t.exposeFloat("p10") }),
});

const AdfType = builder.objectRef<AdfResult>("Adf").implement({
  description: "Augmented Dickey-Fuller test of the spread (constant, lag by AIC), as statsmodels.",
  fields: (t) => ({
    statistic: t.exposeFloat("statistic"),
    pValue: t.exposeFloat("pValue"),
    usedLag: t.exposeInt("usedLag"),
    nobs: t.exposeInt("nobs"),
    criticalValues: t.field({ type: CriticalValuesType, resolve: (adf) => adf.criticalValues }),
    icBest: t.float({ nullable: true, resolve: (adf) => adf.icBest }),
  }),
});

const CointegrationType = builder.objectRef<CointegrationResult>("Cointegration").implement({
  description: "Engle-Granger two-step cointegration test of y on x, as statsmodels `coint`.",
  fields: (t) => ({
    statistic: t.exposeFloat("statistic"),
    pValue: t.exposeFloat("pValue"),
    criticalValues: t.field({
      type: CriticalValuesType,
      resolve: (result) => result.criticalValues,
    }),
  }),
});

/**
 * A PairPoint as the API answers it: every field a plain property, so that the compiled query
 * copies them instead of calling a resolver (with its resolve info) 700,000 times per 100,000
 * points.
 */
interface PairPointRow {
  time: string;
  y: number;
  x: number;
  hedgeRatio: number | null;
  spread: number | null;
  zscore: number | null;
  correlation: number | null;
}

const PairPointType = builder.objectRef<PairPointRow>("PairPoint").implement({
  description: "One bucket of the pair grid; y and x are the transformed closes.",
  fields: (t) => ({
    time: t.exposeString("time"),
    y: t.exposeFloat("y"),
    x: t.exposeFloat("x"),
    hedgeRatio: t.exposeFloat("hedgeRatio", { nullable: true }),
    spread: t.exposeFloat("spread", { nullable: true }),
    zscore: t.exposeFloat("zscore", { nullable: true }),
    correlation: t.exposeFloat("correlation", { nullable: true }),
  }),
});

/**
 * The rows of a whole analysis, straight from its columns (no `PairPoint` objects first). The
 * times come out of one `JSON.parse` of them all: it makes each a flat string, which the response's
 * JSON serialisation copies at full speed, where a time built by concatenation (a chain of pieces)
 * or cut from one long string takes it about twice as long over 100,000 points.
 */
function pointRows(columns: PairPointColumns): PairPointRow[] {
  const format = createIsoFormatter();
  const n = columns.timesUs.length;
  const formatted: string[] = new Array(n);
  for (let t = 0; t < n; t++) formatted[t] = format(columns.timesUs[t]);
  // ISO times hold no character that JSON escapes.
  const times: string[] = n === 0 ? [] : JSON.parse(`["${formatted.join('","')}"]`);
  const rows: PairPointRow[] = new Array(n);
  for (let t = 0; t < n; t++) {
    rows[t] = {
      time: times[t],
      y: columns.y[t],
      x: columns.x[t],
      hedgeRatio: nullIfNaN(columns.hedgeRatio[t]),
      spread: nullIfNaN(columns.spread[t]),
      zscore: nullIfNaN(columns.zscore[t]),
      correlation: nullIfNaN(columns.correlation[t]),
    };
  }
  return rows;
}

function pointRow(point: PairPoint): PairPointRow {
  return {
    time: isoFromMicros(point.timeUs),
    y: point.y,
    x: point.x,
    hedgeRatio: point.hedgeRatio,
    spread: point.spread,
    zscore: point.zscore,
    correlation: point.correlation,
  };
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

interface PairAnalyticsView {
  request: PairRequest;
  result: PairAnalytics;
}

const PairAnalyticsType = builder.objectRef<PairAnalyticsView>("PairAnalytics").implement({
  fields: (t) => ({
    n: t.int({ resolve: (view) => view.result.n }),
    method: t.field({ type: HedgeMethodEnum, resolve: (view) => view.request.options.method }),
    priceTransform: t.field({
      type: PriceTransformEnum,
      resolve: (view) => view.request.options.priceTransform,
    }),
    hedgeRatio: t.float({ resolve: (view) => view.result.hedgeRatio }),
    intercept: t.float({ resolve: (view) => view.result.intercept }),
    rSquared: t.float({
      nullable: true,
      description: "OLS R² for OLS/HUBER/THEIL_SEN; the last window's for ROLLING_OLS; " +
        "null for KALMAN.",
      resolve: (view) => view.result.rSquared,
    }),
    adf: t.field({ type: AdfType, resolve: (view) => view.result.adf }),
    cointegration: t.field({
      type: CointegrationType,
      resolve: (view) => view.result.cointegration,
    }),
    halfLifeBars: t.float({ nullable: true, resolve: (view) => view.result.halfLifeBars }),
    halfLifeSeconds: t.float({ nullable: true, resolve: (view) => view.result.halfLifeSeconds }),
    inSample: t.boolean({
      description: "True when the hedge was fitted once over the whole range (OLS, HUBER, " +
        "THEIL_SEN): its spread uses information from the future of each point.",
      resolve: (view) => isStaticMethod(view.request.options.method),
    }),
    points: t.field({ type: [PairPointType], resolve: (view) => pointRows(view.result.columns) }),
  }),
});

interface PairScanRow {
  base: string;
  quote: string;
  n: number;
  hedgeRatio: number | null;
  halfLifeBars: number | null;
  halfLifeSeconds: number | null;
  correlation: number | null;
  cointegration: CointegrationResult | null;
  error: string | null;
}

const PairScanRowType = builder.objectRef<PairScanRow>("PairScanRow").implement({
  description: "One pair of a scan: OLS hedge on the chosen transform, Engle-Granger, half-life " +
    "of the OLS spread, and the correlation of log returns over the whole range.",
  fields: (t) => ({
    base: t.exposeString("base"),
    quote: t.exposeString("quote"),
    n: t.exposeInt("n"),
    hedgeRatio: t.float({ nullable: true, resolve: (row) => row.hedgeRatio }),
    halfLifeBars: t.float({ nullable: true, resolve: (row) => row.halfLifeBars }),
    halfLifeSeconds: t.float({ nullable: true, resolve: (row) => row.halfLifeSeconds }),
    correlation: t.float({ nullable: true, resolve: (row) => row.correlation }),
    cointegration: t.field({
      type: CointegrationType,
      nullable: true,
      resolve: (row) => row.cointegration,
    }),
    error: t.string({
      nullable: true,
      description: "Why this pair could not be tested (too few points, ...).",
      resolve: (row) => row.error,
    }),
  }),
});

export function isStaticMethod(method: HedgeMethod): boolean {
  return method === "OLS" || method === "HUBER" || method === "THEIL_SEN";
}

export function barSeconds(timeframe: Timeframe): number {
  return TIMEFRAME_MICROS[timeframe] / 1e6;
}

/** Validates a PairInput and checks both instruments have data. */
export async function resolvePairInput(
  context: ApiContext,
  input: PairInputShape,
  field = "input",
): Promise<PairRequest> {
  // Both looked up at once; when both are unknown the error names the base, as it always has.
  const [baseLookup, quoteLookup] = await Promise.allSettled([
    knownInstrument(context, input.base, input.venue, `${field}.base`),
    knownInstrument(context, input.quote, input.venue, `${field}.quote`),
  ]);
  if (baseLookup.status === "rejected") throw baseLookup.reason;
  if (quoteLookup.status === "rejected") throw quoteLookup.reason;
  const base = baseLookup.value;
  const quote = quoteLookup.value;
  if (base.symbol === quote.symbol && base.venue === quote.venue) {
    throw badUserInput(`base and quote are both ${base.symbol}: a pair needs two instruments`);
  }
  const { fromUs, toUs } = parseRange(input.from, input.to);
  const method = (input.method ?? "OLS") as HedgeMethod;
  const priceTransform = (input.priceTransform ?? "LOG") as PriceTransform;
  for (const name of ["zWindow", "corrWindow", "hedgeWindow"] as const) {
    const value = input[name];
    const most = context.maxPointsPerResponse;
    if (
      value !== null && value !== undefined &&
      !(Number.isInteger(value) && value >= 2 && value <= most)
    ) {
      throw badUserInput(
        `${name} must be a whole number from 2 to ${most} points, got ${value}`,
        name,
      );
    }
  }
  const kalmanDelta = input.kalmanDelta ?? 1e-4;
  if (!(kalmanDelta > 0 && kalmanDelta < 1)) {
    throw badUserInput(`kalmanDelta must be between 0 and 1 (exclusive), got ${kalmanDelta}`);
  }
  const kalmanR = input.kalmanR ?? 1e-3;
  if (!(kalmanR > 0 && Number.isFinite(kalmanR))) {
    throw badUserInput(`kalmanR must be a positive number, got ${kalmanR}`);
  }
  return {
    base: { venue: base.venue, symbol: base.symbol },
    quote: { venue: quote.venue, symbol: quote.symbol },
    timeframe: input.timeframe,
    fromUs,
    toUs,
    options: {
      method,
      priceTransform,
      zWindow: input.zWindow ?? 60,
      corrWindow: input.corrWindow ?? 60,
      hedgeWindow: input.hedgeWindow ?? 100,
      kalmanDelta,
      kalmanR,
      barSeconds: barSeconds(input.timeframe),
    },
  };
}

/**
 * Loads both legs' closes over the range. Several aliases in one request share the load. More bars
 * than a response may carry is an error that says how to narrow the request.
 */
export async function loadPairLegs(
  context: ApiContext,
  request: Pick<PairRequest, "base" | "quote" | "timeframe" | "fromUs" | "toUs">,
): Promise<{ base: BarClose[]; quote: BarClose[] }> {
  const cap = context.maxPointsPerResponse;
  const load = (leg: { venue: string; symbol: string }) => {
    const key = [leg.venue, leg.symbol, request.timeframe, request.fromUs, request.toUs].join("|");
    const cached = context.requestCache?.get(key) as Promise<BarClose[]> | undefined;
    if (cached) return cached;
    const loading = context.store.closes({
      ...leg,
      timeframe: request.timeframe,
      fromUs: request.fromUs,
      toUs: request.toUs,
      limit: cap + 1,
    });
    context.requestCache?.set(key, loading);
    return loading;
  };
  const [base, quote] = await Promise.all([load(request.base), load(request.quote)]);
  for (const [leg, bars] of [[request.base, base], [request.quote, quote]] as const) {
    if (bars.length > cap) {
      throw badUserInput(
        `${leg.symbol} has more than ${cap} ${request.timeframe} bars in the range, the limit ` +
          "per response: narrow from/to or use a wider timeframe",
        "from",
      );
    }
  }
  return { base, quote };
}

export async function analysePair(
  context: ApiContext,
  request: PairRequest,
): Promise<PairAnalytics> {
  const legs = await loadPairLegs(context, request);
  throwIfTimedOut(context);
  try {
    const result = computePairAnalytics({
      base: { symbol: request.base.symbol, bars: legs.base },
      quote: { symbol: request.quote.symbol, bars: legs.quote },
    }, request.options);
    if (result.n > context.maxPointsPerResponse) {
      throw badUserInput(
        `The pair grid has ${result.n} points, over the limit of ` +
          `${context.maxPointsPerResponse} per response: narrow from/to or use a wider timeframe`,
        "from",
      );
    }
    return result;
  } catch (error) {
    throw asUserError(inRangeTerms(error));
  }
}

/** Says "the range has M" where a statistic counted the points of the series it was given. */
function inRangeTerms(error: unknown): unknown {
  if (!(error instanceof RangeError)) return error;
  const short = error.message.match(
    /^(ADF|Engle-Granger)\b.*?needs at least (\d+) points, the series has (\d+)/,
  );
  if (!short) return error;
  return new RangeError(
    `${short[1]} needs at least ${short[2]} points, the range has ${short[3]}: widen from/to or ` +
      "use a shorter timeframe",
  );
}

export async function pairAnalyticsFor(context: ApiContext, input: PairInputShape) {
  const request = await resolvePairInput(context, input);
  return { request, result: await analysePair(context, request) };
}

/** OLS, Engle-Granger, half-life and correlation for one pair of closes. */
function scanPair(
  base: { symbol: string; bars: BarClose[] },
  quote: { symbol: string; bars: BarClose[] },
  transform: PriceTransform,
  seconds: number,
): PairScanRow {
  const row: PairScanRow = {
    base: base.symbol,
    quote: quote.symbol,
    n: 0,
    hedgeRatio: null,
    halfLifeBars: null,
    halfLifeSeconds: null,
    correlation: null,
    cointegration: null,
    error: null,
  };
  try {
    const analysis = computePairAnalytics(
      { base, quote },
      { method: "OLS", priceTransform: transform, barSeconds: seconds, zWindow: 2, corrWindow: 2 },
    );
    const { grid } = analysis;
    row.n = analysis.n;
    row.hedgeRatio = analysis.hedgeRatio;
    row.cointegration = analysis.cointegration;
    row.halfLifeBars = analysis.halfLifeBars;
    row.halfLifeSeconds = analysis.halfLifeSeconds;
    const returnsY = logReturns(grid.closeY);
    const returnsX = logReturns(grid.closeX);
    const whole = rollingCorrelation(returnsY, returnsX, Math.max(2, returnsY.length - 1));
    const last = whole[whole.length - 1];
    row.correlation = Number.isNaN(last) ? null : last;
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
  }
  return row;
}

/** Most symbols one scan may take (it tests every pair: n(n-1)/2). */
export const MAX_SCAN_SYMBOLS = 30;

builder.queryFields((t) => ({
  pairAnalytics: t.field({
    type: PairAnalyticsType,
    description: "Hedge ratio, spread, z-score, correlation, ADF, Engle-Granger and half-life of " +
      "a pair. Compare methods side by side with aliases: they share one load of the bars.",
    args: { input: t.arg({ type: PairInput, required: true }) },
    resolve: (_root, args, context) => pairAnalyticsFor(context, args.input),
  }),
  pairScan: t.field({
    type: [PairScanRowType],
    description: "Every pair of the symbols, ranked by Engle-Granger p-value (most cointegrated " +
      "first); pairs that could not be tested come last with the reason.",
    args: {
      symbols: t.arg.stringList({ required: true }),
      venue: t.arg.string(),
      timeframe: t.arg({ type: TimeframeEnum, required: true }),
      from: t.arg.string(),
      to: t.arg.string(),
      priceTransform: t.arg({ type: PriceTransformEnum, defaultValue: "LOG" }),
    },
    resolve: async (_root, args, context) => {
      const symbols = [...new Set(args.symbols.map((s) => parseSymbol("symbols", s)))];
      if (symbols.length < 2) throw badUserInput("pairScan needs at least two symbols", "symbols");
      if (symbols.length > MAX_SCAN_SYMBOLS) {
        throw badUserInput(
          `pairScan takes at most ${MAX_SCAN_SYMBOLS} symbols (${symbols.length} given)`,
          "symbols",
        );
      }
      const { fromUs, toUs } = parseRange(args.from, args.to);
      const instruments = await Promise.all(
        symbols.map((symbol) => knownInstrument(context, symbol, args.venue, "symbols")),
      );
      const legs = await Promise.all(instruments.map(async (instrument) => ({
        symbol: instrument.symbol,
        bars: (await loadPairLegs(context, {
          base: instrument,
          quote: instrument,
          timeframe: args.timeframe,
          fromUs,
          toUs,
        })).base,
      })));
      const rows: PairScanRow[] = [];
      for (let i = 0; i < legs.length; i++) {
        for (let j = i + 1; j < legs.length; j++) {
          throwIfTimedOut(context);
          rows.push(
            scanPair(
              legs[i],
              legs[j],
              (args.priceTransform ?? "LOG") as PriceTransform,
              barSeconds(args.timeframe),
            ),
          );
        }
      }
      return rows.sort((a, b) =>
        (a.cointegration?.pValue ?? Infinity) - (b.cointegration?.pValue ?? Infinity)
      );
    },
  }),
}));

builder.subscriptionFields((t) => ({
  pairStream: t.field({
    type: PairPointType,
    description: "The newest point of the pair as trades arrive (at most maxPerSecond a second), " +
      "and every closed bucket's final point as soon as it closes. Static methods refit on the " +
      "trailing `lookback` closed points when a bucket closes.",
    args: {
      input: t.arg({ type: PairInput, required: true }),
      lookback: t.arg.int({ defaultValue: 500 }),
      maxPerSecond: t.arg.float({ defaultValue: 4 }),
    },
    subscribe: async (_root, args, context) => {
      const request = await resolvePairInput(context, args.input);
      const lookback = args.lookback ?? 500;
      const maxPerSecond = args.maxPerSecond ?? 4;
      if (!(maxPerSecond > 0 && maxPerSecond <= 100)) {
        throw badUserInput(`maxPerSecond must be above 0 and at most 100, got ${maxPerSecond}`);
      }
      if (!Number.isInteger(lookback) || lookback < 2 || lookback > 100_000) {
        throw badUserInput(`lookback must be a whole number from 2 to 100000, got ${lookback}`);
      }
      return pairPoints(context, request, lookback, 1000 / maxPerSecond);
    },
    resolve: (point: PairPoint) => pointRow(point),
  }),
}));

/**
 * Live pair points of the computation shared by every subscription asking the same
 * (`shared_pair_streams.ts`): the newest point at most once per `minIntervalMs`, and every closed
 * bucket's final point as soon as it closes.
 */
function pairPoints(
  context: ApiContext,
  request: PairRequest,
  lookback: number,
  minIntervalMs: number,
): AsyncIterable<PairPoint> {
  let following: Awaited<ReturnType<typeof followPairStream>> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  // A socket is sent each point as it comes (the queue is pushed), so a catch-up closing
  // thousands of buckets at once arrives whole. Over HTTP the points wait here for the reader;
  // past MAX_PENDING_EVENTS it is ended as too slow, and the others of its computation go on.
  const points = createEventQueue<PairPoint>(context.pubsub.maxPendingEvents, () => 1, () => {
    if (timer) clearTimeout(timer);
    following?.leave();
  });
  let lastSent = 0;
  let lastOffered: PairPoint | null = null;
  let pending: PairPoint | null = null;
  const send = (point: PairPoint) => {
    lastSent = Date.now();
    pending = null;
    lastOffered = point;
    points.offer(point);
  };
  const follower: PairStreamFollower = {
    point(point) {
      if (points.ended()) return;
      const wait = lastSent + minIntervalMs - Date.now();
      if (wait <= 0) return send(point);
      pending = point;
      timer ??= setTimeout(() => {
        timer = null;
        if (pending) send(pending);
      }, wait);
    },
    closed(point) {
      lastOffered = point;
      points.offer(point);
    },
  };
  followPairStream(context, request, lookback, follower).then(
    (started) => {
      following = started;
      if (points.ended()) return started.leave();
      // The newest point at once, unless the updates that came with the history sent it already.
      const initial = started.stream.latest();
      if (initial && initial !== lastOffered && pending === null) send(initial);
    },
    (error) => points.fail(asUserError(error)),
  );
  return points;
}
