/**
 * Shapes of live streams for subscriptions, written as plain iterators rather than async
 * generators: a generator that waits for its source cannot be ended until the source yields, so a
 * client leaving a quiet instrument would keep its pubsub queue until that instrument's next trade,
 * possibly hours later. These end their source the moment they are ended.
 *
 * A live stream may also be *pushed* (`PUSH`): instead of being pulled one item at a time through
 * promises, it hands each item to a function the moment it is published. A socket's subscription
 * is delivered that way (`shared_subscriptions.ts`): at thousands of trades a second to hundreds of
 * subscribers, a promise and a queue per item and subscriber would be most of the server's work.
 */

/**
 * Switches a live stream to pushing: `sink` receives every item not yet taken (queued ones first,
 * in order), synchronously as it is published, until the stream is ended with `return()`; `next()`
 * may no longer be called. A stream that fails after that (a computation that could not start)
 * tells `fail`, once, and sends nothing more. Throws when the stream failed already. A stream has
 * it when its source has it.
 */
export const PUSH: unique symbol = Symbol("push");

export interface Pushable<T> {
  [PUSH](sink: (item: T) => void, fail: (error: unknown) => void): void;
}

export function isPushable<T>(value: unknown): value is Pushable<T> {
  return typeof (value as Partial<Pushable<T>> | null)?.[PUSH] === "function";
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Each kept item of each batch of `batches`, in order. */
export function flattenBatches<T>(
  batches: AsyncIterator<readonly T[]>,
  keep: (item: T) => boolean,
): AsyncIterableIterator<T> & Partial<Pushable<T>> {
  let batch: readonly T[] = [];
  let at = 0;
  let ended = false;
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    ended = true;
    batch = [];
    await batches.return?.();
    return DONE;
  };
  const flattened: AsyncIterableIterator<T> & Partial<Pushable<T>> = {
    async next() {
      while (!ended) {
        while (at < batch.length) {
          const item = batch[at++];
          if (keep(item)) return { done: false, value: item };
        }
        const step = await batches.next();
        if (step.done) ended = true;
        else {
          batch = step.value;
          at = 0;
        }
      }
      return DONE;
    },
    return: end,
    async throw(error?: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]: () => flattened,
  };
  if (isPushable<readonly T[]>(batches)) {
    flattened[PUSH] = (sink, fail) => {
      const each = (items: readonly T[], from: number) => {
        for (let i = from; i < items.length; i++) if (keep(items[i])) sink(items[i]);
      };
      const rest = batch;
      batch = [];
      each(rest, at);
      batches[PUSH]((items) => each(items, 0), fail);
    };
  }
  return flattened;
}

/** `snapshot` first (when there is one), then every item of `updates`. */
export function withSnapshot<T>(
  snapshot: T | null,
  updates: AsyncIterator<T>,
): AsyncIterableIterator<T> & Partial<Pushable<T>> {
  let first = snapshot;
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    first = null;
    await updates.return?.();
    return DONE;
  };
  const stream: AsyncIterableIterator<T> & Partial<Pushable<T>> = {
    next() {
      if (first === null) return updates.next();
      const value = first;
      first = null;
      return Promise.resolve({ done: false, value });
    },
    return: end,
    async throw(error?: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]: () => stream,
  };
  if (isPushable<T>(updates)) {
    stream[PUSH] = (sink, fail) => {
      const value = first;
      first = null;
      if (value !== null) sink(value);
      updates[PUSH](sink, fail);
    };
  }
  return stream;
}
