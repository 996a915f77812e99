/**
 * ApexCharts with only what the dashboard draws: line, candlestick and bar charts, the zoom/pan
 * toolbar and annotations (threshold lines). Importing the full build would add every chart type.
 */
import ApexCharts from "apexcharts/core";
import "apexcharts/line";
import "apexcharts/candlestick";
import "apexcharts/bar";
import "apexcharts/features/toolbar";
import "apexcharts/features/annotations";

export default ApexCharts;
export type { ApexOptions } from "apexcharts";
