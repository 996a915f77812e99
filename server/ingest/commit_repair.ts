/**
 * Live trades are committed without waiting for the WAL flush (`openPostgres` in
 * `store/database.ts`), so a database that crashes may lose the newest of them after they were
 * delivered. Those are always the last ones committed before the crash, and the crash always
 * closes the ingest connection: the trades stored in the last `windowMs` before it closes are
 * written again, until the database takes them. What it kept stays as it is (a trade is stored
 * once); what it lost is stored again, with its bars. They are not published again: subscribers,
 * live bars and alerts had them already.
 */
import type { Trade } from "../domain.ts";

export interface CommitRepairOptions {
  /** How far back a crash may have lost commits, milliseconds. Default 5,000 (8 × PostgreSQL's 0.6 s). */
  windowMs?: number;
  /** Wait between attempts while the database is away, milliseconds. Default 1,000. */
  retryMs?: number;
  /** Called after a repair with the trades the database had lost (often none) and stored again. */
  onRepaired?: (restored: Trade[], written: number) => void;
  /** Called when a repair write fails (`attempt` 1, 2, ...); it is tried again. */
  onError?: (error: unknown, attempt: number) => void;
  /** Milliseconds now; injected by tests. */
  now?: () => number;
}

export interface CommitRepair {
  /** Trades just committed by a live write. */
  stored(trades: Trade[]): void;
  /** The ingest connection closed: what it committed in the last `windowMs` is written again. */
  connectionClosed(): void;
  /** Stops retrying and waits for a write in progress. */
  close(): Promise<void>;
  /** Trades waiting to be written again, or being written. */
  pending(): number;
}

export function createCommitRepair(
  write: (trades: Trade[]) => Promise<Trade[]>,
  options: CommitRepairOptions = {},
): CommitRepair {
  const windowMs = options.windowMs ?? 5_000;
  const retryMs = options.retryMs ?? 1_000;
  const now = options.now ?? Date.now;
  let recent: { atMs: number; trades: Trade[] }[] = [];
  let waiting: Trade[][] = [];
  let writing = 0;
  let running: Promise<void> | null = null;
  let closed = false;
  let wake: (() => void) | null = null;

  function stored(trades: Trade[]): void {
    if (closed || trades.length === 0) return;
    const atMs = now();
    recent.push({ atMs, trades });
    let old = 0;
    while (old < recent.length && recent[old].atMs < atMs - windowMs) old++;
    if (old > 0) recent = recent.slice(old);
  }

  function connectionClosed(): void {
    if (closed) return;
    const since = now() - windowMs;
    for (const entry of recent) if (entry.atMs >= since) waiting.push(entry.trades);
    recent = [];
    if (waiting.length > 0) running ??= run().finally(() => (running = null));
  }

  async function run(): Promise<void> {
    let attempt = 0;
    while (!closed && waiting.length > 0) {
      const batches = waiting;
      waiting = [];
      const trades = batches.flat();
      writing = trades.length;
      try {
        const restored = await write(trades);
        writing = 0;
        attempt = 0;
        options.onRepaired?.(restored, trades.length);
      } catch (error) {
        writing = 0;
        waiting = batches.concat(waiting);
        options.onError?.(error, ++attempt);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  }

  async function close(): Promise<void> {
    closed = true;
    wake?.();
    await running;
  }

  return {
    stored,
    connectionClosed,
    close,
    pending: () => writing + waiting.reduce((sum, batch) => sum + batch.length, 0),
  };
}
