/**
 * The bounded queue between the feeds and the database.
 *
 * Feeds push trades without waiting; one writer drains the queue in batches (up to `maxBatch` trades,
 * written as soon as the previous write has finished, after lingering `lingerMs` to gather more). When
 * the database is slow the queue grows; when it reaches `capacity`, `push` answers false so the feed
 * pauses (and backfills later) instead of trades being dropped. When the database fails, the batch is
 * kept and retried with capped backoff: nothing received is lost while the process lives, and
 * `close()` flushes everything before the process exits.
 */
import type { Trade } from "../domain.ts";
import type { TradeSink } from "../feed/feed.ts";

export interface IngestQueueOptions {
  /** Most trades per database write. Default 5,000. */
  maxBatch?: number;
  /** How long to wait for more trades once the writer is idle, milliseconds. Default 2. */
  lingerMs?: number;
  /** Trades the queue holds before it asks feeds to pause. Default 500,000. */
  capacity?: number;
  /** First retry delay after a failed write, milliseconds; doubles up to `maxRetryDelayMs`. Default 100. */
  retryDelayMs?: number;
  /** Default 5,000. */
  maxRetryDelayMs?: number;
  /** Called with the trades a write stored for the first time (not duplicates), in order. */
  onStored?: (stored: Trade[]) => void;
  /** Called when a write fails; the batch stays queued and is retried. */
  onWriteError?: (error: unknown, attempt: number) => void;
}

export interface IngestStats {
  queued: number;
  capacity: number;
  /** Trades written for the first time since start. */
  stored: number;
  /** Trades the database already had (replays, overlaps). */
  duplicates: number;
  writes: number;
  failedWrites: number;
  /** True while the last write failed and the queue is waiting to retry. */
  retrying: boolean;
  lastError: string | null;
  /** Trades stored per second over the last few seconds. */
  storedPerSecond: number;
}

export interface IngestQueue extends TradeSink {
  stats(): IngestStats;
  /** Resolves when everything pushed so far has been written. */
  flush(): Promise<void>;
  /** Stops accepting trades, writes what is queued, and stops the writer. */
  close(): Promise<void>;
}

export type WriteBatch = (trades: Trade[]) => Promise<Trade[]>;

export function createIngestQueue(
  write: WriteBatch,
  options: IngestQueueOptions = {},
): IngestQueue {
  const maxBatch = options.maxBatch ?? 5_000;
  const lingerMs = options.lingerMs ?? 2;
  const capacity = options.capacity ?? 500_000;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;

  // A ring of chunks: pushing appends one array, draining slices from the head without copying all.
  const chunks: Trade[][] = [];
  let headOffset = 0;
  let queued = 0;
  let closed = false;
  let writing: Promise<void> | null = null;
  let lingerTimer: ReturnType<typeof setTimeout> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let roomWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  const rateWindow: { atMs: number; stored: number }[] = [];
  const totals = {
    stored: 0,
    duplicates: 0,
    writes: 0,
    failedWrites: 0,
    retrying: false,
    lastError: null as string | null,
  };

  function push(trades: Trade[]): boolean {
    if (closed) throw new Error("The ingest queue is closed; no more trades can be accepted");
    if (trades.length > 0) {
      chunks.push(trades);
      queued += trades.length;
      schedule();
    }
    return queued < capacity;
  }

  function ready(): Promise<void> {
    if (queued < capacity) return Promise.resolve();
    return new Promise((resolve) => roomWaiters.push(resolve));
  }

  function takeBatch(): Trade[] {
    const batch: Trade[] = [];
    while (batch.length < maxBatch && chunks.length > 0) {
      const head = chunks[0];
      const take = Math.min(maxBatch - batch.length, head.length - headOffset);
      for (let i = 0; i < take; i++) batch.push(head[headOffset + i]);
      headOffset += take;
      if (headOffset === head.length) {
        chunks.shift();
        headOffset = 0;
      }
    }
    return batch;
  }

  function schedule(): void {
    if (writing !== null || lingerTimer !== null || retryTimer !== null || queued === 0) return;
    lingerTimer = setTimeout(() => {
      lingerTimer = null;
      writing = drain().finally(() => {
        writing = null;
        if (queued === 0) release(idleWaiters, (list) => (idleWaiters = list));
        schedule();
      });
    }, closed ? 0 : lingerMs);
  }

  async function drain(): Promise<void> {
    let attempt = 0;
    let batch = takeBatch();
    while (batch.length > 0) {
      try {
        const stored = await write(batch);
        totals.writes += 1;
        totals.stored += stored.length;
        totals.duplicates += batch.length - stored.length;
        totals.retrying = false;
        queued -= batch.length;
        noteRate(stored.length);
        if (queued < capacity) release(roomWaiters, (list) => (roomWaiters = list));
        if (stored.length > 0) options.onStored?.(stored);
        attempt = 0;
        batch = takeBatch();
      } catch (error) {
        attempt += 1;
        totals.failedWrites += 1;
        totals.retrying = true;
        totals.lastError = error instanceof Error ? error.message : String(error);
        options.onWriteError?.(error, attempt);
        const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (attempt - 1));
        await new Promise<void>((resolve) => {
          retryTimer = setTimeout(() => {
            retryTimer = null;
            resolve();
          }, delay);
        });
      }
    }
  }

  function noteRate(stored: number): void {
    const now = Date.now();
    rateWindow.push({ atMs: now, stored });
    while (rateWindow.length > 0 && rateWindow[0].atMs < now - 5_000) rateWindow.shift();
  }

  function release(waiters: (() => void)[], replace: (list: (() => void)[]) => void): void {
    replace([]);
    for (const resolve of waiters) resolve();
  }

  function flush(): Promise<void> {
    if (queued === 0 && writing === null) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  async function close(): Promise<void> {
    closed = true;
    if (lingerTimer !== null) {
      clearTimeout(lingerTimer);
      lingerTimer = null;
      schedule();
    }
    await flush();
    release(roomWaiters, (list) => (roomWaiters = list));
  }

  function stats(): IngestStats {
    const now = Date.now();
    const recent = rateWindow.filter((entry) => entry.atMs >= now - 5_000);
    const storedRecently = recent.reduce((sum, entry) => sum + entry.stored, 0);
    return {
      queued,
      capacity,
      ...totals,
      storedPerSecond: storedRecently / 5,
    };
  }

  return { push, ready, stats, flush, close };
}
