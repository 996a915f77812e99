/** A backtest's results in figures, with a plain warning when its profit includes look-ahead. */
import { Show } from "solid-js";
import { formatNumber, formatPercent } from "../ui/format.ts";
import type { BacktestMetrics } from "./backtest_result.ts";

export function MetricsPanel(props: { metrics: BacktestMetrics; notional: number }) {
  const m = () => props.metrics;
  const fraction = (value: number | null) =>
    value === null ? "–" : `${formatNumber(value * 100, 1)}%`;
  return (
    <div class="panel backtest-metrics" data-testid="backtest-metrics">
      <h2>Results</h2>
      <Show when={m().inSample}>
        <p class="message warning" data-testid="backtest-in-sample" role="note">
          In-sample: the hedge ratio was fitted on the same bars this backtest trades, so it knew
          the future. Real trading would have done worse; choose rolling or expanding walk-forward
          for an honest figure.
        </p>
      </Show>
      <dl class="metrics">
        <dt>Net PnL</dt>
        <dd
          data-testid="backtest-net-pnl"
          classList={{ gain: m().netPnl > 0, loss: m().netPnl < 0 }}
        >
          {formatNumber(m().netPnl, 2)}
        </dd>
        <dt>Return on {formatNumber(props.notional, 0)}</dt>
        <dd>{formatPercent(m().return)}</dd>
        <dt>Sharpe (annualised)</dt>
        <dd>{formatNumber(m().sharpe, 2)}</dd>
        <dt>Max drawdown</dt>
        <dd>{fraction(m().maxDrawdown)}</dd>
        <dt>Trades</dt>
        <dd data-testid="backtest-trade-count">{m().trades}</dd>
        <dt>Win rate</dt>
        <dd>{fraction(m().winRate)}</dd>
        <dt>Average holding</dt>
        <dd>{m().avgHoldingBars === null ? "–" : `${formatNumber(m().avgHoldingBars, 1)} bars`}</dd>
        <dt>Exposure (bars in a position)</dt>
        <dd>{fraction(m().exposure)}</dd>
      </dl>
    </div>
  );
}
