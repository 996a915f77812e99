import assert from "node:assert/strict";
import { assertClose, legBars, realFixtures } from "./fixtures/hedge_fixtures.ts";
import {
  computePairAnalytics,
  type HedgeMethod,
  type PairPoint,
  type PriceTransform,
} from "./pair_analytics.ts";
import { alignPairGrid, type BarClose } from "./pair_grid.ts";
import { createPairStream, type PairLegName, type PairStream } from "./pair_stream.ts";

// The stream is checked against computePairAnalytics (itself checked against statsmodels, scipy
// and pandas in pair_analytics_test.ts) on recorded Binance data: spot 1m klines BTCUSDT~ETHUSDT
// (2018-06-18) and USD-M futures 1s bars from ticks (2025-12-16), whose legs trade in different
// seconds, so the carried-forward grid and interleaved updates are exercised.
const fixtures = realFixtures();
const methods: HedgeMethod[] = ["OLS", "HUBER", "THEIL_SEN", "ROLLING_OLS", "KALMAN"];
const windows = { zWindow: 30, corrWindow: 20, hedgeWindow: 50, lookback: 120 };

interface BarEvent {
  leg: PairLegName;
  bar: BarClose;
}

function legsOf(dataset: string) {
  const legs = fixtures.datasets[dataset];
  return { base: legBars(legs.base), quote: legBars(legs.quote) };
}

/** Both legs' bars in delivery order; quote bars `quoteDelay` µs late (cross-symbol lateness). */
function events(base: BarClose[], quote: BarClose[], quoteDelay = 0): BarEvent[] {
  const all = [
    ...base.map((bar) => ({ leg: "base" as const, bar, at: bar.timeUs })),
    ...quote.map((bar) => ({ leg: "quote" as const, bar, at: bar.timeUs + quoteDelay })),
  ];
  return all.sort((a, b) => a.at - b.at || Number(a.leg === "quote") - Number(b.leg === "quote"));
}

interface BatchSettings {
  method: HedgeMethod;
  priceTransform: PriceTransform;
  barSeconds: number;
  zWindow: number;
  corrWindow: number;
  hedgeWindow: number;
  lookback: number;
}

/** What the batch computation says about bucket `timeUs`, on the history the stream has seen. */
function batchPoint(
  seen: { base: BarClose[]; quote: BarClose[] },
  timeUs: number,
  settings: BatchSettings,
): PairPoint | "no hedge" {
  const series = {
    base: { symbol: "BTCUSDT", bars: seen.base },
    quote: { symbol: "ETHUSDT", bars: seen.quote },
  };
  if (settings.method === "ROLLING_OLS" || settings.method === "KALMAN") {
    return computePairAnalytics(series, settings).points.find((p) => p.timeUs === timeUs)!;
  }
  // Static methods: the `lookback` grid points ending at the bucket, as bars of both legs.
  const grid = alignPairGrid(series.base, series.quote);
  const end = grid.timesUs.indexOf(timeUs);
  const first = Math.max(0, end - settings.lookback + 1);
  const range = (closes: Float64Array) =>
    Array.from({ length: end - first + 1 }, (_, k) => ({
      timeUs: grid.timesUs[first + k],
      close: closes[first + k],
    }));
  try {
    const result = computePairAnalytics({
      base: { symbol: "BTCUSDT", bars: range(grid.closeY) },
      quote: { symbol: "ETHUSDT", bars: range(grid.closeX) },
    }, settings);
    return result.points[result.n - 1];
  } catch (error) {
    if (error instanceof RangeError && /does not move/.test(error.message)) return "no hedge";
    throw error;
  }
}

function assertSamePoint(
  actual: PairPoint | null,
  expected: PairPoint | "no hedge",
  label: string,
) {
  assert.ok(actual !== null, `${label}: no point`);
  if (expected === "no hedge") {
    assert.equal(actual.hedgeRatio, null, `${label}: hedge without a moving quote`);
    return;
  }
  assert.equal(actual.timeUs, expected.timeUs, `${label}: time`);
  for (const field of ["y", "x", "hedgeRatio", "zscore", "correlation"] as const) {
    assertClose(actual[field], expected[field], `${label} ${field}`, {
      relative: 1e-9,
      scale: 1e-6,
    });
  }
  // A spread near zero is judged against the price level it was computed from.
  assertClose(actual.spread, expected.spread, `${label} spread`, {
    relative: 1e-9,
    scale: 1e-3 * Math.abs(expected.y),
  });
}

/** Feeds each bar twice, first a provisional close (the forming bar), then the final one. */
function feed(stream: PairStream, event: BarEvent): void {
  stream.update(event.leg, { timeUs: event.bar.timeUs, close: event.bar.close * 1.0003 });
  stream.update(event.leg, event.bar);
}

const cases = [
  { dataset: "spot-1m-BTCUSDT-ETHUSDT", priceTransform: "LOG" as const, barSeconds: 60, tail: 150 },
  { dataset: "usdm-1s-BTCUSDT-ETHUSDT", priceTransform: "RAW" as const, barSeconds: 1, tail: 250 },
];

