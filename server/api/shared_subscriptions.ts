/**
 * Live events executed and serialised once per distinct operation, not once per subscriber.
 * Dashboards subscribe with the same few documents and variables, so without this 100 subscribers
 * of BTCUSDT trades would run the same GraphQL execution, and build the same JSON, 100 times for
 * every trade: at thousands of trades a second that is most of the server's time.
 *
 * - `useSharedSubscriptionExecution()`, a Yoga plugin, maps each subscription's source events to
 *   results itself (as graphql-js does) but keeps, for each event object, the result of each
 *   distinct operation: its document text, operation name and variables. An event published to many
 *   subscribers is one object, so they get one and the same result.
 * - `deliverDirectly()` sends each result as the graphql-ws `next` message of one subscription,
 *   serialising a shared result once for all of them.
 *
 * Sharing is sound because the fields of subscription payloads (Trade, Bar, AlertEvent, ImportJob,
 * PairPoint) read only the event and the operation's arguments, never the context of who asks;
 * access is checked when the subscription starts.
 */
import {
  createSourceEventStream,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  getOperationAST,
} from "graphql";
import type { Plugin } from "graphql-yoga";

type MaybePromise<T> = T | Promise<T>;

export function useSharedSubscriptionExecution(): Plugin {
  const resultsByEvent = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        const operation = operationKey(args);
        return mapEvents(source, (event) => {
          if (event === null || typeof event !== "object") {
            return execute({ ...args, rootValue: event });
          }
          let byOperation = resultsByEvent.get(event);
          if (byOperation === undefined) {
            byOperation = new Map();
            resultsByEvent.set(event, byOperation);
          }
          let result = byOperation.get(operation);
          if (result === undefined) {
            result = execute({ ...args, rootValue: event });
            byOperation.set(operation, result);
          }
          return result;
        });
      });
    },
  };
}

/** What makes two subscriptions answer an event alike: document, operation name and variables. */
function operationKey(args: ExecutionArgs): string {
  const operation = getOperationAST(args.document, args.operationName);
  const text = args.document.loc?.source.body ?? JSON.stringify(args.document);
  return `${operation?.name?.value ?? ""}\u0000${
    JSON.stringify(args.variableValues ?? {})
  }\u0000${text}`;
}

/** `source` with each value mapped; ending it ends the source. */
function mapEvents<T, R>(
  source: AsyncIterable<T>,
  map: (value: T) => MaybePromise<R>,
): AsyncIterableIterator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<R> = {
    async next() {
      const step = await iterator.next();
      if (step.done) return { done: true, value: undefined };
      return { done: false, value: await map(step.value) };
    },
    async return() {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}

/** The `payload` JSON of a graphql-ws `next` message, once per result object. */
const payloadTexts = new WeakMap<ExecutionResult, string>();

function payloadText(result: ExecutionResult): string {
  let text = payloadTexts.get(result);
  if (text === undefined) {
    const { errors, ...rest } = result;
    text = JSON.stringify(errors ? { ...rest, errors: errors.map((e) => e.toJSON()) } : rest);
    payloadTexts.set(result, text);
  }
  return text;
}

/**
 * Sends every result of a subscription as its graphql-ws `next` message through `send`, and
 * yields nothing itself: graphql-ws still sees the operation run, end (then it sends `complete`)
 * or fail (then it sends `error`), and ends it when the client completes it.
 */
export function deliverDirectly(
  results: AsyncIterable<ExecutionResult>,
  id: string,
  send: (message: string) => void,
): AsyncGenerator<never, void, unknown> {
  const iterator = results[Symbol.asyncIterator]();
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  let running: Promise<IteratorResult<never, void>> | null = null;
  let ended = false;
  const run = async (): Promise<IteratorResult<never, void>> => {
    while (true) {
      const step = await iterator.next();
      // A result that arrives while the operation is being ended is not sent.
      if (step.done || ended) return { done: true, value: undefined };
      send(`${prefix}${payloadText(step.value)}}`);
    }
  };
  const end = async () => {
    ended = true;
    await iterator.return?.();
  };
  const delivery: AsyncGenerator<never, void, unknown> = {
    next: () => (running ??= run()),
    async return() {
      await end();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]: () => delivery,
    [Symbol.asyncDispose]: end,
  };
  return delivery;
}

export function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof Object(value)[Symbol.asyncIterator] === "function";
}
