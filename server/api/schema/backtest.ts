/**
 * Backtests of a pair over GraphQL: `backtest` runs the mean-reversion rules of ANALYTICS.md
 * "Backtest" on the pair's z-score, and `backtestSweep` runs a grid of entry x exit (x z-score
 * window) thresholds in one request. Both can re-fit the hedge walk-forward, so that the spread
 * at bar t uses only bars before t, which shows how much of a static fit's profit was look-ahead.
 * The numbers come from `server/analytics` (backtest.ts, backtest_sweep.ts,
 * walk_forward_hedge.ts); this file validates arguments, builds the series and shapes answers.
 */
import { isoFromMicros } from "../../domain.ts";
import {
  type BacktestResult,
  type BacktestSeries,
  type BacktestTrade,
  runBacktest,
} from "../../analytics/backtest.ts";
import { sweepBacktest } from "../../analytics/backtest_sweep.ts";
import { fitHuber } from "../../analytics/huber.ts";
import type { HedgeMethod } from "../../analytics/pair_analytics.ts";
import { rollingZScore } from "../../analytics/rolling.ts";
import { fitTheilSen } from "../../analytics/theil_sen.ts";
import { type HedgeFit, walkForwardHedge } from "../../analytics/walk_forward_hedge.ts";
import { builder } from "../builder.ts";
import type { ApiContext } from "../context.ts";
import { asUserError, badUserInput } from "../errors.ts";
import { throwIfTimedOut } from "../query_timeout.ts";
import {
  analysePair,
  HedgeMethodEnum,
  isStaticMethod,
  PairInput,
  type PairRequest,
  resolvePairInput,
} from "./pairs.ts";

export const WalkForwardEnum = builder.enumType("WalkForward", {
  description: "How the hedge is fitted for a backtest. NONE: as the method defines it (one " +
    "fit over the range for OLS, HUBER, THEIL_SEN: in-sample). ROLLING: refitted on the " +
    "walkForwardWindow bars before each bar. EXPANDING: refitted on all bars before each bar, " +
    "once walkForwardWindow bars are available.",
  values: ["NONE", "ROLLING", "EXPANDING"] as const,
});

type WalkForward = "NONE" | "ROLLING" | "EXPANDING";

/** Largest notional a backtest takes. */
const MAX_NOTIONAL = 1e12;

/** Most cells one `backtestSweep` may run (entries x exits x zWindows). */
export const MAX_SWEEP_CELLS = 400;

/** Longest estimated fitting time of a walk-forward HUBER or THEIL_SEN hedge in one request. */
export const MAX_WALK_FORWARD_FIT_SECONDS = 5;

/**
 * Estimated cost of one robust fit, in microseconds per point of its window and per fit, measured
 * on one core with walkForwardHedge on a 20,000-point random walk (rolling windows 100 and 1,000,
 * expanding from 100): Huber 14-60 us per fit, Theil-Sen 1.3 ms at 100 points to 17 ms at 10,000.
 */
const FIT_COST_MICROS = {
  HUBER: { perPoint: 0.1, perFit: 5 },
  THEIL_SEN: { perPoint: 1.7, perFit: 1200 },
} as const;

const walkForwardFields = {
  walkForward: "NONE (default), ROLLING or EXPANDING; anything but NONE reports inSample false.",
  walkForwardWindow: "Bars in each ROLLING fit, or bars needed before the first EXPANDING fit. " +
    "Default: the pair's hedgeWindow.",
  refitEvery: "Refit every this many bars and hold the fit in between (default 1); larger " +
    "values bound the cost of HUBER and THEIL_SEN walk-forward fits.",
} as const;

export const BacktestInput = builder.inputType("BacktestInput", {
  description: "A mean-reversion backtest of a pair's spread z-score (ANALYTICS.md Backtest). " +
    "Thresholds satisfy 0 <= exit < entry < stop; stop: null turns the stop off.",
  fields: (t) => ({
    pair: t.field({ type: PairInput, required: true }),
    entry: t.float({ defaultValue: 2 }),
    exit: t.float({ defaultValue: 0.5 }),
    stop: t.float({ defaultValue: 4 }),
    notional: t.float({ defaultValue: 10_000 }),
    feeBps: t.float({ defaultValue: 4, description: "Fee per leg per fill, basis points." }),
    walkForward: t.field({
      type: WalkForwardEnum,
      defaultValue: "NONE",
      description: walkForwardFields.walkForward,
    }),
    walkForwardWindow: t.int({ description: walkForwardFields.walkForwardWindow }),
    refitEvery: t.int({ description: walkForwardFields.refitEvery }),
  }),
});

