/**
 * One ApexCharts chart, created once when mounted and destroyed on cleanup. Series and annotations
 * are fed to it by effects (`updateSeries`, `updateOptions`), redrawn on an animation frame at a
 * bounded rate however often the data changes (`redraw_queue.ts`): re-creating a chart per update
 * leaks, and redrawing per trade wastes the page. Zoom, pan and hover are on for every chart.
 *
 * ApexCharts (about 750 kB) is loaded when the first chart mounts, not imported with the view:
 * the view's queries are then on their way while the browser evaluates it.
 */
import { createEffect, on, onCleanup, onMount, untrack } from "solid-js";
import type ApexCharts from "./apex.ts";
import type { ApexOptions } from "./apex.ts";
import type { ThemeName } from "../state/theme.ts";
import { createRedrawQueue } from "./redraw_queue.ts";

export type ChartSeries = NonNullable<ApexOptions["series"]>;

export interface ApexChartProps {
  /** Options at creation (type, axes, colours); read once. */
  options: ApexOptions;
  series: ChartSeries;
  annotations?: ApexOptions["annotations"];
  theme: ThemeName;
  height: number;
  /** Names the chart for people (aria-label) and tests (data-chart). */
  label: string;
  /** Fewest ms from the start of one redraw to the start of the next. Default 250. */
  minRedrawMs?: number;
  /**
   * Largest share of the time spent in this chart's redraws (ApexCharts' script; the browser's
   * layout and paint come on top), in (0, 1]. Default 1.
   */
  maxDrawShare?: number;
  /** Called with the series each time a series update has been drawn. */
  onDrawn?: (series: ChartSeries) => void;
}

export function ApexChart(props: ApexChartProps) {
  let element!: HTMLDivElement;

  const showRange = (chart: ApexCharts) => {
    // `w` is ApexCharts' chart state, public in its callbacks but untyped.
    const { globals } = (chart as unknown as { w: { globals: { minX: number; maxX: number } } }).w;
    element.dataset.shownFrom = String(globals.minX);
    element.dataset.shownTo = String(globals.maxX);
  };

  onMount(() => {
    let disposed = false;
    let chart: ApexCharts | undefined;
    /** The series the chart shows: made with, or last fed. */
    let drawnSeries: ChartSeries | undefined;
    const create = (ApexCharts: typeof import("./apex.ts").default) => {
      // The newest data, which may have come while ApexCharts loaded.
      const series = untrack(() => props.series);
      drawnSeries = series;
      chart = new ApexCharts(element, {
        ...untrack(() => props.options),
        chart: {
          ...untrack(() => props.options.chart),
          height: untrack(() => props.height),
          background: "transparent",
          animations: { enabled: false },
          // The time range on screen, kept on the element as `data-shown-from`/`-to` (ms since
          // the epoch) after every draw, zoom and pan: what the x axis spans, for tests to read.
          events: { mounted: showRange, updated: showRange },
          zoom: { enabled: true, ...untrack(() => props.options.chart?.zoom) },
          toolbar: {
            show: true,
            tools: {
              download: false,
              selection: false,
              zoom: true,
              zoomin: true,
              zoomout: true,
              pan: true,
              reset: true,
            },
          },
        },
        series,
        annotations: untrack(() => props.annotations) ?? {},
        theme: { mode: untrack(() => props.theme) },
        tooltip: { enabled: true, ...untrack(() => props.options.tooltip) },
      });
      return chart.render().then(() => props.onDrawn?.(series));
    };
    let ready: Promise<unknown> = import("./apex.ts")
      .then(({ default: ApexCharts }) => disposed ? undefined : create(ApexCharts))
      .catch(reportChartError);
    /** Chart calls run one after another, after the first render, and never after destroy. */
    const enqueue = (call: (chart: ApexCharts) => Promise<unknown>) => {
      ready = ready.then(() => disposed || !chart ? undefined : call(chart))
        .catch(reportChartError);
      return ready;
    };
    const redraw = createRedrawQueue((callback) => requestAnimationFrame(callback), {
      minIntervalMs: untrack(() => props.minRedrawMs) ?? 250,
      maxDrawShare: untrack(() => props.maxDrawShare),
    });

    // Until the chart is made there is nothing to redraw: it is made with the newest props.
    createEffect(on(() => props.series, (series) => {
      if (!chart) return;
      redraw.schedule("series", () =>
        enqueue(async (chart) => {
          // The chart was made with these while the redraw waited for its first render.
          if (series === drawnSeries) return;
          keepUserRange(chart);
          forgetEarlierGoals(chart);
          await chart.updateSeries(series, false);
          drawnSeries = series;
          props.onDrawn?.(series);
        }));
    }, { defer: true }));

    // updateOptions copies its options to every chart of the same group unless its fourth
    // argument (updateSyncedCharts) is false: one chart's markers and lines must stay its own.
    createEffect(on(() => props.annotations, (annotations) => {
      if (!chart) return;
      redraw.schedule(
        "annotations",
        () =>
          enqueue((chart) =>
            chart.updateOptions({ annotations: annotations ?? {} }, false, false, false)
          ),
      );
    }, { defer: true }));

    createEffect(on(() => props.theme, (mode) => {
      if (!chart) return;
      enqueue((chart) => chart.updateOptions({ theme: { mode } }, false, false, false));
    }, { defer: true }));

    onCleanup(() => {
      disposed = true;
      redraw.cancel();
      ready.then(() => chart?.destroy()).catch(reportChartError);
    });
  });

  return <div ref={element} class="chart" data-chart={props.label} aria-label={props.label} />;
}

/**
 * `updateSeries` puts the x axis back to the range it last had from code (ApexCharts 7.9 restores
 * `w.globals.lastXAxis`), which throws away a zoom or pan: a trader zoomed into a region must stay
 * there while data streams in. So the range on screen is made that range first; the toolbar's
 * reset still returns to the whole series (it restores the initial range itself).
 */
function keepUserRange(chart: ApexCharts) {
  // `w` is ApexCharts' chart state, public in its callbacks but untyped.
  const { w } = chart as unknown as {
    w: {
      config: { xaxis: { min?: unknown; max?: unknown } };
      globals: { lastXAxis: { min?: unknown; max?: unknown } };
    };
  };
  const { min, max } = w.config.xaxis;
  if (typeof min === "number" && typeof max === "number") {
    w.globals.lastXAxis.min = min;
    w.globals.lastXAxis.max = max;
  }
}

/**
 * ApexCharts 7.9 appends each parse's per-point goals to those of every earlier parse
 * (`Data.seriesGoals` is emptied only when the chart is made; 8.x empties it per parse): a chart
 * fed for hours keeps one entry per point per update, about 5 MB in four minutes of the live
 * candle chart. Goals are read by point index, so emptying them before an update loses nothing.
 */
function forgetEarlierGoals(chart: ApexCharts) {
  // `data` is ApexCharts' series parser, internal and untyped.
  const { data } = chart as unknown as { data?: { seriesGoals: unknown[] } };
  if (data) data.seriesGoals = [];
}

function reportChartError(error: unknown) {
  console.error("Chart update failed:", error);
}
