/**
 * Live events executed and serialised once per distinct operation, not once per subscriber, and
 * sent to sockets without a queue per subscriber. Dashboards subscribe with the same few documents
 * and variables, so without this 100 subscribers of BTCUSDT trades would run the same GraphQL
 * execution, and build the same JSON, 100 times for every trade: at thousands of trades a second
 * that is most of the server's time.
 *
 * - `useSharedSubscriptionExecution()`, a Yoga plugin, maps each subscription's source events to
 *   results itself, with the operation compiled once (graphql-jit, as queries are), and keeps, for
 *   each event object, the result of each distinct operation: its document text, operation name and
 *   variables. An event published to many subscribers is one object, so they get one and the same
 *   result.
 * - An operation started on a socket (its root value a `SocketDelivery`) whose source can be pushed
 *   (`PUSH`, `live_iterators.ts`) is sent as each event is published: the source calls the socket's
 *   `send` with the `next` message, and the iterator handed to graphql-ws yields nothing; it only
 *   ends, or fails, with the operation. The socket's bounded send buffer stands in for the queue.
 * - `deliverDirectly()` sends the results of the other operations (pulled one by one) as the
 *   graphql-ws `next` messages of their subscription, serialising a shared result once for all.
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
import { compileQuery, isCompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";
import { isPushable, PUSH, type Pushable } from "./live_iterators.ts";

type MaybePromise<T> = T | Promise<T>;

/** Where an operation started on a socket sends its `next` messages. */
export interface SocketDelivery {
  /** The operation's graphql-ws id. */
  id: string;
  send(message: string): void;
}

/** Compiled operations kept, by document and operation name. */
const MAX_COMPILED = 500;

export function useSharedSubscriptionExecution(): Plugin {
  const compiled = new Map<
    string,
    (args: ExecutionArgs, event: unknown) => MaybePromise<ExecutionResult>
  >();

  /** The operation as a function of one event: compiled once, or graphql-js where it cannot be. */
  function executorFor(args: ExecutionArgs, documentKey: string) {
    let run = compiled.get(documentKey);
    if (run === undefined) {
      const query = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      run = isCompiledQuery(query)
        ? (args, event) =>
          query.query(event, args.contextValue, args.variableValues ?? {}) as MaybePromise<
            ExecutionResult
          >
        : (args, event) => execute({ ...args, rootValue: event });
      if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
      compiled.set(documentKey, run);
    }
    return run;
  }

  // Results shared by the sockets an event is pushed to. They all receive it while it is being
  // published, in one run of code, so the results are dropped right after: a long-lived table of
  // events (a WeakMap) would make each collection of the heap slower.
  let pushedResults = new Map<object, Map<string, SharedResult>>();
  const dropPushedResults = () => (pushedResults = new Map());
  // Results of pulled subscriptions, taken at each subscriber's pace.
  const pulledResults = new WeakMap<object, Map<string, SharedResult>>();

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source;
        const documentKey = documentKeyOf(args);
        const operation = `${JSON.stringify(args.variableValues ?? {})}\u0000${documentKey}`;
        const run = executorFor(args, documentKey);
        const sharedOf = (event: unknown, pushed: boolean): SharedResult => {
          if (event === null || typeof event !== "object") return { result: run(args, event) };
          let byOperation = pushed ? pushedResults.get(event) : pulledResults.get(event);
          if (byOperation === undefined) {
            byOperation = new Map();
            if (!pushed) pulledResults.set(event, byOperation);
            else {
              if (pushedResults.size === 0) queueMicrotask(dropPushedResults);
              pushedResults.set(event, byOperation);
            }
          }
          let shared = byOperation.get(operation);
          if (shared === undefined) {
            shared = { result: run(args, event) };
            byOperation.set(operation, shared);
          }
          return shared;
        };
        const socket = socketDeliveryOf(args.rootValue);
        const events = source[Symbol.asyncIterator]();
        if (socket !== null && isPushable(events)) {
          return pushToSocket(events, (event) => sharedOf(event, true), socket);
        }
        return mapEvents(events, (event) => sharedOf(event, false).result);
      });
    },
  };
}

