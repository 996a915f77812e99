/**
 * Backtest: a mean-reversion strategy on the pair's spread z-score with the parameters in the URL;
 * its results, the equity curve with its drawdown, the spread and the z-score with every entry and
 * exit marked on each, and the list of trades. The spread and z-score are the pair's as the Pair
 * view fits them; with walk-forward the backtest trades on its own refitted z, so a marker can sit
 * off a line.
 */
import { createMemo, Show } from "solid-js";
import { PALETTE, thresholdLine } from "../charts/chart_options.ts";
import { TimeChartCard } from "../charts/time_chart_card.tsx";
import { METHOD_NAMES } from "../pair/method_table.tsx";
import { createPairChoice } from "../pair/pair_choice.ts";
import { NoPairState, PairParametersForm } from "../pair/pair_parameters_form.tsx";
import { fieldSeries, type XY } from "../pair/pair_series.ts";
import { DEFAULT_PARAMS, WALK_FORWARDS } from "../state/dashboard_params.ts";
import { NumberField, Segmented } from "../ui/controls.tsx";
import { ErrorList } from "../ui/messages.tsx";
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
  const choice = createPairChoice(props.location, props.instruments);

  const input = createMemo<BacktestInput | null>(
    () => {
      const pair = choice.input();
      if (!pair) return null;
      const p = params();
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

  return (
    <div class="backtest-view" data-view="backtest">
      <PairParametersForm location={props.location} choice={choice} testIdPrefix="backtest">
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
      </PairParametersForm>

      <Show
        when={input()}
        fallback={
          <Show when={props.instruments.loaded()}>
            <NoPairState
              title="A backtest needs two instruments with data on one venue"
              choice={choice}
            />
          </Show>
        }
      >
        <ErrorList messages={backtest.errors()} />
        <Show when={backtest.loading()}>
          <small data-testid="backtest-running">Running the backtest…</small>
        </Show>
        <div class="pair-grid">
          <div class="pair-charts" data-testid="backtest-charts">
            <TimeChartCard
              title="Equity (notional + net PnL after fees)"
              label="backtest-equity"
              group="backtest"
              height={220}
              theme={props.theme}
              series={equitySeries()}
              colors={[PALETTE.base]}
              decimals={2}
            />
            <TimeChartCard
              title="Drawdown from the running peak"
              label="backtest-drawdown"
              group="backtest"
              height={150}
              theme={props.theme}
              series={drawdownSeries()}
              colors={[PALETTE.down]}
              decimals={4}
            />
            <TimeChartCard
              title={
                <>
                  Spread ({METHOD_NAMES[params().method]}, as the Pair view fits it) with the
                  backtest's entries ▲ and exits ●
                </>
              }
              label="backtest-spread"
              group="backtest"
              height={200}
              theme={props.theme}
              series={spreadSeries()}
              annotations={spreadAnnotations()}
              colors={[PALETTE.spread]}
              decimals={5}
            />
            <TimeChartCard
              title={
                <>
                  z-score over {params().zWindow}{" "}
                  bars with entry, exit and stop lines; entries ▲ (green long, red short spread) and
                  exits ● of the backtest
                </>
              }
              label="backtest-zscore"
              group="backtest"
              height={200}
              theme={props.theme}
              series={zSeries()}
              annotations={zAnnotations()}
              colors={[PALETTE.zscore]}
              decimals={2}
            />
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
