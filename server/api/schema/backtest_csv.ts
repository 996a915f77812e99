/**
 * A backtest's equity curve and trade list as CSV rows (a header, then one row per bar or trade),
 * for download. Column names are those of the GraphQL `EquityPoint` and `BacktestTrade` fields;
 * times are ISO-8601 UTC bucket starts; numbers are written in full (shortest round-trip form).
 *
 * Equity columns:
 * - `time`: the bar (bucket start).
 * - `equity`: equity at the bar's close, after its fills, in quote currency (starts at notional).
 *
 * Trade columns:
 * - `side`: LONG or SHORT (the spread); `reason`: EXIT, STOP or END.
 * - `entryTime`, `exitTime`: the fill bars; `bars`: bars held from entry fill to exit fill.
 * - `entryPriceY`, `entryPriceX`, `exitPriceY`, `exitPriceX`: raw closes at the fills
 *   (Y is the base, X the quote).
 * - `qtyY`: base held (positive); `qtyX`: quote against it (negative when the hedge ratio is).
 * - `hedgeRatio`: beta at the signal bar; `fees`: both fills' fees; `pnl`: net of fees.
 */
import { isoFromMicros } from "../../domain.ts";
import type { BacktestResult } from "../../analytics/backtest.ts";

export const BACKTEST_EQUITY_COLUMNS = ["time", "equity"] as const;

export const BACKTEST_TRADE_COLUMNS = [
  "side",
  "entryTime",
  "exitTime",
  "bars",
  "entryPriceY",
  "entryPriceX",
  "exitPriceY",
  "exitPriceX",
  "qtyY",
  "qtyX",
  "hedgeRatio",
  "fees",
  "pnl",
  "reason",
] as const;

/** Header, then one row per bar: time, equity. */
export function backtestEquityCsvRows(result: Pick<BacktestResult, "equity">): string[][] {
  return [
    [...BACKTEST_EQUITY_COLUMNS],
    ...result.equity.map((point) => [isoFromMicros(point.timeUs), String(point.equity)]),
  ];
}

/** Header, then one row per trade in the order of BACKTEST_TRADE_COLUMNS. */
export function backtestTradesCsvRows(result: Pick<BacktestResult, "tradeList">): string[][] {
  return [
    [...BACKTEST_TRADE_COLUMNS],
    ...result.tradeList.map((trade) => [
      trade.side,
      isoFromMicros(trade.entryTimeUs),
      isoFromMicros(trade.exitTimeUs),
      String(trade.bars),
      String(trade.entryPriceY),
      String(trade.entryPriceX),
      String(trade.exitPriceY),
      String(trade.exitPriceX),
      String(trade.qtyY),
      String(trade.qtyX),
      String(trade.hedgeRatio),
      String(trade.fees),
      String(trade.pnl),
      trade.reason,
    ]),
  ];
}
