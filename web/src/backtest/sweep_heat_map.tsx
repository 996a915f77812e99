/**
 * The sweep as a heat map: one cell per entry x exit, coloured by net PnL; hovering shows the
 * cell's metrics, clicking loads that backtest (its thresholds go into the URL).
 */
import { For, Show } from "solid-js";
import { formatNumber, formatPercent } from "../ui/format.ts";
import type { BacktestSweepCell } from "./backtest_result.ts";
import { pnlColour, type SweepGrid } from "./sweep_grid.ts";

export function SweepHeatMap(props: {
  grid: SweepGrid;
  /** The thresholds of the backtest shown, outlined in the map. */
  entry: number;
  exit: number;
  onSelect: (entry: number, exit: number) => void;
}) {
  return (
    <table class="sweep-map" data-testid="sweep-map">
      <thead>
        <tr>
          <th>entry \ exit</th>
          <For each={props.grid.exits}>{(exit) => <th>{exit}</th>}</For>
        </tr>
      </thead>
      <tbody>
        <For each={props.grid.entries}>
          {(entry, row) => (
            <tr>
              <th>{entry}</th>
              <For each={props.grid.cells[row()]}>
                {(cell) => (
                  <Show when={cell} fallback={<td class="sweep-empty">–</td>}>
                    {(shown) => (
                      <td
                        class="sweep-cell"
                        classList={{
                          "sweep-chosen": shown().entry === props.entry &&
                            shown().exit === props.exit,
                        }}
                        style={{ background: pnlColour(shown().netPnl, props.grid.maxAbsPnl) }}
                        title={cellSummary(shown())}
                        data-entry={shown().entry}
                        data-exit={shown().exit}
                        onClick={() => props.onSelect(shown().entry, shown().exit)}
                      >
                        {formatNumber(shown().netPnl, 0)}
                      </td>
                    )}
                  </Show>
                )}
              </For>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
}

function cellSummary(cell: BacktestSweepCell): string {
  const fraction = (value: number | null) =>
    value === null ? "–" : `${formatNumber(value * 100, 1)}%`;
  return [
    `entry ${cell.entry}, exit ${cell.exit}, z window ${cell.zWindow}`,
    `net PnL ${formatNumber(cell.netPnl, 2)} (${formatPercent(cell.return)})`,
    `Sharpe ${formatNumber(cell.sharpe, 2)}, max drawdown ${fraction(cell.maxDrawdown)}`,
    `${cell.trades} trades, win rate ${fraction(cell.winRate)}`,
    `average holding ${formatNumber(cell.avgHoldingBars, 1)} bars, exposure ${
      fraction(cell.exposure)
    }`,
    cell.inSample ? "in-sample: the hedge saw the future" : "",
  ].filter(Boolean).join("\n");
}
