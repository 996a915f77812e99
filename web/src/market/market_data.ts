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
  /** Socket connection count: a change reloads the history. */
  connection: number;
}

export interface MarketBars {
  bars: Accessor<ChartBar[]>;
  loading: Accessor<boolean>;
  errors: Accessor<string[]>;
  /** True while the forming bar follows the live stream (no `to` chosen). */
  live: Accessor<boolean>;
}

export interface MarketBarsOptions {
  /** Bars loaded when no range start is chosen. Default 1000. */
  limit?: number;
  /** Most bars held, live ones included. Default 3000. */
  cap?: number;
}

export function createMarketBars(
  client: Client,
  selection: Accessor<BarSelection | null>,
  options: MarketBarsOptions = {},
): MarketBars {
  const limit = options.limit ?? 1000;
  const cap = options.cap ?? 3000;
  const [bars, setBars] = createSignal<ChartBar[]>([]);
  const [loading, setLoading] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);
  const [live, setLive] = createSignal(false);

  createEffect(on(selection, (chosen) => {
    setBars([]);
    setErrors([]);
    setLive(false);
    if (!chosen) return;
    setLoading(true);
    const variables = {
      symbol: chosen.symbol,
      venue: chosen.venue || null,
      timeframe: chosen.timeframe,
    };
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
    client.query(BARS, {
      ...variables,
      from: chosen.from || null,
      to: chosen.to || null,
      limit: chosen.from ? null : limit,
    }).toPromise().then((result) => {
      if (stopped) return;
      setLoading(false);
      if (result.error) setErrors(errorMessages(result.error));
      const history = (result.data?.bars ?? []).map(toChartBar);
      setBars(mergeAllByTime(history, early ?? [], cap));
      early = null;
    });
    onCleanup(() => {
      stopped = true;
      subscription?.unsubscribe();
    });
  }));

  return { bars, loading, errors, live };
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
