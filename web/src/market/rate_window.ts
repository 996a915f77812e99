/**
 * Events per second over a sliding window (trades per second in the market view): counts are kept
 * per whole second, so memory is bounded by the window length whatever the event rate.
 */

export interface RateWindow {
  /** Records `count` events at `timeMs`. */
  add(timeMs: number, count?: number): void;
  /** Events per second over the window ending at `nowMs`. */
  rate(nowMs: number): number;
  clear(): void;
}

/** `windowSeconds` whole seconds; default 10. */
export function createRateWindow(options: { windowSeconds?: number } = {}): RateWindow {
  const windowSeconds = options.windowSeconds ?? 10;
  const counts = new Map<number, number>();

  function forgetBefore(second: number) {
    for (const key of counts.keys()) if (key < second) counts.delete(key);
  }

  return {
    add(timeMs, count = 1) {
      const second = Math.floor(timeMs / 1000);
      counts.set(second, (counts.get(second) ?? 0) + count);
      forgetBefore(second - windowSeconds);
    },
    rate(nowMs) {
      const now = Math.floor(nowMs / 1000);
      forgetBefore(now - windowSeconds + 1);
      let total = 0;
      for (const [second, count] of counts) if (second <= now) total += count;
      return total / windowSeconds;
    },
    clear() {
      counts.clear();
    },
  };
}
