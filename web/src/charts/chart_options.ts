/** Options shared by the dashboard's time charts: a UTC datetime x axis and readable numbers. */
import type { ApexOptions } from "./apex.ts";

export const PALETTE = {
  up: "#16a34a",
  down: "#dc2626",
  volume: "#64748b",
  base: "#3b82f6",
  quote: "#f59e0b",
  spread: "#8b5cf6",
  band: "#94a3b8",
  zscore: "#06b6d4",
  correlation: "#10b981",
  hedge: "#ec4899",
};

/** A line chart over time, synced (zoom, pan, hover) with the other charts of `group`. */
export function timeLineOptions(options: {
  id: string;
  group?: string;
  colors: string[];
  yTitle?: string;
  decimals?: number;
  yRange?: { min: number; max: number };
  dashArray?: number[];
}): ApexOptions {
  const decimals = options.decimals ?? 4;
  return {
    chart: { id: options.id, group: options.group, type: "line" },
    colors: options.colors,
    stroke: { width: 1.5, curve: "straight", dashArray: options.dashArray ?? 0 },
    markers: { size: 0 },
    dataLabels: { enabled: false },
    legend: { show: true, position: "top", horizontalAlign: "left" },
    xaxis: { type: "datetime", labels: { datetimeUTC: true } },
    yaxis: {
      title: options.yTitle ? { text: options.yTitle } : undefined,
      labels: { minWidth: 60, formatter: (value: number) => formatAxis(value, decimals) },
      ...options.yRange,
    },
    tooltip: { shared: true, intersect: false, x: { format: "yyyy-MM-dd HH:mm:ss" } },
    grid: { borderColor: "rgba(128,128,128,0.2)" },
  };
}

function formatAxis(value: number, decimals: number): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? ""
    : value.toFixed(decimals);
}

/** A dashed horizontal line at `y` (entry, exit, stop levels), labelled with `text` unless empty. */
export function thresholdLine(y: number, color: string, text: string) {
  return {
    y,
    borderColor: color,
    strokeDashArray: 4,
    label: text
      ? { text, borderColor: color, style: { background: color, color: "#fff" } }
      : undefined,
  };
}
