/** Every hedge method on the same pair and range, side by side; the chosen one is highlighted. */
import { For, Show } from "solid-js";
import { HEDGE_METHODS, type HedgeMethod } from "../state/dashboard_params.ts";
import { formatDuration, formatNumber, formatPValue } from "../ui/format.ts";
import { ErrorList } from "../ui/messages.tsx";
import type { PairSummary } from "./pair_analytics.ts";

export const METHOD_NAMES: Record<HedgeMethod, string> = {
  OLS: "OLS",
  HUBER: "Huber",
  THEIL_SEN: "Theil-Sen",
  ROLLING_OLS: "Rolling OLS",
  KALMAN: "Kalman",
};

export function MethodTable(props: {
  methods: Partial<Record<HedgeMethod, PairSummary>>;
  errors: string[];
  selected: HedgeMethod;
  onSelect: (method: HedgeMethod) => void;
}) {
  return (
    <div class="panel">
      <h2>Hedge methods compared</h2>
      <Show
        when={Object.keys(props.methods).length > 0}
        fallback={
          <Show when={props.errors.length === 0}>
            <small>Computing…</small>
          </Show>
        }
      >
        <table data-testid="method-table">
          <thead>
            <tr>
              <th>Method</th>
              <th title="Hedge ratio β (the last one for rolling and Kalman)">β</th>
              <th>α</th>
              <th>R²</th>
              <th title="ADF p-value of the spread">ADF p</th>
              <th title="Engle-Granger cointegration p-value">Coint p</th>
              <th>Half-life</th>
            </tr>
          </thead>
          <tbody>
            <For each={HEDGE_METHODS.filter((method) => props.methods[method])}>
              {(method) => {
                const row = () => props.methods[method]!;
                return (
                  <tr
                    class="clickable"
                    classList={{ "selected-method": method === props.selected }}
                    onClick={() => props.onSelect(method)}
                  >
                    <td>{METHOD_NAMES[method]}</td>
                    <td>{formatNumber(row().hedgeRatio, 4)}</td>
                    <td>{formatNumber(row().intercept, 4)}</td>
                    <td>{formatNumber(row().rSquared, 3)}</td>
                    <td>{formatPValue(row().adf.pValue)}</td>
                    <td>{formatPValue(row().cointegration.pValue)}</td>
                    <td>{formatDuration(row().halfLifeSeconds)}</td>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </Show>
      <ErrorList messages={props.errors} title="Comparing the methods failed" />
    </div>
  );
}
