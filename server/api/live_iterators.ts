/**
 * Shapes of live streams for subscriptions, written as plain iterators rather than async
 * generators: a generator that waits for its source cannot be ended until the source yields, so a
 * client leaving a quiet instrument would keep its pubsub queue until that instrument's next trade,
 * possibly hours later. These end their source the moment they are ended.
 */

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Each kept item of each batch of `batches`, in order. */
export function flattenBatches<T>(
  batches: AsyncIterator<readonly T[]>,
  keep: (item: T) => boolean,
): AsyncIterableIterator<T> {
  let batch: readonly T[] = [];
  let at = 0;
  let ended = false;
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    ended = true;
    batch = [];
    await batches.return?.();
    return DONE;
  };
  const flattened: AsyncIterableIterator<T> = {
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
  return flattened;
}

/** `snapshot` first (when there is one), then every item of `updates`. */
export function withSnapshot<T>(
  snapshot: T | null,
  updates: AsyncIterator<T>,
): AsyncIterableIterator<T> {
  let first = snapshot;
  const end = async (): Promise<IteratorReturnResult<undefined>> => {
    first = null;
    await updates.return?.();
    return DONE;
  };
  const stream: AsyncIterableIterator<T> = {
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
  return stream;
}
