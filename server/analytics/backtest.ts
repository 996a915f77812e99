/**
 * Mean-reversion backtest of a pair on its spread z-score, exactly as ANALYTICS.md "Backtest":
 *
 * - The signal is taken at bar t's close from z_t and filled at bar t+1's close (raw closes).
 * - Flat: z_t > E enters SHORT spread, z_t < -E enters LONG; with a stop S, only while |z_t| < S.
 *   LONG exits when z_t >= -X and stops when z_t <= -S; SHORT exits when z_t <= X and stops
 *   when z_t >= S. After a stop no entry is taken until a bar with |z_t| < X has been seen.
 * - Size at the entry fill, held to the exit fill: qty_y = N / P^y; qty_x = beta N / P^x for LOG
 *   prices (dollar hedge) or beta qty_y for RAW prices (unit hedge), beta from the signal bar.
 *   LONG spread holds +qty_y of Y and -qty_x of X; SHORT the opposite.
 * - Marked to market every bar: side (qty_y dP^y - qty_x dP^x); each fill pays
 *   feeBps / 1e4 (qty_y P^y + |qty_x| P^x). Equity starts at N; a position still open at the last
 *   bar is closed there (reason END).
 *
 * Bars with a null z-score give no signal (a position is held through them); an entry signal at a
 * bar without a hedge ratio is skipped. O(n) time, O(1) extra memory besides the outputs.
 */

/** One bar series ready to backtest; all arrays have one entry per bar. */
export interface BacktestSeries {
  /** Bar times (bucket starts), microseconds since the epoch. */
  timesUs: ArrayLike<number>;
  /** Raw closes of Y (the base) and X (the quote), whatever the price transform. */
  priceY: ArrayLike<number>;
  priceX: ArrayLike<number>;
  /** z-score of the spread at each bar; null while undefined. */
  zscore: ArrayLike<number | null>;
  /** Hedge ratio beta known at each bar (beta_t for rolling / Kalman hedges); null if none. */
  hedgeRatio: ArrayLike<number | null>;
  /** The price transform the spread was built on; decides dollar (LOG) or unit (RAW) hedging. */
  transform: "LOG" | "RAW";
  /** Bar length in seconds, for annualising the Sharpe ratio. */
  barSeconds: number;
  /** Whether the spread was fitted on the same bars it is traded on (static hedges); reported as is. */
  inSample: boolean;
}

export interface BacktestRules {
  /** Entry threshold E on |z|. Default 2. */
  entry?: number;
  /** Exit threshold X (0 <= X < E). Default 0.5. */
  exit?: number;
  /** Stop threshold S (> E), or null for no stop. Default 4. */
  stop?: number | null;
  /** Notional N in quote currency, also the starting equity. Default 10,000. */
  notional?: number;
  /** Fee per leg per fill in basis points of the leg's value. Default 4. */
  feeBps?: number;
}

export interface BacktestMetrics {
  /** Final equity minus N. */
  netPnl: number;
  /** netPnl / N. */
  return: number;
  /**
   * mean / sample std of the per-bar equity changes divided by N, times sqrt(bars per 365-day
   * year); null with fewer than two bars or no variation.
   */
  sharpe: number | null;
  /** Largest fall from the running peak of equity, as a fraction of that peak. */
  maxDrawdown: number;
  /** Number of trades (entries filled), including one closed at the end. */
  trades: number;
  /** Fraction of trades with net PnL > 0; null without trades. */
  winRate: number | null;
  /** Mean bars from entry fill to exit fill; null without trades. */
  avgHoldingBars: number | null;
  /** Bars held in a position (sum of trade bars) / number of bars. */
  exposure: number;
}

