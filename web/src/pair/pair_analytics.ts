/** What the API answers for a pair (`pairAnalytics`, `pairScan`), as the dashboard reads it. */
import type { HedgeMethod } from "../state/dashboard_params.ts";

export interface CriticalValues {
  p1: number;
  p5: number;
  p10: number;
}

export interface PairSummary {
  n: number;
  method: HedgeMethod;
  hedgeRatio: number;
  intercept: number;
  rSquared: number | null;
  adf: {
    statistic: number;
    pValue: number;
    usedLag: number;
    nobs: number;
    criticalValues: CriticalValues;
  };
  cointegration: { statistic: number; pValue: number; criticalValues: CriticalValues };
  halfLifeBars: number | null;
  halfLifeSeconds: number | null;
}

export interface PairPointResult {
  time: string;
  y: number;
  x: number;
  hedgeRatio: number | null;
  spread: number | null;
  zscore: number | null;
  correlation: number | null;
}

export interface PairScanRow {
  base: string;
  quote: string;
  n: number;
  hedgeRatio: number | null;
  halfLifeBars: number | null;
  halfLifeSeconds: number | null;
  correlation: number | null;
  cointegration: { statistic: number; pValue: number } | null;
  error: string | null;
}
