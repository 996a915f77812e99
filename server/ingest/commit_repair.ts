/**
 * Live trades are committed without waiting for the WAL flush (`openPostgres` in
 * `store/database.ts`), so a database that crashes may lose the newest of them after they were
 * delivered. Those are always the last ones committed before the crash, and the crash always
 * closes the ingest connection: the trades stored in the last `windowMs` before it closed are
 * written again before the next live write, so nothing newer is stored above a hole. What the
 * database kept stays as it is (a trade is stored once); what it lost is stored again, with its
 * bars. They are not published again: subscribers, live bars and alerts had them already.
 *
 * Should this server stop before that next write, nothing is stored above the lost trades: its
 * restart resumes after the newest stored trade and backfills them from the exchange.
 */
import type { Trade } from "../domain.ts";

export interface CommitRepairOptions {
  /** How far back a crash may have lost commits, milliseconds. Default 5,000 (8 × PostgreSQL's 0.6 s). */
  windowMs?: number;
  /** Called after a repair with the trades the database had lost (often none) and stored again. */
  onRepaired?: (restored: Trade[], written: number) => void;
  /** Milliseconds now; injected by tests. */
  now?: () => number;
}

export interface CommitRepair {
  /** Trades just committed by a live write. */
  stored(trades: Trade[]): void;
  /** The ingest connection closed: what it committed in the last `windowMs` is to be written again. */
  connectionClosed(): void;
  /**
   * Writes what a closed connection may have lost, if anything; called before each live write.
   * Throws when the database does not take it (then it is kept for the next call).
   */
  writeLost(): Promise<void>;
  /** Trades waiting to be written again. */
  pending(): number;
}

export function createCommitRepair(
  write: (trades: Trade[]) => Promise<Trade[]>,
  options: CommitRepairOptions = {},
): CommitRepair {
  const windowMs = options.windowMs ?? 5_000;
  const now = options.now ?? Date.now;
  let recent: { atMs: number; trades: Trade[] }[] = [];
  let lost: Trade[][] = [];

  function stored(trades: Trade[]): void {
    if (trades.length === 0) return;
    const atMs = now();
    recent.push({ atMs, trades });
    let old = 0;
    while (old < recent.length && recent[old].atMs < atMs - windowMs) old++;
    if (old > 0) recent = recent.slice(old);
  }

  function connectionClosed(): void {
    const since = now() - windowMs;
    for (const entry of recent) if (entry.atMs >= since) lost.push(entry.trades);
    recent = [];
  }

  async function writeLost(): Promise<void> {
    if (lost.length === 0) return;
    const batches = lost;
    lost = [];
    const trades = batches.flat();
    let restored: Trade[];
    try {
      restored = await write(trades);
    } catch (error) {
      // Kept, ahead of what a close during the write added.
      lost = batches.concat(lost);
      throw error;
    }
    options.onRepaired?.(restored, trades.length);
  }

  return {
    stored,
    connectionClosed,
    writeLost,
    pending: () => lost.reduce((sum, batch) => sum + batch.length, 0),
  };
}
