/**
 * Market: candlesticks and volume of one instrument with the forming bar moving live, the last
 * price, stats of the loaded range and the trade rate, beside the instrument picker.
 */
import { createEffect, createMemo, Show } from "solid-js";
import { ApexChart, type ChartSeries } from "../charts/apex_chart.tsx";
import { PALETTE } from "../charts/chart_options.ts";
import { TIMEFRAMES } from "../state/dashboard_params.ts";
import { RangeField, Segmented } from "../ui/controls.tsx";
import { formatNumber, formatPercent, formatPrice, formatTime } from "../ui/format.ts";
import { EmptyState, ErrorList } from "../ui/messages.tsx";
import type { ViewProps } from "../views.ts";
import { type ChartBar, rangeStats } from "./bar_series.ts";
import { pageCandleDrawLog } from "./candle_draws.ts";
import { InstrumentPicker } from "./instrument_picker.tsx";
import { type BarSelection, createMarketBars, createTradeStream } from "./market_data.ts";

/** What ApexCharts hands a custom tooltip: the point's index in the series as drawn. */
interface HoveredPoint {
  dataPointIndex: number;
  /** The chart's state; its `config.series` is the series as drawn. */
  w: unknown;
}

/** Bars the charts hold: a bounded window keeps a tab's memory flat while bars stream in. */
const MARKET_WINDOW = 300;
/**
 * A trade shows on the candles in the next frame the chart is free to draw. Each redraw repaints
 * every candle of the window (about 10 ms of ApexCharts' script in headless Chromium on two busy
 * cores, and about as much again for the browser to lay out and paint), so the script may take at
 * most a third of the time: at 50 trades a second, a redraw every second or third frame, and
 * roughly half a core for the tab. The volume below is redrawn once a second.
 */
const CANDLE_DRAW_SHARE = 1 / 3;
const VOLUME_REDRAW_MS = 1000;

