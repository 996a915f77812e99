/**
 * The Binance trade feed (FEED=binance-futures / binance-spot): live trades from the WebSocket
 * streams, delivered to the sink strictly in id order per symbol, exactly once, with whatever the
 * stream missed (reconnections, drops, a full sink) filled in from REST history. Ids that REST can no
 * longer supply are reported as `DataGap`s and skipped, never invented.
 *
 * Per symbol: live trades and REST rows go into a `TradeSequencer`; the contiguous run after the last
 * delivered id goes to the sink. An id jump holds later trades for `reorderGraceMs` (the stream may
 * merely have reordered them); if the hole is still there, REST backfills it before anything later
 * is released. Every fresh connection, and startup with stored history, backfills from the last
 * delivered id too.
 */
import type { Trade } from "../domain.ts";
import type {
  DataGap,
  Feed,
  FeedHealth,
  InstrumentHealth,
  LastStoredTrade,
  TradeSink,
} from "./feed.ts";
import type { BackoffOptions } from "./backoff.ts";
import { abortableDelay } from "./delay.ts";
import {
  type BinanceTradeStream,
  parseBinanceMessage,
  type ParsedRestTrade,
} from "./binance_messages.ts";
import {
  BINANCE_DEFAULT_URLS,
  BINANCE_VENUES,
  type BinanceMarket,
  tradeStreamUrls,
} from "./binance_routes.ts";
import { type BinanceRestOptions, createBinanceRest } from "./binance_rest.ts";
import { createStreamConnection, type StreamConnection } from "./binance_connection.ts";
import { nowMicros } from "./clock.ts";
import {
  createTradeSequencer,
  type SequencedItem,
  type TradeSequencer,
} from "./trade_sequencer.ts";

export interface BinanceFeedOptions {
  /** Instruments to stream, e.g. `["BTCUSDT", "ETHUSDT"]`. */
  symbols: readonly string[];
  /** Where trades go. */
  sink: TradeSink;
  /** WebSocket base URL (scheme, host, port). Default: the market's production URL. */
  wsBaseUrl?: string;
  /** REST base URL (scheme, host, port). Default: the market's production URL. */
  restBaseUrl?: string;
  /** Aggregate trades (default) or single trades. */
  stream?: BinanceTradeStream;
  /** Where the stored history of each symbol ends; the feed backfills from there at startup. */
  lastStoredTrade?: LastStoredTrade;
  /** Replace a connection on which no trade arrived for this long. Default 60,000 ms. */
  watchdogMs?: number;
  /** Replace connections (overlapping, without a gap) at this age; Binance closes them at 24 h. Default 23 h. */
  maxConnectionAgeMs?: number;
  /** Reconnection delays. Default: 500 ms doubling to 30 s with half jitter, reset once trades flow. */
  backoff?: BackoffOptions;
  /** Consecutive failed connections after which an instrument reads "down" (still retrying). Default 3. */
  downAfterFailures?: number;
  /** How long later ids wait for a missing one before REST is asked. Default 500 ms. */
  reorderGraceMs?: number;
  /** Ids held per symbol while waiting; beyond it later ids are dropped and fetched from REST afterwards. Default 50,000. */
  maxHeldPerSymbol?: number;
  /** Empty REST answers tolerated for ids the stream has already passed (REST may lag the stream) before they are a gap. Default 5. */
  restLagRetries?: number;
  /** Wait between those answers. Default 200 ms. */
  restLagDelayMs?: number;
  /** REST limits: page size, longest wait for rate limits/bans, ban wait, API key, etc. */
  rest?: Omit<BinanceRestOptions, "restBaseUrl" | "stream" | "venue" | "signal" | "onError">;
  /** Stops the feed when aborted. */
  signal?: AbortSignal;
  /** Receipt clock, microseconds since the epoch. */
  nowUs?: () => number;
  /** Where reconnections, gaps and refusals are reported. Default `console.warn`. */
  log?: (line: string) => void;
}

interface Instrument {
  symbol: string;
  sequencer: TradeSequencer;
  connection: StreamConnection | null;
  tradesReceived: number;
  duplicatesDropped: number;
  rejected: number;
  backfilled: number;
  gaps: number;
  lastTradeAtUs: number | null;
  lastTradeId: number | null;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Without stored history: when the sequence starts (see `TradeSequencer.begin`). */
  startTimer: ReturnType<typeof setTimeout> | undefined;
  backfill: Promise<void> | null;
  /** Set when the whole history after the last delivered id must be read (startup, reconnect, overflow). */
  catchUpWanted: boolean;
}

