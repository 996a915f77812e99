/**
 * What a backtest answers, as the dashboard reads it (types only, so that pure code and its tests
 * load without the GraphQL client).
 */
import type { HedgeMethod, WalkForward } from "../state/dashboard_params.ts";

export interface BacktestMetrics {
  netPnl: number;
  return: number;
  sharpe: number | null;
  maxDrawdown: number;
  trades: number;
  winRate: number | null;
  avgHoldingBars: number | null;
  exposure: number;
  /** The hedge was fitted over the range it trades: the profit includes look-ahead. */
  inSample: boolean;
}

export interface BacktestTradeResult {
  side: "LONG" | "SHORT";
  entryTime: string;
  exitTime: string;
  bars: number;
  pnl: number;
  fees: number;
  reason: "EXIT" | "STOP" | "END";
  entryPriceY: number;
  entryPriceX: number;
  exitPriceY: number;
  exitPriceX: number;
  qtyY: number;
  qtyX: number;
  hedgeRatio: number;
}

export interface BacktestResult extends BacktestMetrics {
  method: HedgeMethod;
  walkForward: WalkForward;
  equity: { time: string; equity: number }[];
  tradeList: BacktestTradeResult[];
}

export interface BacktestSweepCell extends BacktestMetrics {
  entry: number;
  exit: number;
  zWindow: number;
}
