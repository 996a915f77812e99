import assert from "node:assert/strict";
import type { PairPoint } from "../../analytics/pair_analytics.ts";
import type { BarClose } from "../../store/trade_store.ts";
import type { ApiContext } from "../context.ts";
import { barTopicKey, createLivePubSub } from "../pubsub.ts";
import type { PairRequest } from "./pairs.ts";
import { followPairStream, runningPairStreams } from "./shared_pair_streams.ts";

const START_US = Date.UTC(2026, 10, 22, 12) * 1000;

/** A context whose store holds 300 one-second closes of each leg; counts the history loads. */
function contextWithHistory() {
  const bars = (scale: number): BarClose[] =>
    Array.from({ length: 300 }, (_, s) => ({
      timeUs: START_US + s * 1e6,
      close: scale * (3000 + 20 * Math.sin(s / 7) + s * 0.1) + Math.cos(s / 3),
    }));
  let loads = 0;
  const context = {
    pubsub: createLivePubSub({ onHandlerError: (error) => console.error(error) }),
    store: {
      closes: (query: { symbol: string }) => {
        loads++;
        return Promise.resolve(bars(query.symbol === "AAA" ? 2 : 1));
      },
    },
  } as unknown as ApiContext;
  return { context, loads: () => loads };
}

const REQUEST: PairRequest = {
  base: { venue: "sim", symbol: "AAA" },
  quote: { venue: "sim", symbol: "BBB" },
  timeframe: "1s",
  fromUs: undefined,
  toUs: undefined,
  options: {
    method: "THEIL_SEN",
    priceTransform: "LOG",
    zWindow: 20,
    corrWindow: 20,
    barSeconds: 1,
  },
};

function publishBar(context: ApiContext, symbol: string, timeUs: number, close: number) {
  context.pubsub.publish("bars", barTopicKey("sim", symbol, "1s"), {
    bar: {
      venue: "sim",
      symbol,
      timeUs,
      open: close,
      high: close,
      low: close,
      close,
      volume: 1,
      trades: 1,
    },
    timeframe: "1s",
    closed: false,
  });
}

Deno.test("followers of the same pair share one computation; one that fails does not keep points from the others", async () => {
  const { context, loads } = contextWithHistory();
  const seen: PairPoint[] = [];
  const failing = {
    point: () => {
      throw new Error("this subscriber's queue is full");
    },
    closed: () => {},
  };
  const healthy = { point: (point: PairPoint) => seen.push(point), closed: () => {} };
  const errors: unknown[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    const [a, b] = await Promise.all([
      followPairStream(context, REQUEST, 200, failing),
      followPairStream(context, { ...REQUEST, options: { ...REQUEST.options } }, 200, healthy),
    ]);
    assert.equal(a.stream, b.stream, "one stream for both");
    assert.equal(loads(), 2, "the history of each leg was read once, not once per follower");
    assert.equal(runningPairStreams(context.pubsub), 1);

    const liveUs = START_US + 300e6;
    publishBar(context, "BBB", liveUs, 3031);
    publishBar(context, "AAA", liveUs, 6063);
    assert.equal(seen.at(-1)?.timeUs, liveUs, "the healthy follower got the new bucket's point");
    assert.equal(errors.length, 2, "the failing follower's two failures were reported");

    // A different lookback is a different computation.
    const other = await followPairStream(context, REQUEST, 250, healthy);
    assert.equal(runningPairStreams(context.pubsub), 2);
    other.leave();
    a.leave();
    assert.equal(runningPairStreams(context.pubsub), 1, "still followed by the healthy one");
    b.leave();
    assert.equal(runningPairStreams(context.pubsub), 0);
    const before = seen.length;
    publishBar(context, "AAA", liveUs + 1e6, 6070);
    assert.equal(seen.length, before, "nothing is computed once every follower has left");
  } finally {
    console.error = originalError;
  }
});

Deno.test("a pair that cannot be analysed fails every follower and leaves nothing running", async () => {
  const { context } = contextWithHistory();
  const follower = { point: () => {}, closed: () => {} };
  // Static methods need a lookback of at least the z-window.
  const attempts = await Promise.allSettled([
    followPairStream(context, REQUEST, 10, follower),
    followPairStream(context, REQUEST, 10, follower),
  ]);
  for (const attempt of attempts) {
    assert.equal(attempt.status, "rejected");
    assert.match(String((attempt as PromiseRejectedResult).reason), /lookback/);
  }
  assert.equal(runningPairStreams(context.pubsub), 0);
});