export function createBinanceFeed(market: BinanceMarket, options: BinanceFeedOptions): Feed {
  const venue = BINANCE_VENUES[market];
  const stream = options.stream ?? "aggTrade";
  const wsBaseUrl = options.wsBaseUrl ?? BINANCE_DEFAULT_URLS[market].ws;
  const reorderGraceMs = options.reorderGraceMs ?? 500;
  const restLagRetries = options.restLagRetries ?? 5;
  const restLagDelayMs = options.restLagDelayMs ?? 200;
  const nowUs = options.nowUs ?? nowMicros;
  const log = options.log ?? ((line: string) => console.warn(`[${venue}] ${line}`));
  const sink = options.sink;
  const symbols = [...new Set(options.symbols.map((symbol) => symbol.toUpperCase()))];
  if (symbols.length === 0) throw new RangeError(`A ${venue} feed needs at least one symbol`);

  const stopController = new AbortController();
  const stopped = new Promise<void>((resolve) =>
    stopController.signal.addEventListener("abort", () => resolve())
  );
  const rest = createBinanceRest(market, {
    ...options.rest,
    restBaseUrl: options.restBaseUrl,
    stream,
    venue,
    signal: stopController.signal,
    onError: noteError,
  });
  const instruments = new Map<string, Instrument>();
  const connections: StreamConnection[] = [];
  const gaps: DataGap[] = [];
  let lastError: string | null = null;
  let unparsedMessages = 0;
  let paused = false;
  let resumed: Promise<void> = Promise.resolve();
  let starting: Promise<void> | null = null;
  let isStopped = false;

  function noteError(message: string): void {
    lastError = message;
    log(message);
  }

  /** Hands the contiguous run after the last delivered id to the sink, unless the sink is full. */
  function release(instrument: Instrument, final = false): void {
    if ((paused || isStopped) && !final) return;
    const ready = instrument.sequencer.takeReady();
    if (ready.length === 0) return;
    const trades: Trade[] = [];
    for (const item of ready) {
      if (item.kind === "rejected") {
        instrument.rejected++;
        continue;
      }
      trades.push(item.trade);
      if (item.fromRest) instrument.backfilled++;
      instrument.lastTradeId = item.trade.tradeId;
      instrument.lastTradeAtUs = item.trade.receivedAtUs;
    }
    if (trades.length > 0 && !pushToSink(trades)) pause();
  }

  /** False when the sink is full. A sink that throws (e.g. closed during shutdown) is reported, not fatal. */
  function pushToSink(trades: Trade[]): boolean {
    try {
      return sink.push(trades);
    } catch (error) {
      noteError(
        `the sink refused ${trades.length} trades: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return true;
    }
  }

  /** The sink is full: deliver nothing until it has room, then release what waited and backfill what overflowed. */
  function pause(): void {
    paused = true;
    resumed = Promise.race([sink.ready(), stopped]).then(() => {
      paused = false;
      for (const instrument of instruments.values()) {
        release(instrument);
        if (instrument.catchUpWanted) startBackfill(instrument);
        else watchForGap(instrument);
      }
    });
  }

  function offer(instrument: Instrument, tradeId: number, item: SequencedItem): void {
    const outcome = instrument.sequencer.offer(tradeId, item);
    if (instrument.sequencer.lastId === null && instrument.startTimer === undefined) {
      // No stored history: give the first ids the reorder grace to arrive, then start at the lowest.
      instrument.startTimer = setTimeout(() => {
        instrument.sequencer.begin();
        release(instrument);
        watchForGap(instrument);
      }, reorderGraceMs);
    }
    if (outcome === "duplicate" && !item.fromRest) instrument.duplicatesDropped++;
    // Dropped for lack of room: REST fetches it once the sequence gets there.
    if (outcome === "overflow") instrument.catchUpWanted = true;
    release(instrument);
  }

  function handleMessage(
    text: string,
    receivedAtUs: number,
    connection: () => StreamConnection | null,
  ): boolean {
    const parsed = parseBinanceMessage(text, { venue, receivedAtUs });
    if (parsed.kind === "ignored") return false;
    if (parsed.kind === "serverShutdown") {
      connection()?.rotate();
      return false;
    }
    if (parsed.kind === "rejected") {
      const instrument = parsed.symbol ? instruments.get(parsed.symbol) : undefined;
      if (!instrument || parsed.tradeId === null || !parsed.settled) {
        // A damaged message proves nothing about its id: the real trade comes from the stream
        // again or from REST, once the hole it leaves is noticed.
        unparsedMessages++;
        lastError = `unreadable message: ${parsed.reason}`;
        return false;
      }
      // The id exists (e.g. an "X":"NA" record): it fills its slot without becoming a trade.
      instrument.tradesReceived++;
      offer(instrument, parsed.tradeId, {
        kind: "rejected",
        tradeId: parsed.tradeId,
        reason: parsed.reason,
        fromRest: false,
      });
      watchForGap(instrument);
      return true;
    }
    const instrument = instruments.get(parsed.trade.symbol);
    if (!instrument) return false;
    instrument.tradesReceived++;
    offer(instrument, parsed.trade.tradeId, {
      kind: "trade",
      trade: parsed.trade,
      fromRest: false,
    });
    watchForGap(instrument);
    return true;
  }

  /** An id jump: give the stream `reorderGraceMs` to fill it, then ask REST. */
  function watchForGap(instrument: Instrument): void {
    if (instrument.graceTimer !== undefined || instrument.backfill || isStopped) return;
    if (instrument.sequencer.missingRange() === null) return;
    instrument.graceTimer = setTimeout(() => {
      instrument.graceTimer = undefined;
      if (instrument.sequencer.missingRange() !== null) startBackfill(instrument);
    }, reorderGraceMs);
  }

  function startBackfill(instrument: Instrument): void {
    if (instrument.backfill || isStopped) return;
    clearTimeout(instrument.graceTimer);
    instrument.graceTimer = undefined;
    instrument.backfill = backfill(instrument).finally(() => {
      instrument.backfill = null;
      watchForGap(instrument);
    });
  }

  function requestCatchUp(instrument: Instrument): void {
    if (instrument.sequencer.lastId === null) return;
    instrument.catchUpWanted = true;
    startBackfill(instrument);
  }

  function recordGap(
    instrument: Instrument,
    range: { fromId: number; toId: number },
    reason: string,
    toTimeUs: number | null,
  ): void {
    const sequencer = instrument.sequencer;
    const gap: DataGap = {
      venue,
      symbol: instrument.symbol,
      fromId: range.fromId,
      toId: range.toId,
      fromTimeUs: sequencer.lastTimeUs,
      toTimeUs: sequencer.heldTimeUs(range.toId + 1) ?? toTimeUs,
      reason,
      detectedAtUs: nowUs(),
    };
    gaps.push(gap);
    instrument.gaps++;
    noteError(
      `${instrument.symbol}: trades ${range.fromId}..${range.toId} are missing and skipped: ${reason}`,
    );
    sequencer.skipTo(range.toId);
    release(instrument);
  }

  /**
   * Reads REST pages from the last delivered id until the hole before the held trades is filled and,
   * when catching up, until REST has nothing newer.
   */
  async function backfill(instrument: Instrument): Promise<void> {
    const sequencer = instrument.sequencer;
    let emptyAnswers = 0;
    while (!isStopped) {
      if (paused) {
        await resumed;
        continue;
      }
      release(instrument);
      const lastId = sequencer.lastId;
      const missing = sequencer.missingRange();
      if (lastId === null || (!missing && !instrument.catchUpWanted)) return;
      const fromId = lastId + 1;
      // Cleared before asking, so a reconnect or overflow during the request asks for another pass.
      const catchingUp = instrument.catchUpWanted;
      instrument.catchUpWanted = false;
      let page: ParsedRestTrade[];
      try {
        page = await rest.fetchTradesFrom(instrument.symbol, fromId);
      } catch (error) {
        if (isStopped) return;
        const reason = `REST could not supply them: ${
          error instanceof Error ? error.message : String(error)
        }`;
        // Without held trades the extent of the loss is unknown; the next live trade will show it.
        if (missing) recordGap(instrument, missing, reason, null);
        else noteError(`${instrument.symbol}: cannot backfill from id ${fromId}: ${reason}`);
        continue;
      }
      if (isStopped) return;
      if (page.length === 0) {
        if (!missing) continue;
        if (++emptyAnswers > restLagRetries) {
          recordGap(instrument, missing, `REST returned no trades from id ${fromId} on`, null);
          emptyAnswers = 0;
        } else {
          await abortableDelay(restLagDelayMs, stopController.signal);
        }
        continue;
      }
      emptyAnswers = 0;
      const firstId = restId(page[0]);
      if (firstId > fromId) {
        const toId = missing ? Math.min(missing.toId, firstId - 1) : firstId - 1;
        const firstTimeUs = page[0].kind === "trade" ? page[0].trade.timeUs : null;
        recordGap(
          instrument,
          { fromId, toId },
          `older than Binance's REST history, which starts at id ${firstId}`,
          toId === firstId - 1 ? firstTimeUs : null,
        );
      }
      for (const row of page) {
        const item: SequencedItem = row.kind === "trade"
          ? { kind: "trade", trade: row.trade, fromRest: true }
          : { kind: "rejected", tradeId: row.tradeId, reason: row.reason, fromRest: true };
        if (sequencer.offer(restId(row), item) === "overflow") instrument.catchUpWanted = true;
      }
      release(instrument);
      // A full page means REST may hold more after it.
      if (catchingUp && page.length === rest.pageSize) instrument.catchUpWanted = true;
    }
  }

  function instrumentHealth(instrument: Instrument): InstrumentHealth {
    const connection = instrument.connection;
    return {
      venue,
      symbol: instrument.symbol,
      state: isStopped ? "stopped" : connection?.state ?? "connecting",
      lastTradeAtUs: instrument.lastTradeAtUs,
      lastTradeId: instrument.lastTradeId,
      tradesReceived: instrument.tradesReceived,
      duplicatesDropped: instrument.duplicatesDropped,
      rejected: instrument.rejected,
      backfilled: instrument.backfilled,
      gaps: instrument.gaps,
      reconnects: connection?.reconnects ?? 0,
      held: instrument.sequencer.heldCount,
    };
  }

  async function begin(): Promise<void> {
    for (const symbol of symbols) {
      let stored: { tradeId: number; timeUs: number } | null = null;
      try {
        stored = (await options.lastStoredTrade?.(symbol)) ?? null;
      } catch (error) {
        noteError(
          `${symbol}: cannot read where stored history ends, starting from live trades: ${
            String(error)
          }`,
        );
      }
      instruments.set(symbol, {
        symbol,
        sequencer: createTradeSequencer({
          lastId: stored?.tradeId ?? null,
          lastTimeUs: stored?.timeUs ?? null,
          maxHeld: options.maxHeldPerSymbol,
        }),
        connection: null,
        tradesReceived: 0,
        duplicatesDropped: 0,
        rejected: 0,
        backfilled: 0,
        gaps: 0,
        lastTradeAtUs: null,
        lastTradeId: stored?.tradeId ?? null,
        graceTimer: undefined,
        startTimer: undefined,
        backfill: null,
        catchUpWanted: false,
      });
    }
    if (isStopped) return;
    for (const group of tradeStreamUrls(market, symbols, { wsBaseUrl, stream })) {
      const members = group.symbols.map((symbol) => instruments.get(symbol) as Instrument);
      const connection: StreamConnection = createStreamConnection(group.url, {
        onMessage: (text, receivedAtUs) => handleMessage(text, receivedAtUs, () => connection),
        onReconnected: () => members.forEach(requestCatchUp),
        onError: noteError,
        watchdogMs: options.watchdogMs,
        maxConnectionAgeMs: options.maxConnectionAgeMs,
        backoff: options.backoff,
        downAfterFailures: options.downAfterFailures,
        nowUs,
      });
      members.forEach((instrument) => instrument.connection = connection);
      connections.push(connection);
    }
    for (const instrument of instruments.values()) requestCatchUp(instrument);
    connections.forEach((connection) => connection.start());
  }

  const feed: Feed = {
    venue,
    start() {
      starting ??= begin();
      return starting;
    },
    async stop() {
      if (isStopped) return;
      isStopped = true;
      stopController.abort();
      await starting;
      for (const instrument of instruments.values()) {
        clearTimeout(instrument.graceTimer);
        clearTimeout(instrument.startTimer);
      }
      await Promise.all(connections.map((connection) => connection.stop()));
      await Promise.all([...instruments.values()].map((instrument) => instrument.backfill));
      // Everything received that continues the stored sequence goes to the sink before stopping;
      // trades after a gap are left for the next start, which backfills from the last stored id.
      for (const instrument of instruments.values()) {
        instrument.sequencer.begin();
        release(instrument, true);
      }
    },
    health(): FeedHealth {
      return {
        venue,
        simulated: false,
        url: connections[0]?.url ?? null,
        connected: connections.some((connection) => connection.connected),
        reconnects: connections.reduce((sum, connection) => sum + connection.reconnects, 0),
        lastError,
        instruments: [...instruments.values()].map(instrumentHealth),
        connections: connections.length,
        paused,
        unparsedMessages,
        restUsedWeight1m: rest.status().usedWeight1m,
      };
    },
    gaps: () => [...gaps],
  };
  options.signal?.addEventListener("abort", () => feed.stop(), { once: true });
  return feed;
}

function restId(row: ParsedRestTrade): number {
  return row.kind === "trade" ? row.trade.tradeId : row.tradeId;
}
