/**
 * The market view's data: the bars of one instrument (history, then the forming bar moving live),
 * the trade rate and last price from the trade stream, and the instruments with data.
 */
import type { Client } from "@urql/solid";
import { type Accessor, createEffect, createSignal, on, onCleanup } from "solid-js";
import {
  type BarResult,
  BARS,
  type InstrumentResult,
  INSTRUMENTS,
  LIVE_BARS,
  LIVE_TRADES,
} from "../graphql/documents.ts";
import { errorMessages } from "../graphql/error_messages.ts";
import type { Timeframe } from "../state/dashboard_params.ts";
import { mergeAllByTime, mergeByTime } from "../state/time_series.ts";
import type { ChartBar } from "./bar_series.ts";
import { createRateWindow } from "./rate_window.ts";

export interface BarSelection {
  symbol: string;
  venue: string;
  timeframe: Timeframe;
  from: string;
  to: string;
  /** Socket reconnections: a change reloads the history. */
  connection: number;
}

export interface MarketBars {
  bars: Accessor<ChartBar[]>;
  loading: Accessor<boolean>;
  errors: Accessor<string[]>;
  /** True while the forming bar follows the live stream (no `to` chosen). */
  live: Accessor<boolean>;
  /** False once the store has answered that no bar precedes the first one held. */
  hasEarlier: Accessor<boolean>;
  /** True while earlier bars are being fetched. */
  loadingEarlier: Accessor<boolean>;
  /**
   * Fetches up to `window` bars before the first one held and widens the window to keep them:
   * the chart's history on demand, beyond the bounded live window.
   */
  loadEarlier(): void;
}

export interface MarketBarsOptions {
  /**
   * Bars loaded and held: the newest `window` of the chosen range, live ones included, the
   * oldest dropped as new ones form, so a tab left open all day keeps the same memory. Each
   * `loadEarlier()` widens it by the bars it fetched. Default 500.
   */
  window?: number;
}

export function createMarketBars(
  client: Client,
  selection: Accessor<BarSelection | null>,
  options: MarketBarsOptions = {},
): MarketBars {
  const barWindow = options.window ?? 500;
  const [bars, setBars] = createSignal<ChartBar[]>([]);
  const [loading, setLoading] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);
  const [live, setLive] = createSignal(false);
  const [hasEarlier, setHasEarlier] = createSignal(false);
  const [loadingEarlier, setLoadingEarlier] = createSignal(false);
  /** Fetches the bars before those held; replaced for each selection. */
  let fetchEarlier: () => void = () => {};

  createEffect(on(selection, (chosen) => {
    setBars([]);
    setErrors([]);
    setLive(false);
    setHasEarlier(false);
    setLoadingEarlier(false);
    fetchEarlier = () => {};
    if (!chosen) return;
    setLoading(true);
    const variables = {
      symbol: chosen.symbol,
      venue: chosen.venue || null,
      timeframe: chosen.timeframe,
    };
    // Bars held at most: the window, widened by each page of earlier bars fetched.
    let cap = barWindow;
    // Updates that arrive before the history are kept and folded in once it is there.
    let early: ChartBar[] | null = [];
    let stopped = false;
    const following = chosen.to === "";
    const subscription = following
      ? client.subscription(LIVE_BARS, variables).subscribe((result) => {
        if (result.error) setErrors(errorMessages(result.error));
        const update = result.data?.bars;
        if (!update) return;
        const bar = toChartBar(update);
        if (early) early.push(bar);
        else setBars((held) => mergeByTime(held, bar, cap));
      })
      : null;
    setLive(following);
    // The store answers the most recent `limit` bars of [from, to).
    client.query(BARS, {
      ...variables,
      from: chosen.from || null,
      to: chosen.to || null,
      limit: barWindow,
    }).toPromise().then((result) => {
      if (stopped) return;
      setLoading(false);
      if (result.error) setErrors(errorMessages(result.error));
      const history = (result.data?.bars ?? []).map(toChartBar);
      setBars(mergeAllByTime(history, early ?? [], cap));
      setHasEarlier(history.length === barWindow);
      early = null;
    });

    fetchEarlier = () => {
      const first = bars()[0];
      if (!first || loadingEarlier() || !hasEarlier()) return;
      setLoadingEarlier(true);
      client.query(BARS, {
        ...variables,
        from: chosen.from || null,
        to: new Date(first.time).toISOString(),
        limit: barWindow,
      }).toPromise().then((result) => {
        if (stopped) return;
        setLoadingEarlier(false);
        if (result.error) {
          setErrors(errorMessages(result.error));
          return;
        }
        const earlier = (result.data?.bars ?? []).map(toChartBar);
        cap += earlier.length;
        setBars((held) => [
          ...earlier.filter((bar) => held.length === 0 || bar.time < held[0].time),
          ...held,
        ]);
        setHasEarlier(earlier.length === barWindow);
      });
    };

    onCleanup(() => {
      stopped = true;
      subscription?.unsubscribe();
    });
  }));

  return {
    bars,
    loading,
    errors,
    live,
    hasEarlier,
    loadingEarlier,
    loadEarlier: () => fetchEarlier(),
  };
}

export interface TradeStream {
  /** Trades per second over the last ten seconds. */
  perSecond: Accessor<number>;
  lastPrice: Accessor<number | null>;
  errors: Accessor<string[]>;
}

export function createTradeStream(
  client: Client,
  instrument: Accessor<{ symbol: string; venue: string } | null>,
): TradeStream {
  const [perSecond, setPerSecond] = createSignal(0);
  const [lastPrice, setLastPrice] = createSignal<number | null>(null);
  const [errors, setErrors] = createSignal<string[]>([]);
  const window = createRateWindow({ windowSeconds: 10 });
  const ticker = setInterval(() => setPerSecond(window.rate(Date.now())), 1000);
  onCleanup(() => clearInterval(ticker));

  createEffect(on(instrument, (chosen) => {
    window.clear();
    setPerSecond(0);
    setLastPrice(null);
    setErrors([]);
    if (!chosen) return;
    const subscription = client.subscription(LIVE_TRADES, {
      symbols: [chosen.symbol],
      venue: chosen.venue || null,
    }).subscribe((result) => {
      if (result.error) setErrors(errorMessages(result.error));
      const trade = result.data?.trades;
      if (!trade) return;
      window.add(Date.now());
      setLastPrice(trade.price);
    });
    onCleanup(() => subscription.unsubscribe());
  }));

  return { perSecond, lastPrice, errors };
}

export interface Instruments {
  list: Accessor<InstrumentResult[]>;
  loaded: Accessor<boolean>;
  errors: Accessor<string[]>;
}

/** Instruments with data, refreshed every `refreshMs` (default 15 s) as new ones appear. */
export function createInstruments(
  client: Client,
  options: { refreshMs?: number } = {},
): Instruments {
  const [list, setList] = createSignal<InstrumentResult[]>([]);
  const [loaded, setLoaded] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);
  let stopped = false;
  async function load() {
    const result = await client.query(INSTRUMENTS, {}).toPromise();
    if (stopped) return;
    setErrors(errorMessages(result.error));
    if (result.data) setList(result.data.instruments);
    setLoaded(true);
  }
  load();
  const timer = setInterval(load, options.refreshMs ?? 15_000);
  onCleanup(() => {
    stopped = true;
    clearInterval(timer);
  });
  return { list, loaded, errors };
}

function toChartBar(bar: BarResult): ChartBar {
  return {
    time: Date.parse(bar.time),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    trades: bar.trades,
  };
}
