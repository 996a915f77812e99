/**
 * Live events inside one process (or, with `REDIS_URL`, across every replica): stored trades,
 * bar updates, pair points and alert firings. Topics are keyed by instrument so a subscriber
 * only wakes for what it asked.
 *
 * Each subscriber has its own queue of events it has not taken yet. A subscriber that cannot keep
 * up (a slow client, a starved connection) would make that queue grow without end, so it is
 * bounded: past `maxPendingEvents` (a batch of trades counts each trade) the subscription ends with
 * `SubscriberTooSlowError` and its queue is released. The client is told and may subscribe again;
 * nothing is skipped silently. (The socket's own send buffer is bounded in `http.ts`.)
 *
 * A subscription can also be pushed (`PUSH`, see `live_iterators.ts`): then nothing waits in it,
 * each event goes on as it is published, and the socket's send buffer is the only bound.
 */
import { GraphQLError } from "graphql";
import type { Trade } from "../domain.ts";
import type { BarUpdate } from "../bars/live_bars.ts";
import type { AlertEvent } from "../store/alert_store.ts";
import { PUSH, type Pushable } from "./live_iterators.ts";

/** Key for events of every instrument (trades, and bar updates of every timeframe). */
export const ALL_INSTRUMENTS = "*";

export type LiveTopics = {
  /** Stored trades of one instrument key (`venue:SYMBOL`), or of all under `*`, in batches. */
  trades: [key: string, payload: Trade[]];
  /** Forming and closed bars of one `venue:SYMBOL:timeframe`. */
  bars: [key: string, payload: BarUpdate];
  /** Alert firings, once stored. */
  alerts: [payload: AlertEvent];
  /** Alert rules were created, paused, resumed or deleted by this replica: others reload them. */
  alertRules: [payload: { replicaId: string }];
};

type Topic = keyof LiveTopics;
/** The payload of a topic: the last element of its tuple. */
type PayloadOf<T extends Topic> = LiveTopics[T] extends [infer P] ? P
  : LiveTopics[T] extends [string, infer P] ? P
  : never;
/** `[key]` for keyed topics, `[]` for the others. */
type KeyOf<T extends Topic> = LiveTopics[T] extends [string, unknown] ? [key: string] : [];

export interface LivePubSub {
  /** Events one subscriber may have waiting before it is ended as too slow. */
  readonly maxPendingEvents: number;
  publish<T extends Topic>(topic: T, ...args: LiveTopics[T]): void;
  /** For subscribers that may fall behind (clients): a bounded queue, see above. */
  subscribe<T extends Topic>(
    topic: T,
    ...key: KeyOf<T>
  ): EventQueue<PayloadOf<T>>;
  /**
   * For the server's own followers: `handler` runs as each event is published, nothing is queued,
   * so a burst (a catch-up closing thousands of bars) can neither overflow nor fall behind.
   * Returns the function that stops listening.
   */
  listen<T extends Topic>(
    topic: T,
    key: KeyOf<T> extends [] ? null : string,
    handler: (payload: PayloadOf<T>) => void,
  ): () => void;
}

export interface LivePubSubOptions {
  /** Carries events between replicas (Redis); default: this process only. */
  eventTarget?: EventTarget;
  /** Events one subscriber may have waiting before it is ended as too slow. Default 10,000. */
  maxPendingEvents?: number;
  /** Reports an error thrown by a `listen` handler. Default `console.error`. */
  onHandlerError?: (error: unknown) => void;
}

/**
 * A subscriber fell further behind than the server keeps events for it. A GraphQL error, so that
 * graphql-ws ends just that operation with it (code SUBSCRIBER_TOO_SLOW); the socket goes on.
 */
export class SubscriberTooSlowError extends GraphQLError {
  constructor(readonly maxPendingEvents: number) {
    super(
      `This subscription fell more than ${maxPendingEvents} events behind the live stream and was ` +
        "ended (MAX_PENDING_EVENTS): read faster, narrow it, or subscribe again",
      { extensions: { code: "SUBSCRIBER_TOO_SLOW", maxPendingEvents } },
    );
    this.name = "SubscriberTooSlowError";
  }
}

export function createLivePubSub(options: LivePubSubOptions = {}): LivePubSub {
  const bus = options.eventTarget
    ? eventTargetBus(options.eventTarget)
    : localBus((error) => onHandlerError(error));
  const maxPending = options.maxPendingEvents ?? 10_000;
  const onHandlerError = options.onHandlerError ?? ((error) => console.error(error));

  function topicName(topic: string, key: string | undefined): string {
    return key === undefined ? topic : `${topic}:${key}`;
  }

  return {
    maxPendingEvents: maxPending,
    publish(topic, ...args) {
      const [key, payload] = args.length === 2 ? args : [undefined, args[0]];
      bus.emit(topicName(topic, key), payload);
    },
    subscribe<T extends Topic>(topic: T, ...key: KeyOf<T>) {
      return subscription<PayloadOf<T>>(bus, topicName(topic, key[0]), maxPending);
    },
    listen(topic, key, handler) {
      const name = topicName(topic, key ?? undefined);
      const listener = (payload: unknown) => {
        try {
          handler(payload as never);
        } catch (error) {
          onHandlerError(error);
        }
      };
      bus.on(name, listener);
      return () => bus.off(name, listener);
    },
  };
}

type Listener = (payload: unknown) => void;

/** Named events to listeners: in this process, or through an `EventTarget` (Redis). */
interface Bus {
  emit(name: string, payload: unknown): void;
  on(name: string, listener: Listener): void;
  off(name: string, listener: Listener): void;
}

