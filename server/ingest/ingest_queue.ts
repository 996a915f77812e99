/**
 * The bounded queue between the feeds and the database.
 *
 * Feeds push trades without waiting; writers drain the queue in batches (up to `maxBatch` trades, a
 * write starting as soon as a slot is free). Only a writer that was idle lingers `lingerMs` to gather
 * more; trades that arrived during a write go out in the next one as soon as it ends. When
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
  /**
   * How long an idle writer waits for more trades after the first arrives, milliseconds. Default 2.
   * Never applied after a write: what arrived meanwhile is written at once.
   */
  lingerMs?: number;
  /** Trades the queue holds before it asks feeds to pause. Default 500,000. */
  capacity?: number;
  /** First retry delay after a failed write, milliseconds; doubles up to `maxRetryDelayMs`. Default 100. */
  retryDelayMs?: number;
  /** Default 5,000. */
  maxRetryDelayMs?: number;
  /**
   * Writes in flight at once. Default 1. With more, the next batch is serialised while the database
   * stores the previous one (PostgreSQL runs them on separate connections); stored trades are still
   * handed to `onStored` in push order.
   */
  concurrency?: number;
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
  /**
   * Resolves once every trade pushed so far has been written (or found stored already). Unlike
   * `flush`, trades pushed later do not delay it, so it resolves under a queue that is never empty.
   */
  written(): Promise<void>;
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

  const concurrency = options.concurrency ?? 1;
  // Pushed chunks not yet taken by a write: `chunks[headChunk..]`, the first of them consumed from
  // `headOffset`. Taken chunks are dropped in bulk, not one `shift` each: with a backlog of
  // hundreds of thousands of one-trade chunks, each shift would move the whole array.
  let chunks: Trade[][] = [];
  let headChunk = 0;
  let headOffset = 0;
  const waitingChunks = () => chunks.length - headChunk;
  /** Trades pushed and not yet written (waiting or in flight). */
  let queued = 0;
  let closed = false;
  let lingerTimer: ReturnType<typeof setTimeout> | null = null;
  let roomWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  /** Trades pushed, and trades written, since the start: `written()` waits for the second to catch up. */
  let pushedTotal = 0;
  let settledTotal = 0;
  const writtenWaiters: { pushed: number; resolve: () => void }[] = [];
  const rateWindow: { atMs: number; stored: number }[] = [];
  const totals = {
    stored: 0,
    duplicates: 0,
    writes: 0,
    failedWrites: 0,
    retrying: false,
    lastError: null as string | null,
  };
  /** Writes in flight, oldest first; results are handed on strictly in this order. */
  const inFlight: { batch: Trade[]; stored: Trade[] | null }[] = [];

  function push(trades: Trade[]): boolean {
    if (closed) throw new Error("The ingest queue is closed; no more trades can be accepted");
    if (trades.length > 0) {
      chunks.push(trades);
      queued += trades.length;
      pushedTotal += trades.length;
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
    while (batch.length < maxBatch && waitingChunks() > 0) {
      const head = chunks[headChunk];
      const take = Math.min(maxBatch - batch.length, head.length - headOffset);
      for (let i = 0; i < take; i++) batch.push(head[headOffset + i]);
      headOffset += take;
      if (headOffset === head.length) {
        headChunk++;
        headOffset = 0;
      }
    }
    if (waitingChunks() === 0) {
      chunks = [];
      headChunk = 0;
    } else if (headChunk > 1024 && headChunk * 2 > chunks.length) {
      chunks = chunks.slice(headChunk);
      headChunk = 0;
    }
    return batch;
  }

  /** Starts writes while there are trades waiting and a free slot; lingers when idle. */
  function schedule(): void {
    if (waitingChunks() === 0 || inFlight.length >= concurrency) return;
    if (inFlight.length === 0 && !closed && lingerMs > 0) {
      if (lingerTimer !== null) return;
      lingerTimer = setTimeout(() => {
        lingerTimer = null;
        startWrites();
      }, lingerMs);
      return;
    }
    startWrites();
  }

  function startWrites(): void {
    while (waitingChunks() > 0 && inFlight.length < concurrency) {
      const entry: { batch: Trade[]; stored: Trade[] | null } = {
        batch: takeBatch(),
        stored: null,
      };
      inFlight.push(entry);
      writeUntilStored(entry.batch).then((stored) => {
        entry.stored = stored;
        settle();
      });
    }
  }

  /** Hands on finished writes in the order they were started, then starts more. */
  function settle(): void {
    while (inFlight.length > 0 && inFlight[0].stored !== null) {
      const { batch, stored } = inFlight.shift()! as { batch: Trade[]; stored: Trade[] };
      totals.stored += stored.length;
      totals.duplicates += batch.length - stored.length;
      queued -= batch.length;
      settledTotal += batch.length;
      noteRate(stored.length);
      if (queued < capacity) release(roomWaiters, (list) => (roomWaiters = list));
      if (stored.length > 0) {
        try {
          options.onStored?.(stored);
        } catch (error) {
          options.onWriteError?.(error, 0);
        }
      }
    }
    // Waiters are in push order: those due are a prefix.
    let due = 0;
    while (due < writtenWaiters.length && writtenWaiters[due].pushed <= settledTotal) due++;
    for (const waiter of writtenWaiters.splice(0, due)) waiter.resolve();
    // Trades that arrived during the write have waited for it already: no lingering for more.
    startWrites();
    if (queued === 0 && inFlight.length === 0) release(idleWaiters, (list) => (idleWaiters = list));
  }

  /** Retries one batch with capped backoff until the database takes it. */
  async function writeUntilStored(batch: Trade[]): Promise<Trade[]> {
    for (let attempt = 1;; attempt++) {
      try {
        const stored = await write(batch);
        totals.writes += 1;
        totals.retrying = false;
        return stored;
      } catch (error) {
        totals.failedWrites += 1;
        totals.retrying = true;
        totals.lastError = error instanceof Error ? error.message : String(error);
        options.onWriteError?.(error, attempt);
        const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, delay));
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
    if (queued === 0 && inFlight.length === 0) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  function written(): Promise<void> {
    if (settledTotal >= pushedTotal) return Promise.resolve();
    return new Promise((resolve) => writtenWaiters.push({ pushed: pushedTotal, resolve }));
  }

  async function close(): Promise<void> {
    closed = true;
    if (lingerTimer !== null) {
      clearTimeout(lingerTimer);
      lingerTimer = null;
    }
    startWrites();
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

  return { push, ready, stats, flush, written, close };
}
