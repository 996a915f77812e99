/**
 * Makes the feed's unrecoverable gaps durable. The feed keeps the gaps it found in memory
 * (`Feed.gaps()`); the recorder writes each new one to the database, in order, and keeps retrying
 * the ones a failed write left behind, so a gap found while the database is down is stored once it
 * is back and survives a restart.
 */
import type { DataGap } from "../feed/feed.ts";

export interface GapRecorderOptions {
  /** Told about a failed write (the gap stays pending and is written on a later poll). */
  onWriteError?: (error: unknown) => void;
}

export interface GapRecorderStats {
  /** Gaps written since start. */
  recorded: number;
  /** Gaps found and not written yet (database unavailable). */
  unsaved: number;
  lastError: string | null;
}

export interface GapRecorder {
  /** Takes the gaps found since the last poll and writes what is pending. */
  poll(): Promise<void>;
  stats(): GapRecorderStats;
}

export function createGapRecorder(
  found: () => readonly DataGap[],
  write: (gap: DataGap) => Promise<void>,
  options: GapRecorderOptions = {},
): GapRecorder {
  const pending: DataGap[] = [];
  const state = { taken: 0, recorded: 0, lastError: null as string | null };
  let writing: Promise<void> | null = null;

  async function writePending(): Promise<void> {
    while (pending.length > 0) {
      try {
        await write(pending[0]);
      } catch (error) {
        state.lastError = error instanceof Error ? error.message : String(error);
        options.onWriteError?.(error);
        return;
      }
      pending.shift();
      state.recorded++;
      state.lastError = null;
    }
  }

  return {
    poll() {
      const all = found();
      for (; state.taken < all.length; state.taken++) pending.push(all[state.taken]);
      writing ??= writePending().finally(() => (writing = null));
      return writing;
    },
    stats: () => ({
      recorded: state.recorded,
      unsaved: pending.length,
      lastError: state.lastError,
    }),
  };
}
