/**
 * The pair view's data: the analytics of the chosen method with its points, every method side by
 * side (aliases in one request), and the newest points live from `pairStream`.
 */
import type { Client } from "@urql/solid";
import { type Accessor, createEffect, createSignal, on, onCleanup } from "solid-js";
import { PAIR_ANALYTICS, PAIR_METHODS, PAIR_STREAM } from "./pair_documents.ts";
import { errorMessages } from "../graphql/error_messages.ts";
import type { HedgeMethod, PriceTransform, Timeframe } from "../state/dashboard_params.ts";
import { HEDGE_METHODS } from "../state/dashboard_params.ts";
import { mergeAllByTime, mergeByTime } from "../state/time_series.ts";
import type { PairPointResult, PairSummary } from "./pair_analytics.ts";
import type { ChartPairPoint } from "./pair_series.ts";

/** `PairInput` of the API. */
export interface PairInput {
  base: string;
  quote: string;
  venue: string | null;
  timeframe: Timeframe;
  from: string | null;
  to: string | null;
  priceTransform: PriceTransform;
  method: HedgeMethod;
  zWindow: number;
  corrWindow: number;
  hedgeWindow: number;
}

export interface PairRequest {
  input: PairInput;
  /** Socket reconnections: a change reloads the points the stream may have missed. */
  connection: number;
}

/** Alias of each method in `PAIR_METHODS`. */
export const METHOD_ALIASES: Record<HedgeMethod, string> = {
  OLS: "ols",
  HUBER: "huber",
  THEIL_SEN: "theilSen",
  ROLLING_OLS: "rollingOls",
  KALMAN: "kalman",
};

export interface PairData {
  summary: Accessor<PairSummary | null>;
  points: Accessor<ChartPairPoint[]>;
  /** Points the query returned before the cap was applied. */
  totalPoints: Accessor<number>;
  loading: Accessor<boolean>;
  errors: Accessor<string[]>;
  methods: Accessor<Partial<Record<HedgeMethod, PairSummary>>>;
  methodErrors: Accessor<string[]>;
  /** True while `pairStream` appends the newest points. */
  live: Accessor<boolean>;
}

export interface PairDataOptions {
  /** Most points held, live ones included. Default 5000. */
  cap?: number;
  /** Bars the live stream computes each point over. Default 500. */
  lookback?: number;
  /** Most live points per second. Default 4. */
  maxPerSecond?: number;
}

export function createPairData(
  client: Client,
  request: Accessor<PairRequest | null>,
  options: PairDataOptions = {},
): PairData {
  const cap = options.cap ?? 5000;
  const [summary, setSummary] = createSignal<PairSummary | null>(null);
  const [points, setPoints] = createSignal<ChartPairPoint[]>([]);
  const [totalPoints, setTotalPoints] = createSignal(0);
  const [loading, setLoading] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);
  const [methods, setMethods] = createSignal<Partial<Record<HedgeMethod, PairSummary>>>({});
  const [methodErrors, setMethodErrors] = createSignal<string[]>([]);
  const [live, setLive] = createSignal(false);

  createEffect(on(request, (requested) => {
    const chosen = requested?.input;
    setSummary(null);
    setPoints([]);
    setTotalPoints(0);
    setErrors([]);
    setMethods({});
    setMethodErrors([]);
    setLive(false);
    if (!chosen) return;
    setLoading(true);
    let stopped = false;
    let early: ChartPairPoint[] | null = [];
    const following = chosen.to === null;
    const stream = following
      ? client.subscription(PAIR_STREAM, {
        input: chosen,
        lookback: options.lookback ?? 500,
        maxPerSecond: options.maxPerSecond ?? 4,
      }).subscribe((result) => {
        if (result.error) setErrors(errorMessages(result.error));
        const point = result.data?.pairStream;
        if (!point) return;
        const chartPoint = toChartPoint(point);
        if (early) early.push(chartPoint);
        else setPoints((held) => mergeByTime(held, chartPoint, cap));
      })
      : null;
    setLive(following);

    client.query(PAIR_ANALYTICS, { input: chosen }).toPromise().then((result) => {
      if (stopped) return;
      setLoading(false);
      if (result.error) setErrors(errorMessages(result.error));
      const pair = result.data?.pair;
      if (!pair) return;
      const { points: history, ...rest } = pair;
      setSummary(rest);
      setTotalPoints(history.length);
      setPoints(mergeAllByTime(history.map(toChartPoint), early ?? [], cap));
      early = null;
    });

    const variables = Object.fromEntries(
      HEDGE_METHODS.map((method) => [METHOD_ALIASES[method], { ...chosen, method }]),
    );
    client.query(PAIR_METHODS, variables).toPromise().then((result) => {
      if (stopped) return;
      setMethodErrors(errorMessages(result.error));
      const data = result.data;
      if (!data) return;
      setMethods(Object.fromEntries(
        HEDGE_METHODS.filter((method) => data[METHOD_ALIASES[method]])
          .map((method) => [method, data[METHOD_ALIASES[method]]]),
      ));
    });

    onCleanup(() => {
      stopped = true;
      stream?.unsubscribe();
    });
  }));

  return { summary, points, totalPoints, loading, errors, methods, methodErrors, live };
}

function toChartPoint(point: PairPointResult): ChartPairPoint {
  return {
    time: Date.parse(point.time),
    y: point.y,
    x: point.x,
    hedgeRatio: point.hedgeRatio,
    spread: point.spread,
    zscore: point.zscore,
    correlation: point.correlation,
  };
}