/** One operation's result for one event, and its JSON once a socket has been sent it. */
interface SharedResult {
  result: MaybePromise<ExecutionResult>;
  payload?: string;
}

/** The operation's name and document text: with the variables, what makes two operations alike. */
function documentKeyOf(args: ExecutionArgs): string {
  const operation = getOperationAST(args.document, args.operationName);
  const text = args.document.loc?.source.body ?? JSON.stringify(args.document);
  return `${operation?.name?.value ?? ""}\u0000${text}`;
}

function socketDeliveryOf(root: unknown): SocketDelivery | null {
  const candidate = root as Partial<SocketDelivery> | null;
  return typeof candidate?.id === "string" && typeof candidate.send === "function"
    ? candidate as SocketDelivery
    : null;
}

/**
 * Sends the result of each event of `source` to the socket as it is published. The iterator
 * returned yields nothing: its `next()` settles when the operation ends (done) or fails (rejected),
 * and `return()` ends it. Results that are promises are sent in order, after those before them.
 */
function pushToSocket<T>(
  source: AsyncIterator<T> & Pushable<T>,
  sharedOf: (event: T) => SharedResult,
  socket: SocketDelivery,
): AsyncIterableIterator<ExecutionResult> {
  const prefix = nextPrefix(socket.id);
  let started = false;
  let ended = false;
  let settle: {
    resolve: (step: IteratorResult<ExecutionResult>) => void;
    reject: (error: unknown) => void;
  } | null = null;
  let failure: unknown = null;
  /** The last result still being computed; later ones are sent after it. */
  let pending: Promise<void> | null = null;

  const deliver = (shared: SharedResult, result: ExecutionResult) => {
    if (!ended) socket.send(`${prefix}${(shared.payload ??= payloadJson(result))}}`);
  };
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    failure = error ?? null;
    source.return?.()?.catch(() => {});
    if (settle !== null) {
      if (error === undefined) settle.resolve({ done: true, value: undefined });
      else settle.reject(error);
      settle = null;
    }
  };
  const sink = (event: T) => {
    if (ended) return;
    try {
      const shared = sharedOf(event);
      const result = shared.result;
      if (pending === null && !(result instanceof Promise)) return deliver(shared, result);
      const sent: Promise<void> = (pending ?? Promise.resolve()).then(() => result).then((
        result,
      ) => deliver(shared, result));
      pending = sent;
      sent.then(() => {
        if (pending === sent) pending = null;
      }, end);
    } catch (error) {
      end(error);
    }
  };
  const pushed: AsyncIterableIterator<ExecutionResult> = {
    next() {
      if (ended) {
        return failure === null
          ? Promise.resolve({ done: true, value: undefined })
          : Promise.reject(failure);
      }
      const step = new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
        settle = { resolve, reject };
      });
      if (!started) {
        started = true;
        try {
          source[PUSH](sink, end);
        } catch (error) {
          end(error);
        }
      }
      return step;
    },
    return() {
      end();
      return Promise.resolve({ done: true, value: undefined });
    },
    throw(error?: unknown) {
      end();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]: () => pushed,
  };
  return pushed;
}

/** `source` with each value mapped; ending it ends the source. */
function mapEvents<T, R>(
  iterator: AsyncIterator<T>,
  map: (value: T) => MaybePromise<R>,
): AsyncIterableIterator<R> {
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

function nextPrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":`;
}

/** The `payload` JSON of a graphql-ws `next` message, once per result object. */
const payloadTexts = new WeakMap<ExecutionResult, string>();

function payloadText(result: ExecutionResult): string {
  let text = payloadTexts.get(result);
  if (text === undefined) {
    text = payloadJson(result);
    payloadTexts.set(result, text);
  }
  return text;
}

function payloadJson(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  return JSON.stringify(
    errors ? { ...rest, errors: errors.map((e) => e.toJSON?.() ?? { message: e.message }) } : rest,
  );
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
  const prefix = nextPrefix(id);
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