export interface BacktestTrade {
  side: "LONG" | "SHORT";
  entryTimeUs: number;
  exitTimeUs: number;
  /** Bar indexes of the entry and exit fills. */
  entryIndex: number;
  exitIndex: number;
  entryPriceY: number;
  entryPriceX: number;
  exitPriceY: number;
  exitPriceX: number;
  /** Absolute quantity of Y held. */
  qtyY: number;
  /** Quantity of X against it (negative when beta is negative). */
  qtyX: number;
  /** beta at the signal bar. */
  hedgeRatio: number;
  /** exitIndex - entryIndex. */
  bars: number;
  /** Entry and exit fees. */
  fees: number;
  /** Mark-to-market PnL over the holding bars minus fees. */
  pnl: number;
  reason: "EXIT" | "STOP" | "END";
}

export interface BacktestResult extends BacktestMetrics {
  inSample: boolean;
  /** Equity at each bar's close, after that bar's fills. */
  equity: { timeUs: number; equity: number }[];
  tradeList: BacktestTrade[];
}

/** Rules with defaults applied and checked. */
export interface ResolvedRules {
  entry: number;
  exit: number;
  stop: number | null;
  notional: number;
  feeBps: number;
}

/** Series converted to typed arrays, with NaN standing for null. */
export interface PreparedSeries {
  priceY: Float64Array;
  priceX: Float64Array;
  hedgeRatio: Float64Array;
  logTransform: boolean;
  barsPerYear: number;
}

const SECONDS_PER_YEAR = 365 * 24 * 60 * 60;

/** Backtest `series` under `rules`; see the module comment for the exact rules. O(n). */
export function runBacktest(series: BacktestSeries, rules: BacktestRules = {}): BacktestResult {
  const prepared = prepareSeries(series);
  const resolved = resolveRules(rules);
  const zscore = nullableArray(series.zscore, prepared.priceY.length, "zscore");
  const equity = new Float64Array(prepared.priceY.length);
  const trades: SimulatedTrade[] = [];
  const metrics = simulateBacktest(prepared, zscore, resolved, { equity, trades });
  const timeAt = (index: number) => series.timesUs[index];
  return {
    ...metrics,
    inSample: series.inSample,
    equity: Array.from(equity, (value, index) => ({ timeUs: timeAt(index), equity: value })),
    tradeList: trades.map((trade) => ({
      side: trade.side === 1 ? "LONG" : "SHORT",
      entryTimeUs: timeAt(trade.entryIndex),
      exitTimeUs: timeAt(trade.exitIndex),
      entryIndex: trade.entryIndex,
      exitIndex: trade.exitIndex,
      entryPriceY: prepared.priceY[trade.entryIndex],
      entryPriceX: prepared.priceX[trade.entryIndex],
      exitPriceY: prepared.priceY[trade.exitIndex],
      exitPriceX: prepared.priceX[trade.exitIndex],
      qtyY: trade.qtyY,
      qtyX: trade.qtyX,
      hedgeRatio: trade.hedgeRatio,
      bars: trade.exitIndex - trade.entryIndex,
      fees: trade.fees,
      pnl: trade.pnl,
      reason: trade.reason,
    })),
  };
}

/** Apply the defaults and check the thresholds are ordered 0 <= X < E < S. */
export function resolveRules(rules: BacktestRules): ResolvedRules {
  const resolved = {
    entry: rules.entry ?? 2,
    exit: rules.exit ?? 0.5,
    stop: rules.stop === undefined ? 4 : rules.stop,
    notional: rules.notional ?? 10_000,
    feeBps: rules.feeBps ?? 4,
  };
  const { entry, exit, stop, notional, feeBps } = resolved;
  if (!(Number.isFinite(entry) && entry > 0)) {
    throw new RangeError(`Backtest entry must be a positive z-score; got ${entry}`);
  }
  if (!(Number.isFinite(exit) && exit >= 0 && exit < entry)) {
    throw new RangeError(`Backtest exit must satisfy 0 <= exit < entry (${entry}); got ${exit}`);
  }
  if (stop !== null && !(Number.isFinite(stop) && stop > entry)) {
    throw new RangeError(`Backtest stop must be above entry (${entry}) or null; got ${stop}`);
  }
  if (!(Number.isFinite(notional) && notional > 0)) {
    throw new RangeError(`Backtest notional must be positive; got ${notional}`);
  }
  if (!(Number.isFinite(feeBps) && feeBps >= 0)) {
    throw new RangeError(`Backtest feeBps must be >= 0; got ${feeBps}`);
  }
  return resolved;
}