/**
 * Events of this process only, handed to listeners by plain calls: no event object per publishing,
 * which matters at tens of thousands of deliveries a second. As with `EventTarget`, a listener added
 * during a publishing does not receive it, one removed before its turn does not either, and one
 * that throws does not keep the others from theirs.
 */
function localBus(onError: (error: unknown) => void): Bus {
  const listeners = new Map<string, Set<Listener>>();
  return {
    emit(name, payload) {
      const set = listeners.get(name);
      if (set === undefined) return;
      for (const listener of [...set]) {
        if (!set.has(listener)) continue;
        try {
          listener(payload);
        } catch (error) {
          onError(error);
        }
      }
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) listeners.set(name, set = new Set());
      set.add(listener);
    },
    off(name, listener) {
      const set = listeners.get(name);
      if (set?.delete(listener) && set.size === 0) listeners.delete(name);
    },
  };
}

function eventTargetBus(target: EventTarget): Bus {
  const wrappers = new Map<string, Map<Listener, (event: Event) => void>>();
  return {
    emit: (name, payload) => target.dispatchEvent(new CustomEvent(name, { detail: payload })),
    on(name, listener) {
      const wrapper = (event: Event) => listener((event as CustomEvent).detail);
      let named = wrappers.get(name);
      if (named === undefined) wrappers.set(name, named = new Map());
      named.set(listener, wrapper);
      target.addEventListener(name, wrapper);
    },
    off(name, listener) {
      const named = wrappers.get(name);
      const wrapper = named?.get(listener);
      if (wrapper === undefined) return;
      named!.delete(listener);
      if (named!.size === 0) wrappers.delete(name);
      target.removeEventListener(name, wrapper);
    },
  };
}

function subscription<T>(
  bus: Bus,
  name: string,
  maxPending: number,
): EventQueue<T> {
  const weigh = (payload: T) => Array.isArray(payload) ? payload.length : 1;
  const queue = createEventQueue<T>(maxPending, weigh, () => bus.off(name, listener));
  const listener = (event: unknown) => queue.offer(event as T);
  bus.on(name, listener);
  return queue;
}

/** A subscriber's own queue of live events: read as an async iterator, or pushed (`PUSH`). */
export interface EventQueue<T> extends AsyncIterableIterator<T>, Pushable<T> {
  /**
   * Hands `item` to the reader waiting (or, once pushed, to the sink), or queues it. Past
   * `maxPending` waiting, the queue is released and the reader's next read fails with
   * `SubscriberTooSlowError`.
   */
  offer(item: T): void;
  /** Ends the stream with `error` once the items already queued are read. */
  fail(error: unknown): void;
  /** True once the reader ended the stream, or it failed. */
  ended(): boolean;
}

/**
 * A bounded queue of live events: `weigh` counts what an item stands for (a batch of trades, each
 * trade). `onEnd` runs once, when the reader ends the stream or it fails.
 */
export function createEventQueue<T>(
  maxPending: number,
  weigh: (item: T) => number,
  onEnd: () => void,
): EventQueue<T> {
  // Read from `head`, compacted now and then, so that taking an item is O(1).
  let queue: T[] = [];
  let head = 0;
  let pendingEvents = 0;
  let waiting: {
    resolve: (result: IteratorResult<T>) => void;
    reject: (error: unknown) => void;
  } | null = null;
  let pushed: { sink: (item: T) => void; fail: (error: unknown) => void } | null = null;
  /** Given to the reader once what is queued has been read. */
  let failure: unknown = null;
  let ended = false;

  const release = () => {
    queue = [];
    head = 0;
    pendingEvents = 0;
  };
  const stop = () => {
    if (ended) return;
    ended = true;
    release();
    onEnd();
  };

  /** The reader ends the stream. */
  const end = () => {
    stop();
    waiting?.resolve({ value: undefined, done: true });
    waiting = null;
  };

  const stream: EventQueue<T> = {
    offer(item) {
      if (ended || failure !== null) return;
      if (pushed) return pushed.sink(item);
      if (waiting) {
        const { resolve } = waiting;
        waiting = null;
        resolve({ value: item, done: false });
        return;
      }
      const weight = weigh(item);
      if (pendingEvents + weight > maxPending) {
        stop();
        failure = new SubscriberTooSlowError(maxPending);
        return;
      }
      queue.push(item);
      pendingEvents += weight;
    },
    fail(error) {
      if (ended || failure !== null) return;
      if (pushed) {
        stop();
        return pushed.fail(error);
      }
      if (waiting) {
        const { reject } = waiting;
        waiting = null;
        stop();
        return reject(error);
      }
      failure = error;
    },
    ended: () => ended || failure !== null,
    next() {
      if (head < queue.length) {
        const value = queue[head++];
        if (head === queue.length) {
          queue = [];
          head = 0;
        } else if (head >= 1024 && head * 2 >= queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        pendingEvents -= weigh(value);
        return Promise.resolve({ value, done: false });
      }
      if (failure !== null) {
        const error = failure;
        failure = null;
        stop();
        return Promise.reject(error);
      }
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return() {
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      end();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
    [PUSH](sink, fail) {
      const taken = queue.slice(head);
      const error = failure;
      release();
      if (error !== null) {
        failure = null;
        stop();
        throw error;
      }
      pushed = { sink, fail };
      for (const item of taken) if (!ended) sink(item);
    },
  };
  return stream;
}

export function barTopicKey(venue: string, symbol: string, timeframe: string): string {
  return `${venue}:${symbol}:${timeframe}`;
}
