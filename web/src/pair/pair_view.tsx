/**
 * Pair: both prices rebased, the spread with its rolling mean and ±entry bands, the z-score with
 * entry and exit lines, rolling correlation and the hedge ratio over time, all zoomed and hovered
 * together; the hedge methods side by side; and the analysis in plain words. Live via pairStream.
 */
import { createMemo, For, Show } from "solid-js";
import { PALETTE, thresholdLine } from "../charts/chart_options.ts";
import { TimeChartCard } from "../charts/time_chart_card.tsx";
import { formatNumber } from "../ui/format.ts";
import { ErrorList } from "../ui/messages.tsx";
import type { ViewProps } from "../views.ts";
import { METHOD_NAMES, MethodTable } from "./method_table.tsx";
import { createPairChoice } from "./pair_choice.ts";
import { createPairData } from "./pair_data.ts";
import { NoPairState, PairParametersForm } from "./pair_parameters_form.tsx";
import { readPair } from "./pair_reading.ts";
import { fieldSeries, rebasedPrices, spreadBands } from "./pair_series.ts";

export default function PairView(props: ViewProps) {
  const params = () => props.location.params();
  const choice = createPairChoice(props.location, props.instruments);
  const legs = () => choice.legs();

  const request = createMemo(
    () => {
      const chosen = choice.input();
      // A new connection after a drop reloads the points the stream may have missed.
      return chosen && { input: chosen, connection: props.reconnections() };
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

  return (
    <div class="pair-view" data-view="pair">
      <PairParametersForm location={props.location} choice={choice} testIdPrefix="pair" />

      <Show
        when={choice.input()}
        fallback={
          <Show when={props.instruments.loaded()}>
            <NoPairState
              title="A pair needs two instruments with data on one venue"
              choice={choice}
            />
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
            <TimeChartCard
              title="Prices rebased to 100"
              label="pair-prices"
              group="pair"
              height={220}
              theme={props.theme}
              series={priceSeries()}
              colors={[PALETTE.base, PALETTE.quote]}
              decimals={2}
            />
            <TimeChartCard
              title={
                <>
                  Spread ({METHOD_NAMES[params().method]}) with rolling mean and ±{params().entry}σ
                  bands over {params().zWindow} bars
                </>
              }
              label="pair-spread"
              group="pair"
              height={220}
              theme={props.theme}
              series={spreadSeries()}
              colors={[PALETTE.spread, PALETTE.band, PALETTE.quote, PALETTE.quote]}
              dashArray={[0, 4, 3, 3]}
              decimals={5}
            />
            <TimeChartCard
              title={<>z-score with entry ±{params().entry} and exit ±{params().exit}</>}
              label="pair-zscore"
              group="pair"
              height={200}
              theme={props.theme}
              series={zSeries()}
              annotations={zLines()}
              colors={[PALETTE.zscore]}
              decimals={2}
            />
            <TimeChartCard
              title={<>Rolling correlation of returns over {params().corrWindow} bars</>}
              label="pair-correlation"
              group="pair"
              height={170}
              theme={props.theme}
              series={correlationSeries()}
              colors={[PALETTE.correlation]}
              decimals={2}
              yRange={{ min: -1, max: 1 }}
            />
            <TimeChartCard
              title="Hedge ratio β over time"
              label="pair-hedge"
              group="pair"
              height={170}
              theme={props.theme}
              series={hedgeSeries()}
              colors={[PALETTE.hedge]}
              decimals={4}
            />
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