for (const { dataset, priceTransform, barSeconds, tail } of cases) {
  for (const method of methods) {
    Deno.test(`live ${method} ${priceTransform} points on ${dataset} equal the batch once closed`, () => {
      const { base, quote } = legsOf(dataset);
      const cut = base[base.length - tail].timeUs;
      const seen = {
        base: base.filter((bar) => bar.timeUs < cut),
        quote: quote.filter((bar) => bar.timeUs < cut),
      };
      const stream = createPairStream({
        ...windows,
        method,
        priceTransform,
        barSeconds,
        history: {
          base: { symbol: "BTCUSDT", bars: seen.base },
          quote: { symbol: "ETHUSDT", bars: seen.quote },
        },
      });
      const lastHistory = Math.max(seen.base.at(-1)!.timeUs, seen.quote.at(-1)!.timeUs);
      assertSamePoint(
        stream.latest(),
        batchPoint(seen, lastHistory, { ...windows, method, priceTransform, barSeconds }),
        "last history point",
      );
      let compared = 0;
      let previousClosed = NaN;
      for (const event of events(base, quote).filter((e) => e.bar.timeUs >= cut)) {
        feed(stream, event);
        seen[event.leg].push(event.bar);
        const closed = stream.lastClosed();
        if (closed === null || closed.timeUs === previousClosed) continue;
        previousClosed = closed.timeUs;
        assertSamePoint(
          closed,
          batchPoint(seen, closed.timeUs, { ...windows, method, priceTransform, barSeconds }),
          `bucket ${closed.timeUs}`,
        );
        compared++;
      }
      assert.ok(compared > tail / 2, `compared ${compared} closed buckets`);
    });
  }
}

Deno.test("bars of one symbol arriving late land in their buckets and the points are recomputed", () => {
  // ETH bars delivered 3 s late: BTC has already opened later buckets when they arrive.
  const { base, quote } = legsOf("usdm-1s-BTCUSDT-ETHUSDT");
  for (const method of methods) {
    const stream = createPairStream({
      ...windows,
      method,
      priceTransform: "LOG",
      barSeconds: 1,
      history: { base: { symbol: "BTCUSDT", bars: [] }, quote: { symbol: "ETHUSDT", bars: [] } },
    });
    const seen = { base: [] as BarClose[], quote: [] as BarClose[] };
    let compared = 0;
    for (const event of events(base, quote, 3_000_000)) {
      feed(stream, event);
      seen[event.leg].push(event.bar);
      // Once ETH has caught up to the last closed bucket, everything up to it has arrived.
      const closed = stream.lastClosed();
      if (event.leg !== "quote" || closed === null || closed.timeUs > event.bar.timeUs) continue;
      if (compared++ % 5 !== 0) continue;
      assertSamePoint(
        closed,
        batchPoint(seen, closed.timeUs, {
          ...windows,
          method,
          priceTransform: "LOG",
          barSeconds: 1,
        }),
        `${method} ${closed.timeUs}`,
      );
    }
    assert.ok(compared > 50, `${method}: compared ${compared}`);
    const closed = stream.lastClosed()!;
    assertSamePoint(
      closed,
      batchPoint(seen, closed.timeUs, { ...windows, method, priceTransform: "LOG", barSeconds: 1 }),
      `${method} last closed`,
    );
  }
});

Deno.test("a stream with no common bucket yet has no point, then starts like the batch grid", () => {
  const stream = createPairStream({
    barSeconds: 60,
    method: "KALMAN",
    history: { base: { symbol: "BTCUSDT", bars: [] }, quote: { symbol: "ETHUSDT", bars: [] } },
  });
  assert.equal(stream.update("base", { timeUs: 0, close: 60000 }), null);
  assert.equal(stream.update("base", { timeUs: 60e6, close: 60010 }), null);
  const first = stream.update("quote", { timeUs: 120e6, close: 3000 });
  assert.equal(first?.timeUs, 120e6);
  assert.equal(first?.y, Math.log(60010));
  assert.equal(stream.lastClosed(), null);
});

