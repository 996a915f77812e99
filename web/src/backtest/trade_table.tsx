/** Every round trip of a backtest: side, entry and exit, holding, why it closed, PnL after fees. */
import { For, Show } from "solid-js";
import { formatNumber, formatPrice, formatTime } from "../ui/format.ts";
import type { BacktestTradeResult } from "./backtest_result.ts";

const REASONS: Record<BacktestTradeResult["reason"], string> = {
  EXIT: "exit band",
  STOP: "stop",
  END: "end of range",
};

export function TradeTable(props: { trades: readonly BacktestTradeResult[] }) {
  return (
    <div class="panel trade-table" data-testid="backtest-trade-table">
      <h2>Trades ({props.trades.length})</h2>
      <Show when={props.trades.length > 0} fallback={<small>No trade in this range.</small>}>
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Side</th>
              <th>Entry (UTC)</th>
              <th>Exit (UTC)</th>
              <th>Bars</th>
              <th>Closed by</th>
              <th>β</th>
              <th>Base in → out</th>
              <th>Quote in → out</th>
              <th>Fees</th>
              <th>PnL</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.trades}>
              {(trade, index) => (
                <tr>
                  <td>{index() + 1}</td>
                  <td>{trade.side === "LONG" ? "long spread" : "short spread"}</td>
                  <td>{formatTime(Date.parse(trade.entryTime)).replace(" UTC", "")}</td>
                  <td>{formatTime(Date.parse(trade.exitTime)).replace(" UTC", "")}</td>
                  <td>{trade.bars}</td>
                  <td>{REASONS[trade.reason] ?? trade.reason}</td>
                  <td>{formatNumber(trade.hedgeRatio, 4)}</td>
                  <td>{formatPrice(trade.entryPriceY)} → {formatPrice(trade.exitPriceY)}</td>
                  <td>{formatPrice(trade.entryPriceX)} → {formatPrice(trade.exitPriceX)}</td>
                  <td>{formatNumber(trade.fees, 2)}</td>
                  <td classList={{ gain: trade.pnl > 0, loss: trade.pnl < 0 }}>
                    {formatNumber(trade.pnl, 2)}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </div>
  );
}
