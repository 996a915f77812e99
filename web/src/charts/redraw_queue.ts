/**
 * When a chart redraws as its data changes: on the next animation frame after a change, with
 * everything that changed meanwhile folded into that one redraw, never while the previous redraw
 * is still drawing, and never sooner than the previous redraw allows: `minIntervalMs` after it
 * started, and long enough after it that redrawing takes at most `maxDrawShare` of the time.
 *
 * The frame makes a change show in the paint that follows it instead of waiting on a timer. The
 * interval and the share are what the tab pays at most when data moves on every trade, however
 * fast trades come: the share adapts the rate to what a redraw costs on this machine (a slower
 * one redraws less often instead of falling behind). A hidden tab gets no frames, so it draws
 * nothing until shown, then once with the newest data.
 */

export interface RedrawQueue {
  /** Runs `job` as the next redraw of its `kind`, replacing one of that kind not yet run. */
  schedule(kind: string, job: () => Promise<unknown>): void;
  /** Drops what is pending; nothing runs after this. */
  cancel(): void;
}

export interface RedrawQueueOptions {
  /** Fewest ms from the start of one redraw to the start of the next. Default 0. */
  minIntervalMs?: number;
  /**
   * Largest share of the time spent redrawing, in (0, 1]: when redraws take `d` ms, each is
   * followed by the next no sooner than `d / maxDrawShare` ms after it started. `d` is a moving
   * average (the newest redraw weighs a fifth), so that one slow redraw, such as ApexCharts laying
   * out its axes again, does not hold back the next. Default 1 (back to back).
   */
  maxDrawShare?: number;
  /** Default `performance.now`. */
  now?: () => number;
}

/** `nextFrame` calls back before the next paint: `requestAnimationFrame` in a page. */
export function createRedrawQueue(
  nextFrame: (callback: () => void) => void,
  options: RedrawQueueOptions = {},
): RedrawQueue {
  const minIntervalMs = options.minIntervalMs ?? 0;
  const maxDrawShare = options.maxDrawShare ?? 1;
  if (!(maxDrawShare > 0 && maxDrawShare <= 1)) {
    throw new RangeError(`maxDrawShare must be in (0, 1], not ${maxDrawShare}`);
  }
  const now = options.now ?? (() => performance.now());
  const pending = new Map<string, () => Promise<unknown>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waitingForFrame = false;
  let drawing = false;
  let cancelled = false;
  let lastStart = -Infinity;
  let typicalDuration = 0;

  function arm() {
    if (timer !== undefined || waitingForFrame || drawing || cancelled || pending.size === 0) {
      return;
    }
    const wait = lastStart + Math.max(minIntervalMs, typicalDuration / maxDrawShare) - now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        arm();
      }, wait);
      return;
    }
    waitingForFrame = true;
    nextFrame(flush);
  }

  async function flush() {
    waitingForFrame = false;
    if (cancelled) return;
    lastStart = now();
    const jobs = [...pending.values()];
    pending.clear();
    drawing = true;
    try {
      await Promise.all(jobs.map((job) => job()));
    } finally {
      const duration = now() - lastStart;
      typicalDuration = typicalDuration === 0
        ? duration
        : typicalDuration + (duration - typicalDuration) / 5;
      drawing = false;
      arm();
    }
  }

  return {
    schedule(kind, job) {
      if (cancelled) return;
      pending.set(kind, job);
      arm();
    },
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      timer = undefined;
      pending.clear();
    },
  };
}
