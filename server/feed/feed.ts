/**
 * What every market-data feed (Binance futures, Binance spot, the simulator) offers the rest of the
 * product: it pushes trades into a sink and reports its health. Feeds know nothing of storage.
 */
import type { Trade, Venue } from "../domain.ts";

/** The connection state of one instrument's stream, as `/healthz` shows it. */
export type StreamState = "connecting" | "live" | "reconnecting" | "down" | "stopped";

/** A range of trade ids that could not be recovered (older than the REST window, or refused). */
export interface DataGap {
  venue: Venue;
  symbol: string;
  /** First missing trade id (inclusive). */
  fromId: number;
  /** Last missing trade id (inclusive). */
  toId: number;
  /** Trade time of the last trade before the gap, microseconds. */
  fromTimeUs: number | null;
  /** Trade time of the first trade after the gap, microseconds. */
  toTimeUs: number | null;
  reason: string;
  detectedAtUs: number;
}

export interface InstrumentHealth {
  venue: Venue;
  symbol: string;
  state: StreamState;
  /** Receipt time of the newest trade, microseconds; null before the first. */
  lastTradeAtUs: number | null;
  /** Trade id of the newest trade handed to the sink. */
  lastTradeId: number | null;
  tradesReceived: number;
  duplicatesDropped: number;
  rejected: number;
  backfilled: number;
  gaps: number;
  /** Times the connection carrying this instrument was lost and replaced. */
  reconnects?: number;
  /** Ids received ahead of a missing one, waiting for it (reorder grace or backfill). */
  held?: number;
}

export interface FeedHealth {
  venue: Venue;
  /** True when the feed produces synthetic data (FEED=sim): say so wherever it is shown. */
  simulated: boolean;
  /** The WebSocket URL in use (for binance feeds). */
  url: string | null;
  connected: boolean;
  reconnects: number;
  /** The last connection or protocol error, in words, e.g. "HTTP 451: Binance refuses this region". */
  lastError: string | null;
  instruments: InstrumentHealth[];
  /** WebSocket connections in use (at most 200 streams each). */
  connections?: number;
  /** True while the sink is full and delivery waits for `sink.ready()`. */
  paused?: boolean;
  /**
   * Messages that could not be read as a trade (broken JSON, damaged fields, unknown symbol); the
   * trades they should have carried are recovered from REST.
   */
  unparsedMessages?: number;
  /** The latest `X-MBX-USED-WEIGHT-1M` Binance reported for REST backfill. */
  restUsedWeight1m?: number | null;
}

/** Where a feed delivers trades. `push` never blocks; it returns false when the receiver is full. */
export interface TradeSink {
  /** Accept trades in order per symbol. Returns false when the sink is full and the feed should pause. */
  push(trades: Trade[]): boolean;
  /** Resolves when the sink has room again after `push` returned false. */
  ready(): Promise<void>;
}

export interface Feed {
  readonly venue: Venue;
  /** Starts streaming; resolves once the first connection attempt has been made. */
  start(): Promise<void>;
  /** Stops streaming and closes every socket; resolves when nothing more will be pushed. */
  stop(): Promise<void>;
  health(): FeedHealth;
  /** Gaps found and not recoverable since the feed started. */
  gaps(): DataGap[];
}

/** Lets a feed ask, at startup, where the stored history of a symbol ends, to backfill from there. */
export type LastStoredTrade = (
  symbol: string,
) => Promise<{ tradeId: number; timeUs: number } | null>;