export const BacktestSweepInput = builder.inputType("BacktestSweepInput", {
  description: "A grid of backtests: every entry x exit (x zWindow) with the same stop, " +
    "notional, fees and hedge. Combinations with exit >= entry are left out of the answer.",
  fields: (t) => ({
    pair: t.field({ type: PairInput, required: true }),
    entries: t.floatList({ required: true }),
    exits: t.floatList({ required: true }),
    zWindows: t.intList({
      description: "z-score windows to try, each recomputed on the same spread. Default: the " +
        "pair's zWindow.",
    }),
    stop: t.float({ defaultValue: 4 }),
    notional: t.float({ defaultValue: 10_000 }),
    feeBps: t.float({ defaultValue: 4 }),
    walkForward: t.field({
      type: WalkForwardEnum,
      defaultValue: "NONE",
      description: walkForwardFields.walkForward,
    }),
    walkForwardWindow: t.int({ description: walkForwardFields.walkForwardWindow }),
    refitEvery: t.int({ description: walkForwardFields.refitEvery }),
  }),
});

/** A backtest answer: the analytics result and how it was made. */
export interface BacktestView {
  result: BacktestResult;
  method: HedgeMethod;
  walkForward: WalkForward;
}

const EquityPointType = builder.objectRef<BacktestResult["equity"][number]>("EquityPoint")
  .implement({
    description: "Equity at a bar's close, after that bar's fills.",
    fields: (t) => ({
      time: t.string({ resolve: (point) => isoFromMicros(point.timeUs) }),
      equity: t.exposeFloat("equity"),
    }),
  });

const BacktestTradeType = builder.objectRef<BacktestTrade>("BacktestTrade").implement({
  description: "One round trip. LONG spread holds +qtyY of the base and -qtyX of the quote; " +
    "SHORT the opposite. Prices are the raw closes of the fill bars.",
  fields: (t) => ({
    side: t.exposeString("side", { description: "LONG or SHORT (the spread)." }),
    entryTime: t.string({ resolve: (trade) => isoFromMicros(trade.entryTimeUs) }),
    exitTime: t.string({ resolve: (trade) => isoFromMicros(trade.exitTimeUs) }),
    bars: t.exposeInt("bars", { description: "Bars from the entry fill to the exit fill." }),
    pnl: t.exposeFloat("pnl", { description: "Mark-to-market PnL minus both fills' fees." }),
    reason: t.exposeString("reason", {
      description: "EXIT, STOP or END (closed at the last bar).",
    }),
    entryPriceY: t.exposeFloat("entryPriceY"),
    entryPriceX: t.exposeFloat("entryPriceX"),
    exitPriceY: t.exposeFloat("exitPriceY"),
    exitPriceX: t.exposeFloat("exitPriceX"),
    qtyY: t.exposeFloat("qtyY", { description: "Quantity of the base held (positive)." }),
    qtyX: t.exposeFloat("qtyX", {
      description: "Quantity of the quote against it; negative when the hedge ratio is.",
    }),
    hedgeRatio: t.exposeFloat("hedgeRatio", { description: "beta at the signal bar." }),
    fees: t.exposeFloat("fees", { description: "Entry and exit fees." }),
  }),
});

const BacktestType = builder.objectRef<BacktestView>("Backtest").implement({
  fields: (t) => ({
    netPnl: t.float({ resolve: (view) => view.result.netPnl }),
    return: t.float({ description: "netPnl / notional.", resolve: (view) => view.result.return }),
    sharpe: t.float({
      nullable: true,
      description: "Of the per-bar equity changes / notional (sample std), annualised with " +
        "sqrt(bars per 365-day year); null without variation.",
      resolve: (view) => view.result.sharpe,
    }),
    maxDrawdown: t.float({
      description: "Largest fall from the running peak of equity, as a fraction of that peak.",
      resolve: (view) => view.result.maxDrawdown,
    }),
    trades: t.int({ resolve: (view) => view.result.trades }),
    winRate: t.float({ nullable: true, resolve: (view) => view.result.winRate }),
    avgHoldingBars: t.float({ nullable: true, resolve: (view) => view.result.avgHoldingBars }),
    exposure: t.float({
      description: "Fraction of bars in a position.",
      resolve: (view) => view.result.exposure,
    }),
    inSample: t.boolean({
      description: "True when a static hedge (OLS, HUBER, THEIL_SEN without walk-forward) was " +
        "fitted over the whole range the backtest trades: its profit includes look-ahead.",
      resolve: (view) => view.result.inSample,
    }),
    method: t.field({ type: HedgeMethodEnum, resolve: (view) => view.method }),
    walkForward: t.field({ type: WalkForwardEnum, resolve: (view) => view.walkForward }),
    equity: t.field({ type: [EquityPointType], resolve: (view) => view.result.equity }),
    tradeList: t.field({ type: [BacktestTradeType], resolve: (view) => view.result.tradeList }),
  }),
});

