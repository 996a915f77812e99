/**
 * Gathers the trades feeds push one message at a time into small batches for the live streams.
 * Every publishing costs an execution per distinct subscription, and every batch folded into the
 * live bars sends one update per bar it touched: handed on trade by trade, 5,000 trades a second
 * would send three bar updates each. The first trade of a batch waits at most `windowMs`.
 */
import type { Trade } from "../domain.ts";

export interface LiveBatcherOptions {
  /** Longest a trade waits for others, milliseconds. Default 5. */
  windowMs?: number;
}

export interface LiveBatcher {
  push(trades: readonly Trade[]): void;
  /** Hands on what is waiting now (before a flush of the ingest queue, and at shutdown). */
  flush(): void;
}

export function createLiveBatcher(
  handle: (trades: Trade[]) => void,
  options: LiveBatcherOptions = {},
): LiveBatcher {
  const windowMs = options.windowMs ?? 5;
  let waiting: Trade[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  function flush(): void {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    handle(batch);
  }

  return {
    push(trades) {
      if (trades.length === 0) return;
      for (const trade of trades) waiting.push(trade);
      timer ??= setTimeout(flush, windowMs);
    },
    flush,
  };
}
