/**
 * The backtest view's data: the backtest of the chosen parameters and, for its charts, the pair's
 * spread and z-score over the same range. A fixed range, not followed live: a backtest is rerun
 * when a parameter changes.
 */
import type { Client } from "@urql/solid";
import { type Accessor, createEffect, createSignal, on, onCleanup } from "solid-js";
import { errorMessages } from "../graphql/error_messages.ts";
import { PAIR_ANALYTICS } from "../pair/pair_documents.ts";
import type { ChartPairPoint } from "../pair/pair_series.ts";
import { BACKTEST, type BacktestInput } from "./backtest_documents.ts";
import type { BacktestResult } from "./backtest_result.ts";

export interface BacktestData {
  result: Accessor<BacktestResult | null>;
  points: Accessor<ChartPairPoint[]>;
  loading: Accessor<boolean>;
  errors: Accessor<string[]>;
}

export function createBacktestData(
  client: Client,
  input: Accessor<BacktestInput | null>,
): BacktestData {
  const [result, setResult] = createSignal<BacktestResult | null>(null);
  const [points, setPoints] = createSignal<ChartPairPoint[]>([]);
  const [loading, setLoading] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);

  createEffect(on(input, (chosen) => {
    setResult(null);
    setPoints([]);
    setErrors([]);
    if (!chosen) return;
    setLoading(true);
    let stopped = false;
    onCleanup(() => stopped = true);
    const backtest = client.query(BACKTEST, { input: chosen }, { requestPolicy: "network-only" })
      .toPromise().then((answer) => {
        if (stopped) return;
        if (answer.error) setErrors((held) => [...held, ...errorMessages(answer.error)]);
        setResult(answer.data?.backtest ?? null);
      });
    const pair = client.query(PAIR_ANALYTICS, { input: chosen.pair }).toPromise().then((answer) => {
      if (stopped || !answer.data?.pair) return;
      setPoints(
        answer.data.pair.points.map((point) => ({ ...point, time: Date.parse(point.time) })),
      );
    });
    Promise.all([backtest, pair]).then(() => {
      if (!stopped) setLoading(false);
    });
  }));

  return { result, points, loading, errors };
}