interface SweepCellView {
  entry: number;
  exit: number;
  zWindow: number;
  inSample: boolean;
  metrics: Omit<BacktestResult, "inSample" | "equity" | "tradeList">;
}

const BacktestSweepCellType = builder.objectRef<SweepCellView>("BacktestSweepCell").implement({
  description: "The metrics of one backtest of a sweep; the same as `backtest` with these " +
    "thresholds and zWindow.",
  fields: (t) => ({
    entry: t.exposeFloat("entry"),
    exit: t.exposeFloat("exit"),
    zWindow: t.exposeInt("zWindow"),
    inSample: t.exposeBoolean("inSample"),
    netPnl: t.float({ resolve: (cell) => cell.metrics.netPnl }),
    return: t.float({ resolve: (cell) => cell.metrics.return }),
    sharpe: t.float({ nullable: true, resolve: (cell) => cell.metrics.sharpe }),
    maxDrawdown: t.float({ resolve: (cell) => cell.metrics.maxDrawdown }),
    trades: t.int({ resolve: (cell) => cell.metrics.trades }),
    winRate: t.float({ nullable: true, resolve: (cell) => cell.metrics.winRate }),
    avgHoldingBars: t.float({ nullable: true, resolve: (cell) => cell.metrics.avgHoldingBars }),
    exposure: t.float({ resolve: (cell) => cell.metrics.exposure }),
  }),
});

interface HedgeSettings {
  walkForward?: WalkForward | null;
  walkForwardWindow?: number | null;
  refitEvery?: number | null;
}

/** The bar series a backtest trades, the spread its z-scores come from, and how it was fitted. */
interface PreparedPair {
  request: PairRequest;
  walkForward: WalkForward;
  series: Omit<BacktestSeries, "zscore">;
  /** s_t per bar, NaN where there is none. */
  spread: Float64Array;
}

/** Loads the pair, fits its hedge (walk-forward if asked) and returns what a backtest trades. */
async function preparePair(
  context: ApiContext,
  pairInput: typeof PairInput.$inferInput,
  settings: HedgeSettings,
): Promise<PreparedPair> {
  const request = await resolvePairInput(context, pairInput, "input.pair");
  const { method, priceTransform, hedgeWindow = 100 } = request.options;
  const walkForward = settings.walkForward ?? "NONE";
  if (walkForward === "NONE") {
    for (const name of ["walkForwardWindow", "refitEvery"] as const) {
      if (settings[name] !== null && settings[name] !== undefined) {
        throw badUserInput(`${name} applies only with walkForward ROLLING or EXPANDING`, name);
      }
    }
  } else if (!isStaticMethod(method)) {
    throw badUserInput(
      `walkForward applies to the static methods OLS, HUBER and THEIL_SEN; ${method} already ` +
        "fits each bar from the bars up to it",
      "walkForward",
    );
  }
  const window = settings.walkForwardWindow ?? hedgeWindow;
  const refitEvery = settings.refitEvery ?? 1;
  const smallestWindow = method === "HUBER" ? 3 : 2;
  if (!Number.isInteger(window) || window < smallestWindow) {
    throw badUserInput(
      `walkForwardWindow must be a whole number of at least ${smallestWindow} bars for ` +
        `${method}, got ${window}`,
      "walkForwardWindow",
    );
  }
  if (!Number.isInteger(refitEvery) || refitEvery < 1) {
    throw badUserInput(`refitEvery must be a whole number >= 1, got ${refitEvery}`, "refitEvery");
  }

  const analysis = await analysePair(context, request);
  throwIfTimedOut(context);
  const { grid, points } = analysis;
  const n = points.length;
  const base = {
    timesUs: grid.timesUs,
    priceY: grid.closeY,
    priceX: grid.closeX,
    transform: priceTransform,
    barSeconds: request.options.barSeconds,
  };
  if (walkForward === "NONE") {
    return {
      request,
      walkForward,
      series: {
        ...base,
        hedgeRatio: points.map((point) => point.hedgeRatio),
        inSample: isStaticMethod(method),
      },
      spread: Float64Array.from(points, (point) => point.spread ?? NaN),
    };
  }
  if (window >= n) {
    throw badUserInput(
      `walkForwardWindow ${window} leaves no bar to trade: the range has ${n} points`,
      "walkForwardWindow",
    );
  }
  if (method === "HUBER" || method === "THEIL_SEN") {
    checkFitCost(method, walkForward, { window, refitEvery, n });
  }
  throwIfTimedOut(context);
  const y = Float64Array.from(points, (point) => point.y);
  const x = Float64Array.from(points, (point) => point.x);
  const hedge = walkForwardHedge(y, x, {
    mode: walkForward === "ROLLING" ? "rolling" : "expanding",
    window,
    refitEvery,
    fit: method === "OLS" ? undefined : robustFit(method),
  });
  return {
    request,
    walkForward,
    series: { ...base, hedgeRatio: hedge.hedgeRatio, inSample: false },
    spread: Float64Array.from(hedge.spread, (value) => value ?? NaN),
  };
}

