/**
 * Reconnection delays that grow exponentially, are capped, carry random jitter so that many clients
 * do not reconnect in step, and start again from the shortest delay after a healthy connection.
 */

export interface BackoffOptions {
  /** Delay before the first retry, milliseconds. Default 500. */
  initialMs?: number;
  /** Largest delay, milliseconds. Default 30,000. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  multiplier?: number;
  /** Fraction of the delay that is random, 0..1. Default 0.5. */
  jitter?: number;
  /** Uniform random numbers in [0, 1). Default `Math.random`; inject a fixed source in tests. */
  random?: () => number;
}

export interface Backoff {
  /** The delay before the next attempt, milliseconds; each call counts one more failed attempt. */
  next(): number;
  /** Forget the failures: the next delay is the initial one again. */
  reset(): void;
  /** Failed attempts since the last reset. */
  readonly attempts: number;
}

/**
 * Attempt n (from 0) waits a delay drawn uniformly from [(1 - jitter) * d, d] with
 * d = min(maxMs, initialMs * multiplier^n): the "equal jitter" scheme of M. Brooker,
 * "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? 0.5;
  const random = options.random ?? Math.random;
  if (!(initialMs > 0) || !(maxMs >= initialMs)) {
    throw new RangeError(
      `Backoff needs 0 < initialMs <= maxMs, got initialMs=${initialMs}, maxMs=${maxMs}`,
    );
  }
  if (!(multiplier >= 1)) {
    throw new RangeError(`Backoff multiplier must be >= 1, got ${multiplier}`);
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`Backoff jitter must be in [0, 1], got ${jitter}`);
  }
  let attempts = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * multiplier ** attempts);
      attempts++;
      return ceiling * (1 - jitter * random());
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