Deno.test("a leg that trades only much later starts the grid then, as in the batch", () => {
  // BTC alone for 2,000 buckets (far more than the stream keeps), then both.
  const { base, quote } = legsOf("spot-1m-BTCUSDT-ETHUSDT");
  const shift = (bar: BarClose, minutes: number) => ({
    ...bar,
    timeUs: bar.timeUs + minutes * 60e6,
  });
  const lonely = Array.from({ length: 2000 }, (_, i) => shift(base[i % 500], i - 2000 - (i % 500)));
  for (const method of ["ROLLING_OLS", "KALMAN", "OLS"] as const) {
    const seen = { base: [] as BarClose[], quote: [] as BarClose[] };
    const stream = createPairStream({
      zWindow: 10,
      corrWindow: 10,
      hedgeWindow: 20,
      lookback: 40,
      method,
      barSeconds: 60,
      history: { base: { symbol: "BTCUSDT", bars: [] }, quote: { symbol: "ETHUSDT", bars: [] } },
    });
    for (const bar of lonely) {
      assert.equal(stream.update("base", bar), null);
      seen.base.push(bar);
    }
    for (const event of events(base.slice(0, 200), quote.slice(0, 200))) {
      feed(stream, event);
      seen[event.leg].push(event.bar);
    }
    const closed = stream.lastClosed()!;
    const batch = batchPoint(seen, closed.timeUs, {
      zWindow: 10,
      corrWindow: 10,
      hedgeWindow: 20,
      lookback: 40,
      method,
      priceTransform: "LOG",
      barSeconds: 60,
    });
    assertSamePoint(closed, batch, method);
  }
});

Deno.test("bad live bars are refused with the symbol and the times", () => {
  const stream = createPairStream({
    barSeconds: 60,
    history: {
      base: { symbol: "BTCUSDT", bars: [{ timeUs: 120e6, close: 60000 }] },
      quote: { symbol: "ETHUSDT", bars: [{ timeUs: 120e6, close: 3000 }] },
    },
  });
  assert.throws(
    () => stream.update("base", { timeUs: 60e6, close: 60000 }),
    /BTCUSDT bar at 1970-01-01T00:01:00.000Z is older than its latest bar at 1970-01-01T00:02:00.000Z/,
  );
  assert.throws(
    () => stream.update("quote", { timeUs: 180e6, close: 0 }),
    /ETHUSDT close at 1970-01-01T00:03:00.000Z must be a positive number, got 0/,
  );
  assert.throws(
    () =>
      createPairStream({
        barSeconds: 60,
        lookback: 10,
        history: { base: { symbol: "A", bars: [] }, quote: { symbol: "B", bars: [] } },
      }),
    /lookback must be a whole number of at least zWindow \(60\)/,
  );
});

Deno.test("a bar older than the buckets the stream keeps is refused", () => {
  const stream = createPairStream({
    barSeconds: 1,
    method: "KALMAN",
    zWindow: 5,
    corrWindow: 5,
    hedgeWindow: 5,
    history: { base: { symbol: "BTCUSDT", bars: [] }, quote: { symbol: "ETHUSDT", bars: [] } },
  });
  stream.update("quote", { timeUs: 0, close: 3000 });
  for (let second = 0; second < 1000; second++) {
    stream.update("base", { timeUs: second * 1e6, close: 60000 + (second % 7) });
  }
  assert.throws(
    () => stream.update("quote", { timeUs: 2e6, close: 3001 }),
    /ETHUSDT bar at 1970-01-01T00:00:02.000Z is too late for the live pair/,
  );
});

Deno.test("a bucket closed by closeThrough, before any later bar, has the batch point of that bucket", () => {
  const { base, quote } = legsOf("usdm-1s-BTCUSDT-ETHUSDT");
  for (const method of methods) {
    const cut = base[base.length - 250].timeUs;
    const seen = {
      base: base.filter((bar) => bar.timeUs < cut),
      quote: quote.filter((bar) => bar.timeUs < cut),
    };
    const stream = createPairStream({
      ...windows,
      method,
      priceTransform: "LOG",
      barSeconds: 1,
      history: {
        base: { symbol: "BTCUSDT", bars: [...seen.base] },
        quote: { symbol: "ETHUSDT", bars: [...seen.quote] },
      },
    });
    const closedByClock: PairPoint[] = [];
    const all = events(base, quote).filter((event) => event.bar.timeUs >= cut);
    all.forEach((event, k) => {
      feed(stream, event);
      seen[event.leg].push(event.bar);
      const bucket = event.bar.timeUs;
      if (all[k + 1]?.bar.timeUs === bucket) return;
      // Every bar of this bucket has arrived and none of a later one: the clock closes it.
      stream.closeThrough(bucket - 1);
      assert.notEqual(stream.lastClosed()?.timeUs, bucket, `${method}: closed too early`);
      stream.closeThrough(bucket);
      const closed = stream.lastClosed();
      if (closed === null) return;
      assert.equal(closed.timeUs, bucket);
      closedByClock.push(closed);
      if (closedByClock.length % 7 !== 0) return;
      assertSamePoint(
        closed,
        batchPoint(seen, bucket, { ...windows, method, priceTransform: "LOG", barSeconds: 1 }),
        `${method} ${bucket}`,
      );
    });
    assert.ok(closedByClock.length > 100, `${method}: closed ${closedByClock.length}`);
    // The closed points stay what they were when each bucket was closed.
    const from = closedByClock[closedByClock.length - 40].timeUs;
    assert.deepEqual(
      stream.closedPoints(from - 1, Infinity),
      closedByClock.slice(-40),
    );
    assert.deepEqual(stream.closedPoints(from, from + 2_000_000), closedByClock.slice(-39, -37));
  }
});