/** Huber or Theil-Sen on one walk-forward window; no fit where x does not move. */
function robustFit(method: HedgeMethod): HedgeFit {
  return (y, x) => {
    if (x.every((value) => value === x[0])) return null;
    const line = method === "HUBER" ? fitHuber(y, x) : fitTheilSen(y, x);
    return { hedgeRatio: line.slope, intercept: line.intercept };
  };
}

/**
 * Refuses a walk-forward fit estimated to take over MAX_WALK_FORWARD_FIT_SECONDS. Points fitted
 * over all refits: the window each (ROLLING), or bars 0..t-1 at each refit t (EXPANDING).
 */
function checkFitCost(
  method: "HUBER" | "THEIL_SEN",
  walkForward: WalkForward,
  fit: { window: number; refitEvery: number; n: number },
) {
  const { window, refitEvery, n } = fit;
  const refits = Math.ceil((n - window) / refitEvery);
  const lastRefitAt = window + (refits - 1) * refitEvery;
  const points = walkForward === "ROLLING" ? refits * window : refits * (window + lastRefitAt) / 2;
  const cost = FIT_COST_MICROS[method];
  const seconds = (points * cost.perPoint + refits * cost.perFit) / 1e6;
  if (seconds > MAX_WALK_FORWARD_FIT_SECONDS) {
    const needed = Math.ceil(refitEvery * seconds / MAX_WALK_FORWARD_FIT_SECONDS);
    throw badUserInput(
      `This walk-forward ${method} hedge (${refits} refits over ${n} points) would take about ` +
        `${Math.round(seconds)} s to fit, over the limit of ${MAX_WALK_FORWARD_FIT_SECONDS} s: ` +
        `set refitEvery to ${needed} or more, or narrow from/to`,
      "refitEvery",
    );
  }
}

interface Rules {
  stop: number | null;
  notional: number;
  feeBps: number;
}

/** notional > 0, 0 <= feeBps < 1000; stop checked against the entries by the caller. */
function checkCommonRules(input: {
  stop?: number | null;
  notional?: number | null;
  feeBps?: number | null;
}): Rules {
  const stop = input.stop === undefined ? 4 : input.stop;
  const notional = input.notional ?? 10_000;
  const feeBps = input.feeBps ?? 4;
  if (stop !== null && !Number.isFinite(stop)) {
    throw badUserInput(`stop must be a number or null (no stop), got ${stop}`, "stop");
  }
  // Above 1e12 the equity and fees lose their cents, and far above it they overflow to Infinity.
  if (!(Number.isFinite(notional) && notional > 0)) {
    throw badUserInput(`notional must be a positive amount, got ${notional}`, "notional");
  }
  if (notional > MAX_NOTIONAL) {
    throw badUserInput(`notional ${notional} is over the limit of ${MAX_NOTIONAL}`, "notional");
  }
  if (!(Number.isFinite(feeBps) && feeBps >= 0 && feeBps < 1000)) {
    throw badUserInput(`feeBps must be at least 0 and below 1000, got ${feeBps}`, "feeBps");
  }
  return { stop, notional, feeBps };
}

function checkEntry(entry: number, stop: number | null, field: string): void {
  if (!(Number.isFinite(entry) && entry > 0)) {
    throw badUserInput(`${field} must be a positive z-score, got ${entry}`, field);
  }
  if (stop !== null && !(stop > entry)) {
    throw badUserInput(
      `stop (${stop}) must be above ${field} (${entry}), or null for no stop`,
      "stop",
    );
  }
}

function checkExit(exit: number, field: string): void {
  if (!(Number.isFinite(exit) && exit >= 0)) {
    throw badUserInput(`${field} must be a z-score of at least 0, got ${exit}`, field);
  }
}

