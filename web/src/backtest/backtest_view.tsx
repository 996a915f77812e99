/**
 * Backtest: a mean-reversion strategy on the pair's spread z-score with the parameters in the URL;
 * its results, the equity curve with its drawdown, the spread and the z-score with every entry and
 * exit marked on each, and the list of trades. The spread and z-score are the pair's as the Pair
 * view fits them; with walk-forward the backtest trades on its own refitted z, so a marker can sit
 * off a line.
 */
import { createEffect, createMemo, Show } from "solid-js";
import { ApexChart } from "../charts/apex_chart.tsx";
import { PALETTE, timeLineOptions } from "../charts/chart_options.ts";
import type { PairInput } from "../pair/pair_data.ts";
import { METHOD_NAMES } from "../pair/method_table.tsx";
import { fieldSeries, type XY } from "../pair/pair_series.ts";
import {
  DEFAULT_PARAMS,
  HEDGE_METHODS,
  PRICE_TRANSFORMS,
  TIMEFRAMES,
  WALK_FORWARDS,
} from "../state/dashboard_params.ts";
import { NumberField, RangeField, Segmented, SelectField } from "../ui/controls.tsx";
import { EmptyState, ErrorList } from "../ui/messages.tsx";
import type { ViewProps } from "../views.ts";
import { createBacktestData } from "./backtest_data.ts";
import type { BacktestInput } from "./backtest_documents.ts";
import { equityAndDrawdown, type TradeMarker, tradeMarkers } from "./backtest_series.ts";
import { MetricsPanel } from "./metrics_panel.tsx";
import { StopField } from "./stop_field.tsx";
import { createBacktestSweep, type SweepBase } from "./sweep_data.ts";
import { SWEEP_ENTRIES, SWEEP_EXITS, sweepGrid } from "./sweep_grid.ts";
import { SweepHeatMap } from "./sweep_heat_map.tsx";
import { TradeTable } from "./trade_table.tsx";

const WALK_FORWARD_NAMES = { NONE: "none", ROLLING: "rolling", EXPANDING: "expanding" };

