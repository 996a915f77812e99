/** Waiting that an `AbortSignal` can cut short, so that stopping a feed never leaves a timer behind. */

/**
 * Resolves after `ms` milliseconds, or as soon as `signal` aborts (it resolves, not rejects, so
 * that callers check their own stop condition after every wait).
 */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, ms));
    signal?.addEventListener("abort", finish, { once: true });
  });
}