type BacktestInputShape = typeof BacktestInput.$inferInput;
type BacktestSweepInputShape = typeof BacktestSweepInput.$inferInput;

export async function backtestFor(
  context: ApiContext,
  input: BacktestInputShape,
): Promise<BacktestView> {
  const rules = checkCommonRules(input);
  const entry = input.entry ?? 2;
  const exit = input.exit ?? 0.5;
  checkEntry(entry, rules.stop, "entry");
  checkExit(exit, "exit");
  if (!(exit < entry)) {
    throw badUserInput(`exit (${exit}) must be below entry (${entry})`, "exit");
  }
  const prepared = await preparePair(context, input.pair, input);
  throwIfTimedOut(context);
  const zWindow = prepared.request.options.zWindow ?? 60;
  try {
    const result = runBacktest(
      { ...prepared.series, zscore: zScores(prepared.spread, zWindow) },
      { ...rules, entry, exit },
    );
    return { result, method: prepared.request.options.method, walkForward: prepared.walkForward };
  } catch (error) {
    throw asUserError(error);
  }
}

export async function backtestSweepFor(
  context: ApiContext,
  input: BacktestSweepInputShape,
): Promise<SweepCellView[]> {
  const rules = checkCommonRules(input);
  const { entries, exits } = input;
  const zWindowsGiven = input.zWindows ?? null;
  for (const [name, list] of [["entries", entries], ["exits", exits]] as const) {
    if (list.length === 0) throw badUserInput(`${name} needs at least one value`, name);
  }
  if (zWindowsGiven !== null && zWindowsGiven.length === 0) {
    throw badUserInput("zWindows needs at least one window, or leave it out", "zWindows");
  }
  const cells = entries.length * exits.length * (zWindowsGiven?.length ?? 1);
  if (cells > MAX_SWEEP_CELLS) {
    throw badUserInput(
      `The sweep has ${cells} cells (entries x exits x zWindows), over the limit of ` +
        `${MAX_SWEEP_CELLS} per request`,
      "entries",
    );
  }
  entries.forEach((entry, index) => checkEntry(entry, rules.stop, `entries[${index}]`));
  exits.forEach((exit, index) => checkExit(exit, `exits[${index}]`));
  if (!entries.some((entry) => exits.some((exit) => exit < entry))) {
    throw badUserInput("No combination has exit below entry: the sweep would be empty", "exits");
  }
  (zWindowsGiven ?? []).forEach((window, index) => {
    if (!Number.isInteger(window) || window < 2) {
      throw badUserInput(
        `zWindows[${index}] must be a whole number of at least 2 points, got ${window}`,
        "zWindows",
      );
    }
  });

  const prepared = await preparePair(context, input.pair, input);
  throwIfTimedOut(context);
  const n = prepared.spread.length;
  const zWindows = zWindowsGiven ?? [prepared.request.options.zWindow ?? 60];
  for (const window of zWindows) {
    if (window > n) {
      throw badUserInput(`zWindow ${window} is larger than the range (${n} points)`, "zWindows");
    }
  }
  try {
    const swept = sweepBacktest({
      ...prepared.series,
      zscores: zWindows.map((window) => ({
        window,
        zscore: zScores(prepared.spread, window),
      })),
    }, { entries, exits, ...rules });
    return swept.map((cell) => ({
      entry: cell.entry,
      exit: cell.exit,
      zWindow: cell.window as number,
      inSample: prepared.series.inSample,
      metrics: cell.metrics,
    }));
  } catch (error) {
    throw asUserError(error);
  }
}

/** The rolling z-score of the spread as nullable numbers (ANALYTICS.md "Z-score"). */
function zScores(spread: Float64Array, window: number): (number | null)[] {
  return Array.from(rollingZScore(spread, window), (z) => Number.isNaN(z) ? null : z);
}

builder.queryFields((t) => ({
  backtest: t.field({
    type: BacktestType,
    description: "Mean-reversion backtest of the pair's spread z-score: signal at a bar's " +
      "close, fill at the next close, fixed quantities, fees per leg, stop and re-entry rule.",
    args: { input: t.arg({ type: BacktestInput, required: true }) },
    resolve: (_root, args, context) => backtestFor(context, args.input),
  }),
  backtestSweep: t.field({
    type: [BacktestSweepCellType],
    description: `The metrics of a grid of backtests (at most ${MAX_SWEEP_CELLS} cells), ` +
      "nested zWindow, then entry, then exit, in the order given.",
    args: { input: t.arg({ type: BacktestSweepInput, required: true }) },
    resolve: (_root, args, context) => backtestSweepFor(context, args.input),
  }),
}));
