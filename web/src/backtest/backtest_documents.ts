/** The backtest operations the dashboard sends, with the shapes of their answers. */
import { gql } from "@urql/solid";
import type { PairInput } from "../pair/pair_data.ts";
import type { WalkForward } from "../state/dashboard_params.ts";
import type { BacktestResult, BacktestSweepCell } from "./backtest_result.ts";

/** `BacktestInput` of the API (without refitEvery and walkForwardWindow: their defaults apply). */
export interface BacktestInput {
  pair: PairInput;
  entry: number;
  exit: number;
  /** null: no stop. */
  stop: number | null;
  notional: number;
  feeBps: number;
  walkForward: WalkForward;
}

const METRIC_FIELDS =
  "netPnl return sharpe maxDrawdown trades winRate avgHoldingBars exposure inSample";

export const BACKTEST = gql<{ backtest: BacktestResult }>`
  query Backtest($input: BacktestInput!) {
    backtest(input: $input) {
      ${METRIC_FIELDS} method walkForward
      equity { time equity }
      tradeList {
        side entryTime exitTime bars pnl fees reason
        entryPriceY entryPriceX exitPriceY exitPriceX qtyY qtyX hedgeRatio
      }
    }
  }
`;

export const BACKTEST_SWEEP = gql<{ backtestSweep: BacktestSweepCell[] }>`
  query BacktestSweep($input: BacktestSweepInput!) {
    backtestSweep(input: $input) { ${METRIC_FIELDS} entry exit zWindow }
  }
`;
