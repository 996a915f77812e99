/**
 * Pair: both prices rebased, the spread with its rolling mean and ±entry bands, the z-score with
 * entry and exit lines, rolling correlation and the hedge ratio over time, all zoomed and hovered
 * together; the hedge methods side by side; and the analysis in plain words. Live via pairStream.
 */
import { createEffect, createMemo, For, Show } from "solid-js";
import { ApexChart } from "../charts/apex_chart.tsx";
import { PALETTE, timeLineOptions } from "../charts/chart_options.ts";
import { HEDGE_METHODS, PRICE_TRANSFORMS, TIMEFRAMES } from "../state/dashboard_params.ts";
import { NumberField, RangeField, Segmented, SelectField } from "../ui/controls.tsx";
import { formatNumber } from "../ui/format.ts";
import { EmptyState, ErrorList } from "../ui/messages.tsx";
import type { ViewProps } from "../views.ts";
import { METHOD_NAMES, MethodTable } from "./method_table.tsx";
import { createPairData, type PairInput } from "./pair_data.ts";
import { readPair } from "./pair_reading.ts";
import { fieldSeries, rebasedPrices, spreadBands } from "./pair_series.ts";

export default function PairView(props: ViewProps) {
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

  // Write the default legs into the URL so the link names the pair shown.
  createEffect(() => {
    const { base, quote } = legs();
    if (base && quote && (!params().base || !params().quote)) {
      props.location.update({ base, quote, venue: venue() });
    }
  });

  const input = createMemo<PairInput | null>(
    () => {
      const { base, quote } = legs();
      if (!base || !quote) return null;
      const p = params();
      return {
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
    },
    null,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );

  const request = createMemo(
    () => {
      const chosen = input();
      // A new connection after a drop reloads the points the stream may have missed.
      return chosen && { input: chosen, connection: props.connections() };
    },
    null,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );
  const pair = createPairData(props.client, request);
  const points = () => pair.points();
  const latest = () => {
    const held = points();
    for (let i = held.length - 1; i >= 0; i--) if (held[i].zscore !== null) return held[i];
    return held.at(-1) ?? null;
  };
  const reading = createMemo(() => {
    const summary = pair.summary();
    if (!summary) return null;
    return readPair(summary, {
      base: legs().base,
      quote: legs().quote,
      currentZ: latest()?.zscore ?? null,
      currentHedgeRatio: latest()?.hedgeRatio,
      entry: params().entry,
      exit: params().exit,
    });
  });

  const priceSeries = createMemo(() => {
    const rebased = rebasedPrices(points(), params().transform);
    return [
      { name: legs().base, data: rebased.base },
      { name: legs().quote, data: rebased.quote },
    ];
  });
  const spreadSeries = createMemo(() => {
    const bands = spreadBands(points(), params().zWindow, params().entry);
    return [
      { name: "spread", data: fieldSeries(points(), "spread") },
      { name: "rolling mean", data: bands.mean },
      { name: `+${params().entry}σ`, data: bands.upper },
      { name: `−${params().entry}σ`, data: bands.lower },
    ];
  });
  const zSeries = createMemo(() => [{ name: "z-score", data: fieldSeries(points(), "zscore") }]);
  const zLines = createMemo(() => ({
    yaxis: [
      thresholdLine(params().entry, PALETTE.quote, `entry +${params().entry}`),
      thresholdLine(-params().entry, PALETTE.quote, `entry −${params().entry}`),
      thresholdLine(params().exit, PALETTE.band, `exit +${params().exit}`),
      thresholdLine(-params().exit, PALETTE.band, `exit −${params().exit}`),
    ],
  }));
  const correlationSeries = createMemo(() => [
    { name: "correlation", data: fieldSeries(points(), "correlation") },
  ]);
  const hedgeSeries = createMemo(() => [
    { name: "hedge ratio β", data: fieldSeries(points(), "hedgeRatio") },
  ]);
  const symbolOptions = () => symbols().map((s) => ({ value: s, label: s }));

  return (
    <div class="pair-view" data-view="pair">
      <div class="controls">
        <SelectField
          label="Base (Y)"
          value={legs().base}
          options={symbolOptions()}
          testId="pair-base"
          onChange={(base) => props.location.update({ base, venue: venue() })}
        />
        <SelectField
          label="Quote (X)"
          value={legs().quote}
          options={symbolOptions()}
          testId="pair-quote"
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
          testId="pair-method"
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
          testId="z-window"
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
          onChange={(entry) => props.location.update({ entry })}
        />
        <NumberField
          label="Exit |z|"
          value={params().exit}
          min={0}
          onChange={(exit) => props.location.update({ exit })}
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
            <EmptyState title="A pair needs two instruments with data on one venue">
              {symbols().length === 0
                ? "No instruments with data yet: start a feed or import recorded trades."
                : `Only ${
                  symbols().join(", ")
                } has data on ${venue()}: import or stream a second symbol.`}
            </EmptyState>
          </Show>
        }
      >
        <ErrorList messages={pair.errors()} />
        <div class="pair-grid">
          <div class="pair-charts" data-testid="pair-charts">
            <small data-testid="pair-point-count">
              {points().length.toLocaleString("en-US")} points
              {pair.totalPoints() > points().length
                ? ` (the newest of ${pair.totalPoints().toLocaleString("en-US")})`
                : ""}
              {pair.live() ? " · following live" : ""}
            </small>
            <div class="chart-card">
              <p class="chart-title">Prices rebased to 100</p>
              <ApexChart
                label="pair-prices"
                height={220}
                theme={props.theme}
                series={priceSeries()}
                options={timeLineOptions({
                  id: "pair-prices",
                  group: "pair",
                  colors: [PALETTE.base, PALETTE.quote],
                  decimals: 2,
                })}
              />
            </div>
            <div class="chart-card">
              <p class="chart-title">
                Spread ({METHOD_NAMES[params().method]}) with rolling mean and ±{params().entry}σ
                bands over {params().zWindow} bars
              </p>
              <ApexChart
                label="pair-spread"
                height={220}
                theme={props.theme}
                series={spreadSeries()}
                options={timeLineOptions({
                  id: "pair-spread",
                  group: "pair",
                  colors: [PALETTE.spread, PALETTE.band, PALETTE.quote, PALETTE.quote],
                  dashArray: [0, 4, 3, 3],
                  decimals: 5,
                })}
              />
            </div>
            <div class="chart-card">
              <p class="chart-title">
                z-score with entry ±{params().entry} and exit ±{params().exit}
              </p>
              <ApexChart
                label="pair-zscore"
                height={200}
                theme={props.theme}
                series={zSeries()}
                annotations={zLines()}
                options={timeLineOptions({
                  id: "pair-zscore",
                  group: "pair",
                  colors: [PALETTE.zscore],
                  decimals: 2,
                })}
              />
            </div>
            <div class="chart-card">
              <p class="chart-title">
                Rolling correlation of returns over {params().corrWindow} bars
              </p>
              <ApexChart
                label="pair-correlation"
                height={170}
                theme={props.theme}
                series={correlationSeries()}
                options={timeLineOptions({
                  id: "pair-correlation",
                  group: "pair",
                  colors: [PALETTE.correlation],
                  decimals: 2,
                  yRange: { min: -1, max: 1 },
                })}
              />
            </div>
            <div class="chart-card">
              <p class="chart-title">Hedge ratio β over time</p>
              <ApexChart
                label="pair-hedge"
                height={170}
                theme={props.theme}
                series={hedgeSeries()}
                options={timeLineOptions({
                  id: "pair-hedge",
                  group: "pair",
                  colors: [PALETTE.hedge],
                  decimals: 4,
                })}
              />
            </div>
          </div>

          <div class="pair-side">
            <div class="panel reading" data-testid="pair-reading">
              <h2>
                {legs().base} / {legs().quote}
                {pair.live() ? " · live" : ""}
              </h2>
              <Show
                when={reading()}
                fallback={<small>{pair.loading() ? "Computing…" : "No analysis."}</small>}
              >
                {(words) => (
                  <>
                    <p>{words().cointegration}</p>
                    <p>{words().stationarity}</p>
                    <p>{words().halfLife}</p>
                    <p class={`signal ${words().signalKind}`} data-testid="pair-signal">
                      {words().signal}
                    </p>
                    <Show when={pair.summary()}>
                      {(summary) => (
                        <small>
                          {METHOD_NAMES[summary().method]}: β ={" "}
                          {formatNumber(summary().hedgeRatio, 4)}, α ={" "}
                          {formatNumber(summary().intercept, 4)}, R² ={" "}
                          {formatNumber(summary().rSquared, 3)}, n = {summary().n}
                        </small>
                      )}
                    </Show>
                  </>
                )}
              </Show>
            </div>
            <MethodTable
              methods={pair.methods()}
              errors={pair.methodErrors()}
              selected={params().method}
              onSelect={(method) => props.location.update({ method })}
            />
            <div class="panel">
              <h2>Critical values</h2>
              <Show when={pair.summary()} fallback={<small>–</small>}>
                {(summary) => (
                  <table>
                    <thead>
                      <tr>
                        <th>Test</th>
                        <th>stat</th>
                        <th>1%</th>
                        <th>5%</th>
                        <th>10%</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For
                        each={[
                          { name: "ADF", test: summary().adf },
                          { name: "Engle-Granger", test: summary().cointegration },
                        ]}
                      >
                        {(row) => (
                          <tr>
                            <td>{row.name}</td>
                            <td>{formatNumber(row.test.statistic, 3)}</td>
                            <td>{formatNumber(row.test.criticalValues.p1, 3)}</td>
                            <td>{formatNumber(row.test.criticalValues.p5, 3)}</td>
                            <td>{formatNumber(row.test.criticalValues.p10, 3)}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                )}
              </Show>
            </div>
          </div>
        </div>
      </Show>
    </div>
  );
}

function thresholdLine(y: number, color: string, text: string) {
  return {
    y,
    borderColor: color,
    strokeDashArray: 4,
    label: { text, borderColor: color, style: { background: color, color: "#fff" } },
  };
}
