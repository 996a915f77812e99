/**
 * One live pair computation for all the `pairStream` subscriptions that ask the same thing (legs,
 * timeframe, analysis options and lookback). Many dashboards watch the same few pairs, and a static
 * hedge refits on up to `lookback` points at every bucket close: computed once, that cost no longer
 * grows with the number of viewers. Each subscription still paces what it is sent on its own.
 *
 * A computation starts with its first follower (the history from the store, then every bar update
 * of either leg as it is published) and stops with its last.
 */
import type { BarUpdate } from "../../bars/live_bars.ts";
import type { PairPoint } from "../../analytics/pair_analytics.ts";
import {
  createPairStream,
  type PairLegName,
  type PairStream,
} from "../../analytics/pair_stream.ts";
import type { ApiContext } from "../context.ts";
import { barTopicKey, type LivePubSub } from "../pubsub.ts";
import type { PairRequest } from "./pairs.ts";

export interface PairStreamFollower {
  /** The newest point after a bar update (of the forming or a just closed bucket). */
  point(point: PairPoint): void;
  /** A bucket closed: its final point. */
  closed(point: PairPoint): void;
}

interface Computation {
  followers: Set<PairStreamFollower>;
  /** The stream once the history is loaded; rejects when the pair cannot be analysed. */
  started: Promise<PairStream>;
  stop(): void;
}

const running = new WeakMap<LivePubSub, Map<string, Computation>>();

/** Pair computations running for the subscribers of `pubsub`. */
export function runningPairStreams(pubsub: LivePubSub): number {
  return running.get(pubsub)?.size ?? 0;
}

/**
 * Joins (or starts) the computation for `request`. Resolves with its stream, for the newest point,
 * and the function that leaves it; rejects as `createPairStream` does, or as the store does.
 */
export async function followPairStream(
  context: ApiContext,
  request: PairRequest,
  lookback: number,
  follower: PairStreamFollower,
): Promise<{ stream: PairStream; leave: () => void }> {
  let computations = running.get(context.pubsub);
  if (computations === undefined) running.set(context.pubsub, computations = new Map());
  const key = computationKey(request, lookback);
  let computation = computations.get(key);
  if (computation === undefined) {
    computation = startComputation(context, request, lookback);
    computations.set(key, computation);
  }
  const joined = computation;
  joined.followers.add(follower);
  const leave = () => {
    if (!joined.followers.delete(follower) || joined.followers.size > 0) return;
    joined.stop();
    if (computations.get(key) === joined) computations.delete(key);
  };
  try {
    return { stream: await joined.started, leave };
  } catch (error) {
    // A failed start is not kept: the next subscription tries again.
    if (computations.get(key) === joined) computations.delete(key);
    leave();
    throw error;
  }
}

function startComputation(
  context: ApiContext,
  request: PairRequest,
  lookback: number,
): Computation {
  const { zWindow = 60, corrWindow = 60, hedgeWindow = 100 } = request.options;
  const keep = Math.max(lookback, hedgeWindow + zWindow, corrWindow + 1) + 64;
  const followers = new Set<PairStreamFollower>();
  let stream: PairStream | null = null;
  let stopped = false;
  let lastClosedTime = -Infinity;
  // Bar updates published while the history loads, applied after it in their order.
  const early: [PairLegName, BarUpdate][] = [];

  const apply = (leg: PairLegName, update: BarUpdate) => {
    let point: PairPoint | null;
    try {
      point = stream!.update(leg, { timeUs: update.bar.timeUs, close: update.bar.close });
    } catch {
      // A bar older than the kept history (a late correction): the stream cannot place it.
      return;
    }
    const closed = stream!.lastClosed();
    if (closed && closed.timeUs > lastClosedTime) {
      lastClosedTime = closed.timeUs;
      if (closed !== point) tell((follower) => follower.closed(closed));
    }
    if (point !== null) tell((follower) => follower.point(point));
  };
  /** Every follower hears of it; one that fails does not keep it from the others. */
  const tell = (deliver: (follower: PairStreamFollower) => void) => {
    for (const follower of [...followers]) {
      try {
        deliver(follower);
      } catch (error) {
        console.error("A pairStream subscriber failed to take a point:", error);
      }
    }
  };
  const onBar = (leg: PairLegName) => (update: BarUpdate) => {
    if (stopped) return;
    if (stream === null) early.push([leg, update]);
    else apply(leg, update);
  };
  const stopListening = [
    context.pubsub.listen(
      "bars",
      barTopicKey(request.base.venue, request.base.symbol, request.timeframe),
      onBar("base"),
    ),
    context.pubsub.listen(
      "bars",
      barTopicKey(request.quote.venue, request.quote.symbol, request.timeframe),
      onBar("quote"),
    ),
  ];
  const stop = () => {
    stopped = true;
    early.length = 0;
    for (const unlisten of stopListening) unlisten();
  };

  const started = (async () => {
    try {
      const history = await Promise.all(
        [request.base, request.quote].map((leg) =>
          context.store.closes({ ...leg, timeframe: request.timeframe, limit: keep })
        ),
      );
      const created = createPairStream({
        ...request.options,
        lookback,
        history: {
          base: { symbol: request.base.symbol, bars: history[0] },
          quote: { symbol: request.quote.symbol, bars: history[1] },
        },
      });
      lastClosedTime = created.lastClosed()?.timeUs ?? -Infinity;
      stream = created;
      for (const [leg, update] of early.splice(0)) apply(leg, update);
      return created;
    } catch (error) {
      stop();
      throw error;
    }
  })();
  started.catch(() => {}); // each follower is given the failure
  return { followers, started, stop };
}

/** What makes two subscriptions' points the same: everything but their pacing. */
function computationKey(request: PairRequest, lookback: number): string {
  const options = Object.entries(request.options).filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    request.base.venue,
    request.base.symbol,
    request.quote.venue,
    request.quote.symbol,
    request.timeframe,
    lookback,
    options,
  ]);
}