export default function BacktestView(props: ViewProps) {
  const params = () => props.location.params();

  /** Instruments on the pair's venue (the URL's, else the first instrument's). */
  const venue = () => params().venue || props.instruments.list()[0]?.venue || "";
  const symbols = createMemo(() =>
    props.instruments.list().filter((i) => i.venue === venue()).map((i) => i.symbol)
  );
  const legs = createMemo(
    () => {
      const base = params().base || symbols()[0] || "";
      const quote = params().quote || symbols().find((s) => s !== base) || "";
      return { base, quote };
    },
    undefined,
    { equals: (a, b) => a.base === b.base && a.quote === b.quote },
  );

  // Write the default legs into the URL so the link names the pair backtested.
  createEffect(() => {
    const { base, quote } = legs();
    if (base && quote && (!params().base || !params().quote)) {
      props.location.update({ base, quote, venue: venue() });
    }
  });

  const input = createMemo<BacktestInput | null>(
    () => {
      const { base, quote } = legs();
      if (!base || !quote) return null;
      const p = params();
      const pair: PairInput = {
        base,
        quote,
        venue: venue() || null,
        timeframe: p.timeframe,
        from: p.from || null,
        to: p.to || null,
        priceTransform: p.transform,
        method: p.method,
        zWindow: p.zWindow,
        corrWindow: p.corrWindow,
        hedgeWindow: p.hedgeWindow,
      };
      return {
        pair,
        entry: p.entry,
        exit: p.exit,
        stop: p.stop,
        notional: p.notional,
        feeBps: p.feeBps,
        walkForward: p.walkForward,
      };
    },
    null,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );

  const backtest = createBacktestData(props.client, input);
  const sweepBase = createMemo<SweepBase | null>(
    () => {
      const chosen = input();
      if (!chosen) return null;
      const { entry: _entry, exit: _exit, ...rest } = chosen;
      return rest;
    },
    null,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );
  const sweep = createBacktestSweep(props.client, sweepBase);
  const grid = createMemo(() => {
    const cells = sweep.cells();
    return cells ? sweepGrid(cells) : null;
  });
  const trades = () => backtest.result()?.tradeList ?? [];

  const equity = createMemo(() => equityAndDrawdown(backtest.result()?.equity ?? []));
  const equitySeries = createMemo(() => [{ name: "equity", data: equity().equity }]);
  const drawdownSeries = createMemo(() => [{ name: "drawdown", data: equity().drawdown }]);
  const spreadSeries = createMemo(() => [
    { name: "spread", data: fieldSeries(backtest.points(), "spread") },
  ]);
  const zSeries = createMemo(() => [
    { name: "z-score", data: fieldSeries(backtest.points(), "zscore") },
  ]);
  // Each chart's markers sit on its own series' value at the trade's bar (x in epoch ms, as the
  // series): the spread and the z-score differ in scale, so one point set cannot serve both.
  const spreadAnnotations = createMemo(() => ({
    points: markerAnnotations(tradeMarkers(trades(), valueMap(spreadSeries()[0].data))),
  }));
  const zAnnotations = createMemo(() => {
    const p = params();
    const lines = [
      thresholdLine(p.entry, PALETTE.quote, `entry ±${p.entry}`),
      thresholdLine(-p.entry, PALETTE.quote, ""),
      thresholdLine(p.exit, PALETTE.band, `exit ±${p.exit}`),
      thresholdLine(-p.exit, PALETTE.band, ""),
    ];
    if (p.stop !== null) {
      lines.push(
        thresholdLine(p.stop, PALETTE.down, `stop ±${p.stop}`),
        thresholdLine(-p.stop, PALETTE.down, ""),
      );
    }
    return {
      yaxis: lines,
      points: markerAnnotations(tradeMarkers(trades(), valueMap(zSeries()[0].data))),
    };
  });
  const symbolOptions = () => symbols().map((s) => ({ value: s, label: s }));

  return (
    <div class="backtest-view" data-view="backtest">
      <div class="controls">
        <SelectField
          label="Base (Y)"
          value={legs().base}
          options={symbolOptions()}
          testId="backtest-base"
          onChange={(base) => props.location.update({ base, venue: venue() })}
        />
        <SelectField
          label="Quote (X)"
          value={legs().quote}
          options={symbolOptions()}
          testId="backtest-quote"
          onChange={(quote) => props.location.update({ quote, venue: venue() })}
        />
        <Segmented
          label="Timeframe"
          options={TIMEFRAMES}
          value={params().timeframe}
          onChange={(timeframe) => props.location.update({ timeframe })}
        />
        <SelectField
          label="Hedge method"
          value={params().method}
          options={HEDGE_METHODS.map((m) => ({ value: m, label: METHOD_NAMES[m] }))}
          testId="backtest-method"
          onChange={(method) =>
            props.location.update({ method: method as typeof HEDGE_METHODS[number] })}
        />
        <Segmented
          label="Prices"
          options={PRICE_TRANSFORMS}
          value={params().transform}
          name={(t) => t === "LOG" ? "log" : "raw"}
          onChange={(transform) => props.location.update({ transform })}
        />
        <NumberField
          label="z window"
          value={params().zWindow}
          min={2}
          integer
          testId="backtest-z-window"
          onChange={(zWindow) => props.location.update({ zWindow })}
        />
        <NumberField
          label="Corr window"
          value={params().corrWindow}
          min={2}
          integer
          onChange={(corrWindow) => props.location.update({ corrWindow })}
        />
        <NumberField
          label="Hedge window"
          value={params().hedgeWindow}
          min={2}
          integer
          onChange={(hedgeWindow) => props.location.update({ hedgeWindow })}
        />
        <NumberField
          label="Entry |z|"
          value={params().entry}
          min={0.1}
          testId="backtest-entry"
          onChange={(entry) => props.location.update({ entry })}
        />
        <NumberField
          label="Exit |z|"
          value={params().exit}
          min={0}
          testId="backtest-exit"
          onChange={(exit) => props.location.update({ exit })}
        />
        <StopField
          value={params().stop}
          fallback={DEFAULT_PARAMS.stop ?? 4}
          onChange={(stop) => props.location.update({ stop })}
        />
        <NumberField
          label="Notional"
          value={params().notional}
          min={1}
          step={1000}
          testId="backtest-notional"
          onChange={(notional) => props.location.update({ notional })}
        />
        <NumberField
          label="Fee (bps/leg)"
          value={params().feeBps}
          min={0}
          testId="backtest-fee"
          onChange={(feeBps) => props.location.update({ feeBps })}
        />
        <Segmented
          label="Walk-forward"
          options={WALK_FORWARDS}
          value={params().walkForward}
          name={(w) => WALK_FORWARD_NAMES[w]}
          onChange={(walkForward) => props.location.update({ walkForward })}
        />
        <RangeField
          from={params().from}
          to={params().to}
          onChange={(range) => props.location.update(range)}
        />
      </div>

      <Show
        when={input()}
        fallback={
          <Show when={props.instruments.loaded()}>
            <EmptyState title="A backtest needs two instruments with data on one venue">
              {symbols().length === 0
                ? "No instruments with data yet: start a feed or import recorded trades."
                : `Only ${
                  symbols().join(", ")
                } has data on ${venue()}: import or stream a second symbol.`}
            </EmptyState>
          </Show>
        }
      >
        <ErrorList messages={backtest.errors()} />
        <Show when={backtest.loading()}>
          <small data-testid="backtest-running">Running the backtest…</small>
        </Show>
        <div class="pair-grid">
          <div class="pair-charts" data-testid="backtest-charts">
            <div class="chart-card">
              <p class="chart-title">Equity (notional + net PnL after fees)</p>
              <ApexChart
                label="backtest-equity"
                height={220}
                theme={props.theme}
                series={equitySeries()}
                options={timeLineOptions({
                  id: "backtest-equity",
                  group: "backtest",
                  colors: [PALETTE.base],
                  decimals: 2,
                })}
              />
            </div>
            <div class="chart-card">
              <p class="chart-title">Drawdown from the running peak</p>
              <ApexChart
                label="backtest-drawdown"
                height={150}
                theme={props.theme}
                series={drawdownSeries()}
                options={timeLineOptions({
                  id: "backtest-drawdown",
                  group: "backtest",
                  colors: [PALETTE.down],
                  decimals: 4,
                })}
              />
            </div>
            <div class="chart-card">
              <p class="chart-title">
                Spread ({METHOD_NAMES[params().method]}, as the Pair view fits it) with the
                backtest's entries ▲ and exits ●
              </p>
              <ApexChart
                label="backtest-spread"
                height={200}
                theme={props.theme}
                series={spreadSeries()}
                annotations={spreadAnnotations()}
                options={timeLineOptions({
                  id: "backtest-spread",
                  group: "backtest",
                  colors: [PALETTE.spread],
                  decimals: 5,
                })}
              />
            </div>
            <div class="chart-card">
              <p class="chart-title">
                z-score over {params().zWindow}{" "}
                bars with entry, exit and stop lines; entries ▲ (green long, red short spread) and
                exits ● of the backtest
              </p>
              <ApexChart
                label="backtest-zscore"
                height={200}
                theme={props.theme}
                series={zSeries()}
                annotations={zAnnotations()}
                options={timeLineOptions({
                  id: "backtest-zscore",
                  group: "backtest",
                  colors: [PALETTE.zscore],
                  decimals: 2,
                })}
              />
            </div>
          </div>
          <div class="pair-side">
            <Show
              when={backtest.result()}
              fallback={
                <div class="panel">
                  <small>{backtest.loading() ? "Running…" : "No result."}</small>
                </div>
              }
            >
              {(result) => <MetricsPanel metrics={result()} notional={params().notional} />}
            </Show>
          </div>
        </div>
        <div class="panel sweep">
          <h2>Entry × exit sweep (net PnL)</h2>
          <p>
            <button
              type="button"
              data-testid="sweep-run"
              disabled={sweep.running()}
              onClick={() => sweep.run(SWEEP_ENTRIES, SWEEP_EXITS)}
            >
              {sweep.running() ? "Sweeping…" : "Sweep entries × exits"}
            </button>{" "}
            <small>
              every entry {SWEEP_ENTRIES.join(", ")} with every exit{" "}
              {SWEEP_EXITS.join(", ")}; hover a cell for its metrics, click it to load that backtest
            </small>
          </p>
          <ErrorList messages={sweep.errors()} />
          <Show when={grid()}>
            {(shown) => (
              <SweepHeatMap
                grid={shown()}
                entry={params().entry}
                exit={params().exit}
                onSelect={(entry, exit) => props.location.update({ entry, exit })}
              />
            )}
          </Show>
        </div>
        <TradeTable trades={trades()} />
      </Show>
    </div>
  );
}

function valueMap(series: readonly XY[]): Map<number, number | null> {
  return new Map(series);
}

/**
 * Entries as triangles (green long spread, red short spread), exits as grey circles labelled with
 * what closed them; markers without a charted value at their bar are left out.
 */
function markerAnnotations(markers: readonly TradeMarker[]) {
  return markers.filter((marker) => marker.value !== null).map((marker) => {
    const color = marker.kind === "exit"
      ? PALETTE.band
      : marker.side === "LONG"
      ? PALETTE.up
      : PALETTE.down;
    return {
      x: marker.time,
      y: marker.value,
      marker: {
        size: 5,
        shape: marker.kind === "entry" ? "triangle" : "circle",
        fillColor: color,
        strokeColor: color,
      },
      label: marker.kind === "exit" && marker.reason === "STOP"
        ? {
          text: "stop",
          borderColor: PALETTE.down,
          style: { background: PALETTE.down, color: "#fff" },
        }
        : undefined,
    };
  });
}

function thresholdLine(y: number, color: string, text: string) {
  return {
    y,
    borderColor: color,
    strokeDashArray: 4,
    label: text
      ? { text, borderColor: color, style: { background: color, color: "#fff" } }
      : undefined,
  };
}
