/**
 * Live events inside one process (or, with `REDIS_URL`, across every replica): stored trades,
 * bar updates, pair points and alert firings. Topics are keyed by instrument so a subscriber
 * only wakes for what it asked.
 */
import { createPubSub, type PubSub } from "graphql-yoga";
import type { Trade } from "../domain.ts";
import type { BarUpdate } from "../bars/live_bars.ts";
import type { AlertEvent } from "../store/alert_store.ts";

/** Key for events of every instrument. */
export const ALL_INSTRUMENTS = "*";

export type LiveTopics = {
  /** Stored trades of one instrument key (`venue:SYMBOL`), or of all under `*`, in batches. */
  trades: [key: string, payload: Trade[]];
  /** Forming and closed bars of one `venue:SYMBOL:timeframe`. */
  bars: [key: string, payload: BarUpdate];
  /** Alert firings, once stored. */
  alerts: [payload: AlertEvent];
};

export type LivePubSub = PubSub<LiveTopics>;

/** `config.eventTarget` carries events between replicas (Redis); without it they stay in-process. */
export function createLivePubSub(
  config?: Parameters<typeof createPubSub<LiveTopics>>[0],
): LivePubSub {
  return createPubSub<LiveTopics>(config);
}

export function barTopicKey(venue: string, symbol: string, timeframe: string): string {
  return `${venue}:${symbol}:${timeframe}`;
}
