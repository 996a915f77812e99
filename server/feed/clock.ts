/** The receipt clock of the feeds. */

/** Microseconds since the epoch, with sub-millisecond resolution from `performance.now()`. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