/** Check the bar series and convert it to typed arrays (NaN for null). */
export function prepareSeries(series: Omit<BacktestSeries, "zscore">): PreparedSeries {
  const n = series.priceY.length;
  if (n < 2) throw new RangeError(`A backtest needs at least 2 bars; got ${n}`);
  for (const [name, values] of [["timesUs", series.timesUs], ["priceX", series.priceX]] as const) {
    if (values.length !== n) {
      throw new RangeError(`Backtest ${name} has ${values.length} bars, priceY has ${n}`);
    }
  }
  const prices = (values: ArrayLike<number>, name: string) =>
    Float64Array.from({ length: n }, (_, index) => {
      const price = values[index];
      if (!(Number.isFinite(price) && price > 0)) {
        throw new RangeError(`Backtest ${name}[${index}] must be a positive price; got ${price}`);
      }
      return price;
    });
  if (!(Number.isFinite(series.barSeconds) && series.barSeconds > 0)) {
    throw new RangeError(`Backtest barSeconds must be positive; got ${series.barSeconds}`);
  }
  return {
    priceY: prices(series.priceY, "priceY"),
    priceX: prices(series.priceX, "priceX"),
    hedgeRatio: nullableArray(series.hedgeRatio, n, "hedgeRatio"),
    logTransform: series.transform === "LOG",
    barsPerYear: SECONDS_PER_YEAR / series.barSeconds,
  };
}

/** (number | null)[] -> Float64Array with NaN for null; rejects NaN and infinities. */
export function nullableArray(
  values: ArrayLike<number | null>,
  n: number,
  name: string,
): Float64Array {
  if (values.length !== n) {
    throw new RangeError(`Backtest ${name} has ${values.length} bars, not ${n}`);
  }
  return Float64Array.from({ length: n }, (_, index) => {
    const value = values[index];
    if (value === null) return NaN;
    if (!Number.isFinite(value)) {
      throw new RangeError(
        `Backtest ${name}[${index}] must be a finite number or null; got ${value}`,
      );
    }
    return value;
  });
}

/** A trade as the simulation records it: side +1 LONG / -1 SHORT, bar indexes. */
export interface SimulatedTrade {
  side: 1 | -1;
  entryIndex: number;
  exitIndex: number;
  qtyY: number;
  qtyX: number;
  hedgeRatio: number;
  fees: number;
  pnl: number;
  reason: "EXIT" | "STOP" | "END";
}

/** Where the simulation writes the equity curve and trades, when the caller wants them. */
export interface SimulationRecord {
  equity: Float64Array;
  trades: SimulatedTrade[];
}

const NO_ORDER = 0;
const ENTER = 1;
const CLOSE = 2;

/**
 * The bar-by-bar state machine and its metrics. At each bar: mark the open position to market,
 * fill the order signalled at the previous bar, close at the last bar (END), then read z_t for
 * the next order. Shared by `runBacktest` and the parameter sweep, so both follow the same rules.
 */
