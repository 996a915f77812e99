/** Chart series and markers derived from a backtest: equity, drawdown, trade entries and exits. */
import type { XY } from "../pair/pair_series.ts";
import type { BacktestTradeResult } from "./backtest_result.ts";

/**
 * Equity over time and its drawdown from the running peak, as a fraction of that peak
 * (peak − equity) / peak, the API's maxDrawdown definition, shown negative so it reads as a fall.
 */
export function equityAndDrawdown(
  equity: readonly { time: string; equity: number }[],
): { equity: XY[]; drawdown: XY[] } {
  const equitySeries: XY[] = [];
  const drawdown: XY[] = [];
  let peak = -Infinity;
  for (const point of equity) {
    const time = Date.parse(point.time);
    peak = Math.max(peak, point.equity);
    equitySeries.push([time, point.equity]);
    drawdown.push([time, peak > 0 ? -(peak - point.equity) / peak : null]);
  }
  return { equity: equitySeries, drawdown };
}

export interface TradeMarker {
  time: number;
  /** The charted value (z-score or spread) at that bar, or null when the chart has no point there. */
  value: number | null;
  kind: "entry" | "exit";
  side: BacktestTradeResult["side"];
  reason: BacktestTradeResult["reason"] | null;
}

/** An entry and an exit marker per trade, placed on the charted value of the same bar. */
export function tradeMarkers(
  trades: readonly BacktestTradeResult[],
  valueByTime: ReadonlyMap<number, number | null>,
): TradeMarker[] {
  return trades.flatMap((trade) => {
    const entryTime = Date.parse(trade.entryTime);
    const exitTime = Date.parse(trade.exitTime);
    return [
      {
        time: entryTime,
        value: valueByTime.get(entryTime) ?? null,
        kind: "entry",
        side: trade.side,
        reason: null,
      },
      {
        time: exitTime,
        value: valueByTime.get(exitTime) ?? null,
        kind: "exit",
        side: trade.side,
        reason: trade.reason,
      },
    ];
  });
}
