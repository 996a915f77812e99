/**
 * A time-ordered list that live updates keep current: an item of a time already held replaces it
 * (the forming bar or pair point moved), a newer one is appended, and the oldest are dropped past a
 * cap so that memory stays flat however long the page stays open.
 */

export interface Timed {
  /** Bucket start, ms since the epoch. */
  time: number;
}

/**
 * `items` with `update` folded in, as a new array of at most `cap` items. An update older than the
 * newest item replaces the item of its time when one is held (a late correction) and is dropped
 * otherwise. O(n) for the copy; O(log n) to find an older time.
 */
export function mergeByTime<T extends Timed>(items: readonly T[], update: T, cap: number): T[] {
  const last = items.at(-1);
  if (last === undefined || update.time > last.time) return keepNewest([...items, update], cap);
  const index = indexOfTime(items, update.time);
  if (index < 0) return items as T[];
  const next = items.slice();
  next[index] = update;
  return next;
}

/** History and the live updates that arrived while it loaded, merged and capped. */
export function mergeAllByTime<T extends Timed>(
  history: readonly T[],
  updates: readonly T[],
  cap: number,
): T[] {
  let items = keepNewest(history.slice(), cap);
  for (const update of updates) items = mergeByTime(items, update, cap);
  return items;
}

/** The newest `cap` items (all when there are fewer). */
export function keepNewest<T>(items: T[], cap: number): T[] {
  return items.length > cap ? items.slice(items.length - cap) : items;
}

function indexOfTime(items: readonly Timed[], time: number): number {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const at = items[middle].time;
    if (at === time) return middle;
    if (at < time) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
