/**
 * A titled card holding one line chart over time (`timeLineOptions`), zoomed, panned and hovered
 * together with the other charts of its group. The chart's id is its label.
 */
import type { JSX } from "solid-js";
import type { ThemeName } from "../state/theme.ts";
import { ApexChart, type ChartSeries } from "./apex_chart.tsx";
import type { ApexOptions } from "./apex.ts";
import { timeLineOptions } from "./chart_options.ts";

export function TimeChartCard(props: {
  title: JSX.Element;
  /** Names the chart for people and tests, and is its ApexCharts id. */
  label: string;
  group: string;
  height: number;
  theme: ThemeName;
  series: ChartSeries;
  annotations?: ApexOptions["annotations"];
  colors: string[];
  /** Digits after the point on the y axis. Default 4. */
  decimals?: number;
  yRange?: { min: number; max: number };
  dashArray?: number[];
}) {
  return (
    <div class="chart-card">
      <p class="chart-title">{props.title}</p>
      <ApexChart
        label={props.label}
        height={props.height}
        theme={props.theme}
        series={props.series}
        annotations={props.annotations}
        options={timeLineOptions({
          id: props.label,
          group: props.group,
          colors: props.colors,
          decimals: props.decimals,
          yRange: props.yRange,
          dashArray: props.dashArray,
        })}
      />
    </div>
  );
}