export function simulateBacktest(
  series: PreparedSeries,
  zscore: Float64Array,
  rules: ResolvedRules,
  record?: SimulationRecord,
): BacktestMetrics {
  const { priceY, priceX, hedgeRatio, logTransform } = series;
  const { entry, exit, notional } = rules;
  const stop = rules.stop ?? Infinity;
  const feeRate = rules.feeBps / 1e4;
  const n = priceY.length;
  const last = n - 1;

  let side = 0;
  let qtyY = 0;
  let qtyX = 0;
  let equity = notional;
  let blockedAfterStop = false;
  let order = NO_ORDER;
  let orderSide: 1 | -1 = 1;
  let orderHedgeRatio = 0;
  let orderReason: "EXIT" | "STOP" = "EXIT";

  let trade: SimulatedTrade | null = null;
  let trades = 0;
  let wins = 0;
  let barsHeld = 0;

  let peak = notional;
  let maxDrawdown = 0;
  let previousEquity = notional;
  // Welford running mean and sum of squared deviations of the per-bar equity changes / N.
  let changes = 0;
  let changeMean = 0;
  let changeSquares = 0;

  const closePosition = (index: number, reason: SimulatedTrade["reason"]) => {
    const fee = feeRate * (qtyY * priceY[index] + Math.abs(qtyX) * priceX[index]);
    equity -= fee;
    const closed = trade as SimulatedTrade;
    closed.fees += fee;
    closed.pnl -= fee;
    closed.exitIndex = index;
    closed.reason = reason;
    trades++;
    if (closed.pnl > 0) wins++;
    barsHeld += index - closed.entryIndex;
    record?.trades.push(closed);
    trade = null;
    side = 0;
  };

  for (let t = 0; t < n; t++) {
    if (side !== 0) {
      const pnl = side * (qtyY * (priceY[t] - priceY[t - 1]) - qtyX * (priceX[t] - priceX[t - 1]));
      equity += pnl;
      (trade as SimulatedTrade).pnl += pnl;
    }
    if (order === ENTER) {
      qtyY = notional / priceY[t];
      qtyX = logTransform ? orderHedgeRatio * notional / priceX[t] : orderHedgeRatio * qtyY;
      const fee = feeRate * (qtyY * priceY[t] + Math.abs(qtyX) * priceX[t]);
      equity -= fee;
      side = orderSide;
      trade = {
        side: orderSide,
        entryIndex: t,
        exitIndex: t,
        qtyY,
        qtyX,
        hedgeRatio: orderHedgeRatio,
        fees: fee,
        pnl: -fee,
        reason: "END",
      };
    } else if (order === CLOSE) {
      closePosition(t, orderReason);
    }
    order = NO_ORDER;

    if (t === last) {
      if (side !== 0) closePosition(t, "END");
    } else {
      const z = zscore[t];
      if (!Number.isNaN(z)) {
        if (side === 0) {
          if (blockedAfterStop && Math.abs(z) < exit) blockedAfterStop = false;
          const beta = hedgeRatio[t];
          if (!blockedAfterStop && !Number.isNaN(beta) && Math.abs(z) < stop) {
            if (z > entry) {
              order = ENTER;
              orderSide = -1;
              orderHedgeRatio = beta;
            } else if (z < -entry) {
              order = ENTER;
              orderSide = 1;
              orderHedgeRatio = beta;
            }
          }
        } else if (side * z <= -stop) {
          order = CLOSE;
          orderReason = "STOP";
          blockedAfterStop = true;
        } else if (side * z >= -exit) {
          order = CLOSE;
          orderReason = "EXIT";
        }
      }
    }

    if (t > 0) {
      const change = (equity - previousEquity) / notional;
      changes++;
      const deviation = change - changeMean;
      changeMean += deviation / changes;
      changeSquares += deviation * (change - changeMean);
    }
    previousEquity = equity;
    if (equity > peak) peak = equity;
    const drawdown = (peak - equity) / peak;
    if (drawdown > maxDrawdown) maxDrawdown = drawdown;
    if (record) record.equity[t] = equity;
  }

  const changeStd = changes > 1 ? Math.sqrt(changeSquares / (changes - 1)) : 0;
  return {
    netPnl: equity - notional,
    return: (equity - notional) / notional,
    sharpe: changeStd > 0 ? changeMean / changeStd * Math.sqrt(series.barsPerYear) : null,
    maxDrawdown,
    trades,
    winRate: trades > 0 ? wins / trades : null,
    avgHoldingBars: trades > 0 ? barsHeld / trades : null,
    exposure: barsHeld / n,
  };
}