export default function MarketView(props: ViewProps) {
  const params = () => props.location.params();
  const feedHealth = () => {
    const poll = props.health();
    return poll.kind === "report" ? poll.report.feed?.instruments ?? [] : [];
  };

  /** The chosen instrument, or the first with data (live ones first) when the URL names none. */
  const instrument = createMemo(
    () => {
      const list = props.instruments.list();
      const { symbol, venue } = params();
      if (symbol) {
        const match = list.find((i) => i.symbol === symbol && (!venue || i.venue === venue));
        return match ?? { symbol, venue };
      }
      const live = list.find((i) =>
        feedHealth().some((f) => f.venue === i.venue && f.symbol === i.symbol)
      );
      const first = live ?? list[0];
      return first ? { symbol: first.symbol, venue: first.venue } : null;
    },
    null,
    { equals: (a, b) => a?.symbol === b?.symbol && a?.venue === b?.venue },
  );

  // Write the default choice into the URL so the link names what is shown.
  createEffect(() => {
    const chosen = instrument();
    if (chosen && !params().symbol) {
      props.location.update({ symbol: chosen.symbol, venue: chosen.venue });
    }
  });

  const selection = createMemo<BarSelection | null>(
    () => {
      const chosen = instrument();
      if (!chosen) return null;
      const { timeframe, from, to } = params();
      // A new connection after a drop reloads the history the stream may have missed.
      const connection = props.reconnections();
      return { symbol: chosen.symbol, venue: chosen.venue, timeframe, from, to, connection };
    },
    null,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );

  const market = createMarketBars(props.client, selection, { window: MARKET_WINDOW });
  const trades = createTradeStream(props.client, instrument);
  const stats = createMemo(() => rangeStats(market.bars()));
  const lastPrice = () => trades.lastPrice() ?? market.bars().at(-1)?.close ?? null;

  /** The bar under the pointer, found by the time of the point drawn there. */
  const hoveredBar = ({ dataPointIndex, w }: HoveredPoint) => {
    const drawn = (w as { config: { series: { data: { x: number }[] }[] } }).config.series;
    const time = drawn[0]?.data[dataPointIndex]?.x;
    return market.bars().find((bar) => bar.time === time);
  };

  const candleSeries = createMemo(() => [{
    name: instrument()?.symbol ?? "price",
    data: market.bars().map((bar) => ({
      x: bar.time,
      y: [bar.open, bar.high, bar.low, bar.close],
    })),
  }]);
  const volumeSeries = createMemo(() => [{
    name: "volume",
    data: market.bars().map((bar) => ({ x: bar.time, y: [0, bar.volume, 0, bar.volume] })),
  }]);

  return (
    <div class="market-view" data-view="market">
      <aside class="sidebar">
        <h2>Instruments</h2>
        <Show
          when={props.instruments.list().length > 0}
          fallback={
            <Show when={props.instruments.loaded()}>
              <EmptyState title="No instruments with data yet">
                Start a feed (FEED=binance-futures or FEED=sim) or import a recorded file with
                <code>deno task import FILE</code>; instruments appear here once trades are stored.
              </EmptyState>
            </Show>
          }
        >
          <InstrumentPicker
            instruments={props.instruments.list()}
            feed={feedHealth()}
            selected={instrument()}
            onSelect={(chosen) =>
              props.location.update({ symbol: chosen.symbol, venue: chosen.venue })}
          />
        </Show>
        <ErrorList messages={props.instruments.errors()} />
      </aside>

      <section class="main-panel">
        <div class="controls">
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
        </div>

        <Show when={instrument()}>
          {(chosen) => (
            <div class="stats" data-testid="market-stats">
              <div class="stat headline">
                <span class="stat-label">{chosen().symbol} · {chosen().venue}</span>
                <span class="stat-value" data-testid="last-price">{formatPrice(lastPrice())}</span>
                <span class="stat-note">
                  {market.live() ? "last price, live" : "close of the range"}
                </span>
              </div>
              <div class="stat">
                <span class="stat-label">High</span>
                <span class="stat-value">{formatPrice(stats()?.high)}</span>
              </div>
              <div class="stat">
                <span class="stat-label">Low</span>
                <span class="stat-value">{formatPrice(stats()?.low)}</span>
              </div>
              <div class="stat">
                <span class="stat-label">Change</span>
                <span
                  class="stat-value"
                  classList={{ up: (stats()?.change ?? 0) > 0, down: (stats()?.change ?? 0) < 0 }}
                >
                  {formatPercent(stats()?.changeFraction)}
                </span>
                <span class="stat-note">{formatPrice(stats()?.change)}</span>
              </div>
              <div class="stat">
                <span class="stat-label">Volume</span>
                <span class="stat-value">{formatNumber(stats()?.volume, 3)}</span>
                <span class="stat-note">
                  {(stats()?.trades ?? 0).toLocaleString("en-US")} trades, {market.bars().length}
                  {" "}
                  bars
                </span>
              </div>
              <div class="stat">
                <span class="stat-label">Trades / s</span>
                <span class="stat-value" data-testid="trade-rate">
                  {formatNumber(trades.perSecond(), 1)}
                </span>
                <span class="stat-note">last 10 s</span>
              </div>
            </div>
          )}
        </Show>

        <ErrorList messages={[...market.errors(), ...trades.errors()]} />

        <Show when={instrument()}>
          <div class="chart-card" data-testid="market-charts">
            <ApexChart
              label="candles"
              height={380}
              theme={props.theme}
              series={candleSeries()}
              minRedrawMs={0}
              maxDrawShare={CANDLE_DRAW_SHARE}
              onDrawn={recordCandleDraw}
              options={{
                chart: { id: "market-candles", group: "market", type: "candlestick" },
                plotOptions: {
                  candlestick: { colors: { upward: PALETTE.up, downward: PALETTE.down } },
                },
                xaxis: { type: "datetime", labels: { datetimeUTC: true } },
                yaxis: {
                  tooltip: { enabled: true },
                  labels: { minWidth: 70, formatter: (value: number) => formatPrice(value) },
                },
                tooltip: {
                  custom: (hovered: HoveredPoint) => candleTooltip(hoveredBar(hovered)),
                },
                grid: { borderColor: "rgba(128,128,128,0.2)" },
              }}
            />
            <ApexChart
              label="volume"
              height={150}
              theme={props.theme}
              series={volumeSeries()}
              minRedrawMs={VOLUME_REDRAW_MS}
              options={{
                // Drawn as candles from 0 to the volume so that its time axis matches the
                // candles above exactly (a bar chart pads its axis differently).
                chart: { id: "market-volume", group: "market", type: "candlestick" },
                plotOptions: {
                  candlestick: {
                    colors: { upward: PALETTE.volume, downward: PALETTE.volume },
                    wick: { useFillColor: true },
                  },
                },
                xaxis: { type: "datetime", labels: { datetimeUTC: true } },
                yaxis: {
                  min: 0,
                  labels: { minWidth: 70, formatter: (value: number) => formatNumber(value, 2) },
                },
                tooltip: {
                  custom: (hovered: HoveredPoint) => volumeTooltip(hoveredBar(hovered)),
                },
                grid: { borderColor: "rgba(128,128,128,0.2)" },
              }}
            />
            <Show when={market.hasEarlier()}>
              <p class="chart-more">
                <button
                  type="button"
                  data-testid="earlier-bars"
                  disabled={market.loadingEarlier()}
                  onClick={() => market.loadEarlier()}
                >
                  {market.loadingEarlier() ? "Loading…" : `Load ${MARKET_WINDOW} earlier bars`}
                </button>{" "}
                <small>
                  The charts hold the newest {market.bars().length.toLocaleString("en-US")}{" "}
                  bars; zoom out to see the earlier ones once loaded.
                </small>
              </p>
            </Show>
            <Show
              when={!market.loading() && market.bars().length === 0 && market.errors().length === 0}
            >
              <EmptyState title="No bars in this range">
                {params().from || params().to
                  ? "Choose another range, or press latest for the most recent bars."
                  : "No trades are stored for this instrument and timeframe yet."}
              </EmptyState>
            </Show>
          </div>
        </Show>
      </section>
    </div>
  );
}

/** The newest drawn close, for a benchmark timing trades to the chart (see candle_draws.ts). */
function recordCandleDraw(series: ChartSeries) {
  const newest = (series[0] as { data: { x: number; y: number[] }[] } | undefined)?.data.at(-1);
  if (newest) {
    const [, high, , close] = newest.y;
    pageCandleDrawLog().record(
      { time: newest.x, high, close },
      performance.timeOrigin + performance.now(),
    );
  }
}

/** The hovered candle: its time and prices, as the stats above write them. */
function candleTooltip(bar: ChartBar | undefined): string {
  if (!bar) return "";
  return `<div class="bar-tooltip">${formatTime(bar.time)}<br>open <b>${
    formatPrice(bar.open)
  }</b> high <b>${formatPrice(bar.high)}</b><br>low <b>${formatPrice(bar.low)}</b> close <b>${
    formatPrice(bar.close)
  }</b></div>`;
}

function volumeTooltip(bar: ChartBar | undefined): string {
  if (!bar) return "";
  return `<div class="bar-tooltip">${formatTime(bar.time)}<br>volume <b>${
    formatNumber(bar.volume, 4)
  }</b><br>${bar.trades.toLocaleString("en-US")} trades</div>`;
}
