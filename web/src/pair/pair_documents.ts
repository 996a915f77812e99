/** The pair and scanner operations the dashboard sends. */
import { gql } from "@urql/solid";
import type { PairPointResult, PairScanRow, PairSummary } from "./pair_analytics.ts";

const PAIR_SUMMARY_FIELDS = `
  n method hedgeRatio intercept rSquared
  adf { statistic pValue usedLag nobs criticalValues { p1 p5 p10 } }
  cointegration { statistic pValue criticalValues { p1 p5 p10 } }
  halfLifeBars halfLifeSeconds
`;

const PAIR_POINT_FIELDS = "time y x hedgeRatio spread zscore correlation";

export const PAIR_ANALYTICS = gql<{ pair: PairSummary & { points: PairPointResult[] } }>`
  query PairAnalytics($input: PairInput!) {
    pair: pairAnalytics(input: $input) { ${PAIR_SUMMARY_FIELDS} points { ${PAIR_POINT_FIELDS} } }
  }
`;

/** Every hedge method on the same pair in one request, by alias. */
export const PAIR_METHODS = gql<Record<string, PairSummary>>`
  query PairMethods(
    $ols: PairInput!, $huber: PairInput!, $theilSen: PairInput!, $rollingOls: PairInput!, $kalman: PairInput!
  ) {
    ols: pairAnalytics(input: $ols) { ${PAIR_SUMMARY_FIELDS} }
    huber: pairAnalytics(input: $huber) { ${PAIR_SUMMARY_FIELDS} }
    theilSen: pairAnalytics(input: $theilSen) { ${PAIR_SUMMARY_FIELDS} }
    rollingOls: pairAnalytics(input: $rollingOls) { ${PAIR_SUMMARY_FIELDS} }
    kalman: pairAnalytics(input: $kalman) { ${PAIR_SUMMARY_FIELDS} }
  }
`;

export const PAIR_STREAM = gql<{ pairStream: PairPointResult }>`
  subscription PairStream($input: PairInput!, $lookback: Int, $maxPerSecond: Float) {
    pairStream(input: $input, lookback: $lookback, maxPerSecond: $maxPerSecond) { ${PAIR_POINT_FIELDS} }
  }
`;

export const PAIR_SCAN = gql<{ pairScan: PairScanRow[] }>`
  query PairScan($symbols: [String!]!, $venue: String, $timeframe: Timeframe!, $from: String, $to: String) {
    pairScan(symbols: $symbols, venue: $venue, timeframe: $timeframe, from: $from, to: $to) {
      base quote n hedgeRatio halfLifeBars halfLifeSeconds correlation
      cointegration { statistic pValue }
      error
    }
  }
`;
