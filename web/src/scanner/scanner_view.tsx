/**
 * Scanner: every pair of the chosen symbols, ranked by cointegration p-value, sortable by any
 * column; a row opens the pair view with the same timeframe and range.
 */
import { createMemo, createSignal, For, Show } from "solid-js";
import { TIMEFRAMES } from "../state/dashboard_params.ts";
import { RangeField, Segmented } from "../ui/controls.tsx";
import { formatDuration, formatNumber, formatPValue } from "../ui/format.ts";
import { EmptyState, ErrorList } from "../ui/messages.tsx";
import type { ViewProps } from "../views.ts";
import { createPairScan, type ScanRequest } from "./scan_data.ts";
import { type ScanColumn, type ScanSort, sortRows } from "./sort_rows.ts";

const COLUMNS: { column: ScanColumn; title: string; hint: string }[] = [
  { column: "pair", title: "Pair (Y / X)", hint: "base regressed on quote" },
  { column: "pValue", title: "Coint p", hint: "Engle-Granger p-value" },
  { column: "statistic", title: "Coint stat", hint: "Engle-Granger statistic" },
  { column: "hedgeRatio", title: "β", hint: "OLS hedge ratio" },
  { column: "halfLife", title: "Half-life", hint: "time for a deviation to halve" },
  { column: "correlation", title: "Correlation", hint: "of returns" },
  { column: "n", title: "Bars", hint: "aligned bars" },
];

export default function ScannerView(props: ViewProps) {
  const params = () => props.location.params();
  const venue = () => params().venue || props.instruments.list()[0]?.venue || "";
  const available = createMemo(() =>
    props.instruments.list().filter((i) => i.venue === venue()).map((i) => i.symbol)
  );
  const chosen = () => params().symbols.length > 0 ? params().symbols : available();
  const [sort, setSort] = createSignal<ScanSort>({ column: "pValue", descending: false });

  const request = createMemo<ScanRequest | null>(
    () => {
      const symbols = chosen();
      if (symbols.length < 2) return null;
      const p = params();
      return {
        symbols,
        venue: venue() || null,
        timeframe: p.timeframe,
        from: p.from || null,
        to: p.to || null,
      };
    },
    null,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );

  const scan = createPairScan(props.client, request);
  const rows = createMemo(() => sortRows(scan.rows(), sort()));

  function toggleSymbol(symbol: string, on: boolean) {
    const next = on ? [...chosen(), symbol] : chosen().filter((s) => s !== symbol);
    props.location.update({ symbols: next.length === available().length ? [] : next });
  }

  function sortBy(column: ScanColumn) {
    setSort((current) =>
      current.column === column
        ? { column, descending: !current.descending }
        : { column, descending: column === "correlation" || column === "n" }
    );
  }

  return (
    <div class="scanner-view" data-view="scanner">
      <div class="controls">
        <div class="field">
          <span class="field-label">Symbols on {venue() || "the feed's venue"}</span>
          <div class="symbol-choices">
            <For each={available()}>
              {(symbol) => (
                <label>
                  <input
                    type="checkbox"
                    checked={chosen().includes(symbol)}
                    onChange={(event) => toggleSymbol(symbol, event.currentTarget.checked)}
                  />
                  {symbol}
                </label>
              )}
            </For>
          </div>
        </div>
        <Segmented
          label="Timeframe"
          options={TIMEFRAMES}
          value={params().timeframe}
          onChange={(timeframe) => props.location.update({ timeframe })}
        />
        <RangeField
          from={params().from}
          to={params().to}
          onChange={(range) => props.location.update(range)}
        />
        <button type="button" onClick={() => scan.refresh()} disabled={scan.loading()}>
          {scan.loading() ? "Scanning…" : "Scan again"}
        </button>
      </div>

      <ErrorList messages={[...props.instruments.errors(), ...scan.errors()]} />

      <Show
        when={request()}
        fallback={
          <Show when={props.instruments.loaded()}>
            <EmptyState title="The scanner needs at least two symbols with data on one venue">
              {available().length < 2
                ? "Stream or import trades of more symbols; they appear here once stored."
                : "Tick at least two symbols."}
            </EmptyState>
          </Show>
        }
      >
        <div class="panel">
          <table data-testid="scanner-table">
            <thead>
              <tr>
                <For each={COLUMNS}>
                  {(column) => (
                    <th title={column.hint}>
                      <button type="button" onClick={() => sortBy(column.column)}>
                        {column.title}
                        {sort().column === column.column ? (sort().descending ? " ▼" : " ▲") : ""}
                      </button>
                    </th>
                  )}
                </For>
                <th>Note</th>
              </tr>
            </thead>
            <tbody>
              <For each={rows()}>
                {(row) => (
                  <tr
                    class="clickable"
                    data-pair={`${row.base}/${row.quote}`}
                    title="Open in the pair view"
                    onClick={() =>
                      props.location.navigate("pair", {
                        base: row.base,
                        quote: row.quote,
                        venue: venue(),
                      })}
                  >
                    <td>{row.base} / {row.quote}</td>
                    <td>{formatPValue(row.cointegration?.pValue)}</td>
                    <td>{formatNumber(row.cointegration?.statistic, 3)}</td>
                    <td>{formatNumber(row.hedgeRatio, 4)}</td>
                    <td>{formatDuration(row.halfLifeSeconds)}</td>
                    <td>{formatNumber(row.correlation, 3)}</td>
                    <td>{row.n.toLocaleString("en-US")}</td>
                    <td>{row.error ?? ""}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <Show when={!scan.loading() && rows().length === 0 && scan.errors().length === 0}>
            <small>No pairs scanned yet.</small>
          </Show>
        </div>
      </Show>
    </div>
  );
}
