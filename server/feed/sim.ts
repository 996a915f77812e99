/**
 * The simulated feed (FEED=sim): a seeded synthetic cointegrated pair (see `sim_pair.ts`) streamed in
 * real time under venue `sim`, labelled `simulated: true` wherever health is shown, so nobody mistakes
 * it for market data. Ids continue after the stored history of each symbol.
 */
import type { Feed, FeedHealth, InstrumentHealth, LastStoredTrade, TradeSink } from "./feed.ts";
import { nowMicros } from "./clock.ts";
import { createSimPair, type SimPair, type SimPairOptions } from "./sim_pair.ts";

export interface SimFeedOptions {
  /** Exactly two symbols: [x, y]. */
  symbols: readonly string[];
  sink: TradeSink;
  /** Default 42. */
  seed?: number;
  /** Mean trades per second per symbol. Default 10. */
  ratePerSecond?: number;
  /** Ids continue after the stored history of each symbol. */
  lastStoredTrade?: LastStoredTrade;
  /** How often trades are generated and pushed, milliseconds. Default 100. */
  tickMs?: number;
  /** Clock, microseconds since the epoch: trade times follow it. */
  nowUs?: () => number;
  /** Model parameters (prices, volatility, hedge ratio, half-life). */
  model?: Omit<
    SimPairOptions,
    "symbols" | "startUs" | "seed" | "ratePerSecond" | "firstIds" | "venue"
  >;
  signal?: AbortSignal;
}

export const SIM_VENUE = "sim";

export function createSimFeed(options: SimFeedOptions): Feed {
  if (options.symbols.length !== 2) {
    throw new RangeError(
      `The simulator makes a pair: give exactly two symbols, got ${
        options.symbols.join(",") || "none"
      }`,
    );
  }
  const symbols = [options.symbols[0].toUpperCase(), options.symbols[1].toUpperCase()] as const;
  const nowUs = options.nowUs ?? nowMicros;
  const tickMs = options.tickMs ?? 100;
  const sink = options.sink;
  const counters = symbols.map((symbol) => ({
    symbol,
    tradesReceived: 0,
    lastTradeAtUs: null as number | null,
    lastTradeId: null as number | null,
  }));
  let pair: SimPair | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let paused = false;
  let lastError: string | null = null;
  let starting: Promise<void> | null = null;
  let stopped = false;

  function tick(): void {
    if (!pair || paused || stopped) return;
    const now = nowUs();
    const trades = pair.until(now);
    if (trades.length === 0) return;
    for (const trade of trades) {
      trade.receivedAtUs = now;
      const counter = counters[trade.symbol === symbols[0] ? 0 : 1];
      counter.tradesReceived++;
      counter.lastTradeAtUs = now;
      counter.lastTradeId = trade.tradeId;
    }
    let accepted: boolean;
    try {
      accepted = sink.push(trades);
    } catch (error) {
      // A sink closed during shutdown must not take the process down with it.
      lastError = `the sink refused ${trades.length} trades: ${
        error instanceof Error ? error.message : String(error)
      }`;
      return;
    }
    if (!accepted) {
      paused = true;
      sink.ready().then(() => paused = false);
    }
  }

  async function begin(): Promise<void> {
    const firstIds = await Promise.all(symbols.map(async (symbol) => {
      const stored = await options.lastStoredTrade?.(symbol);
      return (stored?.tradeId ?? 0) + 1;
    }));
    if (stopped) return;
    pair = createSimPair({
      ...options.model,
      symbols,
      startUs: nowUs(),
      seed: options.seed ?? 42,
      ratePerSecond: options.ratePerSecond,
      firstIds: [firstIds[0], firstIds[1]],
      venue: SIM_VENUE,
    });
    timer = setInterval(tick, tickMs);
  }

  const feed: Feed = {
    venue: SIM_VENUE,
    start() {
      starting ??= begin();
      return starting;
    },
    async stop() {
      stopped = true;
      await starting;
      clearInterval(timer);
    },
    health(): FeedHealth {
      const instruments: InstrumentHealth[] = counters.map((counter) => ({
        venue: SIM_VENUE,
        symbol: counter.symbol,
        state: stopped ? "stopped" : pair ? "live" : "connecting",
        lastTradeAtUs: counter.lastTradeAtUs,
        lastTradeId: counter.lastTradeId,
        tradesReceived: counter.tradesReceived,
        duplicatesDropped: 0,
        rejected: 0,
        backfilled: 0,
        gaps: 0,
      }));
      return {
        venue: SIM_VENUE,
        simulated: true,
        url: null,
        connected: pair !== null && !stopped,
        reconnects: 0,
        lastError,
        instruments,
        paused,
      };
    },
    gaps: () => [],
  };
  options.signal?.addEventListener("abort", () => feed.stop(), { once: true });
  return feed;
}
