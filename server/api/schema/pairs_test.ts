/**
 * Pair analytics through the public GraphQL surface, on real klines imported as a user would, compared
 * with the statsmodels/scipy/pandas values in `server/analytics/fixtures/hedge_real.json` (made by
 * `/usr/bin/python3 server/analytics/fixtures/make_fixtures_hedge.py`, statsmodels 0.13.5).
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { importFile } from "../../ingest/import_file.ts";
import { graphqlRequest, settle, subscribe } from "../../testing/graphql_client.ts";
import { parseExposition, sampleValue } from "../../metrics/exposition_parser.ts";
import { readEvents, readToEnd } from "../../testing/event_stream.ts";
import type { Trade } from "../../domain.ts";

const KLINES = "../shared/data/spot-klines-1m-2018-06-18";
const fixtures = JSON.parse(
  await Deno.readTextFile(new URL("../../analytics/fixtures/hedge_real.json", import.meta.url)),
);

async function startWithKlines() {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-spot",
    maxPointsPerResponse: 5_000,
    log: () => {},
  });
  for (const symbol of ["BTCUSDT", "ETHUSDT", "XRPUSDT"]) {
    await importFile(`${KLINES}/${symbol}-1m-octobot-20180618.csv`, app.store, {
      defaultVenue: "binance-spot",
    });
  }
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  return {
    app,
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    stop: async () => {
      await app.close();
      await server.shutdown();
    },
  };
}

function close(actual: number, expected: number, what: string, tolerance = 1e-6) {
  const scale = Math.max(Math.abs(expected), 1e-12);
  assert.ok(
    Math.abs(actual - expected) <= tolerance * scale,
    `${what}: ${actual} vs statsmodels ${expected}`,
  );
}

const ANALYSIS = `
  n method hedgeRatio intercept rSquared halfLifeBars halfLifeSeconds inSample
  adf { statistic pValue usedLag nobs icBest criticalValues { p1 p5 p10 } }
  cointegration { statistic pValue criticalValues { p1 p5 p10 } }
  points { time y x hedgeRatio spread zscore correlation }`;

Deno.test("pairAnalytics on imported klines matches statsmodels for every method, side by side", async () => {
  const { baseUrl, stop } = await startWithKlines();
  try {
    for (const transform of ["LOG", "RAW"]) {
      const methods = ["OLS", "HUBER", "THEIL_SEN", "ROLLING_OLS", "KALMAN"];
      const query = `{ ${
        methods.map((method) =>
          `${method}: pairAnalytics(input: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1,
            priceTransform: ${transform}, method: ${method} }) { ${ANALYSIS} }`
        ).join("\n")
      } }`;
      const response = await graphqlRequest<Record<string, Record<string, unknown>>>(
        baseUrl,
        query,
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      for (const method of methods) {
        const fixture = fixtures.cases.find((c: { name: string }) =>
          c.name === `spot-1m-BTCUSDT-ETHUSDT ${transform} ${method}`
        );
        const expected = fixture.expected;
        // deno-lint-ignore no-explicit-any -- a GraphQL answer checked field by field below
        const actual = response.data![method] as any;
        const label = `${transform} ${method}`;
        assert.equal(actual.n, expected.n, label);
        assert.equal(actual.method, method);
        assert.equal(actual.inSample, ["OLS", "HUBER", "THEIL_SEN"].includes(method));
        close(actual.hedgeRatio, expected.hedgeRatio, `${label} hedgeRatio`);
        close(actual.intercept, expected.intercept, `${label} intercept`);
        if (expected.rSquared === null) assert.equal(actual.rSquared, null);
        else close(actual.rSquared, expected.rSquared, `${label} rSquared`);
        close(actual.adf.statistic, expected.adf.statistic, `${label} adf statistic`);
        close(actual.adf.pValue, expected.adf.pValue, `${label} adf p`, 1e-4);
        assert.equal(actual.adf.usedLag, expected.adf.usedLag, `${label} adf lag`);
        assert.equal(actual.adf.nobs, expected.adf.nobs);
        close(actual.adf.criticalValues.p5, expected.adf.criticalValues.p5, `${label} adf 5%`);
        close(
          actual.cointegration.statistic,
          expected.cointegration.statistic,
          `${label} coint statistic`,
        );
        close(actual.cointegration.pValue, expected.cointegration.pValue, `${label} coint p`, 1e-4);
        if (expected.halfLifeBars === null) assert.equal(actual.halfLifeBars, null);
        else {
          close(actual.halfLifeBars, expected.halfLifeBars, `${label} half-life`);
          close(actual.halfLifeSeconds, expected.halfLifeSeconds, `${label} half-life s`);
        }
        const points = expected.points;
        for (let k = 0; k < points.index.length; k++) {
          const point = actual.points[points.index[k]];
          assert.equal(Date.parse(point.time) * 1000, points.timeUs[k]);
          for (const field of ["zscore", "correlation", "hedgeRatio"]) {
            const want = points[field][k];
            if (want === null) assert.equal(point[field], null, `${label} ${field}[${k}]`);
            else close(point[field], want, `${label} ${field}[${points.index[k]}]`);
          }
        }
      }
    }
  } finally {
    await stop();
  }
});

Deno.test("pairAnalytics errors say what to change", async () => {
  const { baseUrl, stop } = await startWithKlines();
  try {
    const ask = async (input: string) => {
      const response = await graphqlRequest(
        baseUrl,
        `{ pairAnalytics(input: { ${input} }) { n } }`,
      );
      return response.errors?.[0] ?? { message: "no error", extensions: {} };
    };
    const unknown = await ask(`base: "BTCUSDT", quote: "DOGEUSDT", timeframe: M1`);
    assert.equal(unknown.extensions?.code, "NOT_FOUND");
    assert.match(unknown.message, /binance-spot:DOGEUSDT/);
    const short = await ask(
      `base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1, from: "2018-06-18T05:00:00Z",
       to: "2018-06-18T05:03:00Z", zWindow: 2, corrWindow: 2`,
    );
    assert.equal(short.extensions?.code, "BAD_USER_INPUT");
    assert.match(short.message, /ADF needs at least \d+ points, the range has \d+/);
    const window = await ask(`base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1, zWindow: 5000`);
    assert.match(window.message, /zWindow 5000 is larger than the series \(1000 points\)/);
    const empty = await ask(
      `base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1, from: "2020-01-01", to: "2020-01-02"`,
    );
    assert.equal(empty.extensions?.code, "BAD_USER_INPUT");
    const delta = await ask(`base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1, kalmanDelta: 1`);
    assert.match(delta.message, /kalmanDelta must be between 0 and 1/);
    const same = await ask(`base: "BTCUSDT", quote: "btcusdt", timeframe: M1`);
    assert.match(same.message, /a pair needs two instruments/);
  } finally {
    await stop();
  }
});

Deno.test("a request over the points limit is refused with a hint to narrow it", async () => {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-spot",
    maxPointsPerResponse: 500,
    log: () => {},
  });
  try {
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      await importFile(`${KLINES}/${symbol}-1m-octobot-20180618.csv`, app.store, {
        defaultVenue: "binance-spot",
      });
    }
    const response = await app.http.handle(
      new Request("http://local/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query:
            `{ pairAnalytics(input: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1 }) { n } }`,
        }),
      }),
    );
    const body = await response.json();
    assert.equal(body.errors[0].extensions.code, "BAD_USER_INPUT");
    assert.match(body.errors[0].message, /more than 500 M?1?m? ?bars|limit per response/);
    assert.match(body.errors[0].message, /narrow from\/to/);
  } finally {
    await app.close();
  }
});

Deno.test("pairScan ranks every pair by Engle-Granger p-value", async () => {
  const { baseUrl, stop } = await startWithKlines();
  try {
    const response = await graphqlRequest<{
      pairScan: { base: string; quote: string; n: number; cointegration: { pValue: number } }[];
    }>(
      baseUrl,
      `{ pairScan(symbols: ["BTCUSDT", "ETHUSDT", "XRPUSDT"], timeframe: M1) {
        base quote n hedgeRatio halfLifeBars correlation cointegration { pValue } error } }`,
    );
    assert.equal(response.errors, undefined);
    const rows = response.data!.pairScan;
    assert.equal(rows.length, 3);
    const pValues = rows.map((row) => row.cointegration.pValue);
    assert.deepEqual(pValues, [...pValues].sort((a, b) => a - b));
    const btcEth = rows.find((row) => row.base === "BTCUSDT" && row.quote === "ETHUSDT")!;
    const expected = fixtures.cases.find((c: { name: string }) =>
      c.name === "spot-1m-BTCUSDT-ETHUSDT LOG OLS"
    ).expected;
    close(btcEth.cointegration.pValue, expected.cointegration.pValue, "scan coint p", 1e-4);
    assert.equal(btcEth.n, 1000);
  } finally {
    await stop();
  }
});

/** A served app with 300 seconds of 1s bars of AAA and BBB; live trades follow at `liveStart`. */
/**
 * 300 one-second buckets of history ending `secondsAgo - 300` seconds ago; `liveStart` is the
 * bucket after them.
 */
async function startWithPairHistory(
  { secondsAgo = 400, maxPendingEvents }: { secondsAgo?: number; maxPendingEvents?: number } = {},
) {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "sim",
    log: () => {},
    api: maxPendingEvents === undefined ? undefined : { maxPendingEvents },
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  // A history of 1s bars, then live trades a few seconds later.
  const start = (Math.floor(Date.now() / 1000) - secondsAgo) * 1_000_000;
  let id = 0;
  const trade = (symbol: string, timeUs: number, price: number): Trade => ({
    venue: "sim",
    symbol,
    tradeId: ++id,
    price: price.toFixed(2),
    qty: "1",
    timeUs,
    receivedAtUs: timeUs,
    buyerMaker: null,
  });
  const history: Trade[] = [];
  for (let s = 0; s < 300; s++) {
    const x = 3000 + 20 * Math.sin(s / 7) + s * 0.1;
    history.push(trade("BBB", start + s * 1e6, x));
    history.push(trade("AAA", start + s * 1e6, 2 * x + 5 * Math.cos(s / 3)));
  }
  app.queue.push(history);
  await app.queue.flush();
  return {
    app,
    baseUrl,
    trade,
    liveStart: start + 300e6,
    stop: async () => {
      await app.close();
      await server.shutdown();
    },
  };
}

Deno.test("pairStream sends the newest point as trades arrive, and the closed bucket's final point", async () => {
  const { app, baseUrl, trade, liveStart, stop } = await startWithPairHistory();
  const input = `{ base: "AAA", quote: "BBB", timeframe: S1, zWindow: 20, corrWindow: 20 }`;
  const live = subscribe<{ pairStream: { time: string; zscore: number | null } }>(
    baseUrl,
    `subscription { pairStream(input: ${input}, lookback: 200, maxPerSecond: 50) { time zscore } }`,
  );
  try {
    await live.waitFor((events) => events.length >= 1);
    await settle(200);
    app.queue.push([trade("BBB", liveStart, 3031), trade("AAA", liveStart, 6070)]);
    await live.waitFor((events) =>
      events.some((e) => Date.parse(e.pairStream.time) * 1000 === liveStart)
    );
    app.queue.push([trade("BBB", liveStart + 1e6, 3032), trade("AAA", liveStart + 1e6, 6060)]);
    await live.waitFor((events) =>
      events.some((e) => Date.parse(e.pairStream.time) * 1000 === liveStart + 1e6)
    );
    // The closed bucket's point equals pairAnalytics over the same closed bars.
    const closedPoints = live.events.filter((e) =>
      Date.parse(e.pairStream.time) * 1000 === liveStart
    );
    const final = closedPoints[closedPoints.length - 1].pairStream;
    const batch = await graphqlRequest<
      { pairAnalytics: { points: { time: string; zscore: number }[] } }
    >(
      baseUrl,
      `{ pairAnalytics(input: { base: "AAA", quote: "BBB", timeframe: S1, zWindow: 20, corrWindow: 20,
         from: "${new Date((liveStart - 199e6) / 1000).toISOString()}",
         to: "${new Date((liveStart + 1e6) / 1000).toISOString()}" }) { points { time zscore } } }`,
    );
    assert.equal(batch.errors, undefined, JSON.stringify(batch.errors));
    const points = batch.data!.pairAnalytics.points;
    const last = points[points.length - 1];
    assert.equal(last.time, final.time);
    close(final.zscore!, last.zscore, "live z-score of the closed bucket", 1e-9);
  } finally {
    await live.close();
    await stop();
  }
});

Deno.test("pairStream subscriptions asking the same share one computation, get the same points, and the last to leave stops it", async () => {
  const { app, baseUrl, trade, liveStart, stop } = await startWithPairHistory();
  const running = async () =>
    sampleValue(
      parseExposition(await (await fetch(`${baseUrl}/metrics`)).text()),
      "pairs_pair_streams",
    );
  const stream = (method: string, lookback = 200) =>
    subscribe<{ pairStream: { time: string; hedgeRatio: number; zscore: number | null } }>(
      baseUrl,
      `subscription { pairStream(input: { base: "AAA", quote: "BBB", timeframe: S1, method: ${method},
         zWindow: 20, corrWindow: 20 }, lookback: ${lookback}, maxPerSecond: 50) { time hedgeRatio zscore } }`,
    );
  const first = stream("THEIL_SEN");
  const second = stream("THEIL_SEN");
  const other = stream("OLS");
  try {
    for (const live of [first, second, other]) await live.waitFor((events) => events.length >= 1);
    assert.equal(await running(), 2, "two Theil-Sen subscriptions and one OLS: two computations");
    await settle(200);
    app.queue.push([trade("BBB", liveStart, 3031), trade("AAA", liveStart, 6070)]);
    app.queue.push([trade("BBB", liveStart + 1e6, 3032), trade("AAA", liveStart + 1e6, 6060)]);
    type Event = { pairStream: { time: string; hedgeRatio: number; zscore: number | null } };
    const closedAt = (events: Event[]) =>
      events.filter((e) => Date.parse(e.pairStream.time) * 1000 === liveStart);
    const reached = (events: Event[]) =>
      events.some((e) => Date.parse(e.pairStream.time) * 1000 === liveStart + 1e6);
    await first.waitFor(reached);
    await second.waitFor(reached);
    await other.waitFor(reached);
    assert.deepEqual(closedAt(second.events).at(-1), closedAt(first.events).at(-1));
    assert.notEqual(
      closedAt(other.events).at(-1)!.pairStream.hedgeRatio,
      closedAt(first.events).at(-1)!.pairStream.hedgeRatio,
      "OLS and Theil-Sen fit different hedges",
    );

    await first.close();
    await other.close();
    await eventually(async () => (await running()) === 1, "the OLS computation to stop");
    await second.close();
    await eventually(async () => (await running()) === 0, "the Theil-Sen computation to stop");

    // A start that fails (a lookback shorter than the z-window) fails every subscription asking
    // it, and leaves nothing running.
    const refused = [stream("OLS", 10), stream("OLS", 10)];
    for (const live of refused) {
      await assert.rejects(live.waitFor(() => false), /BAD_USER_INPUT|lookback/);
      await live.close();
    }
    assert.equal(await running(), 0);
  } finally {
    await Promise.all([first.close(), second.close(), other.close()]);
    await stop();
  }
});

/** Trades of both legs in `seconds` consecutive buckets from `fromUs`, as one batch. */
function catchUp(
  trade: (symbol: string, timeUs: number, price: number) => Trade,
  fromUs: number,
  seconds: number,
): Trade[] {
  const batch: Trade[] = [];
  for (let s = 0; s < seconds; s++) {
    const x = 3030 + 20 * Math.sin(s / 11);
    batch.push(trade("BBB", fromUs + s * 1e6, x));
    batch.push(trade("AAA", fromUs + s * 1e6, 2 * x + 5 * Math.cos(s / 5)));
  }
  return batch;
}

const PAIR_STREAM = `subscription { pairStream(input: { base: "AAA", quote: "BBB", timeframe: S1,
  zWindow: 20, corrWindow: 20 }, lookback: 200, maxPerSecond: 50) { time zscore } }`;

Deno.test("a catch-up that closes 1,500 buckets at once reaches a socket's pairStream whole, in order", async () => {
  const { app, baseUrl, trade, liveStart, stop } = await startWithPairHistory({
    secondsAgo: 2_000,
  });
  const live = subscribe<{ pairStream: { time: string; zscore: number | null } }>(
    baseUrl,
    PAIR_STREAM,
  );
  try {
    await live.waitFor((events) => events.length >= 1);
    await settle(200);
    // One write, one publishing: 1,501 buckets of both legs (the last one stays open).
    app.queue.push(catchUp(trade, liveStart, 1_501));
    const lastClosed = new Date((liveStart + 1_499e6) / 1000).toISOString();
    await live.waitFor((events) => events.some((e) => e.pairStream.time === lastClosed), 20_000);
    const times = live.events.map((e) => Date.parse(e.pairStream.time) * 1000)
      .filter((t) => t >= liveStart);
    const closed = [...new Set(times)].filter((t) => t < liveStart + 1_500e6);
    assert.equal(closed.length, 1_500, "every closed bucket's point");
    assert.deepEqual(times, [...times].sort((a, b) => a - b), "in bucket order");
    assert.deepEqual(live.errors, []);
  } finally {
    await live.close();
    await stop();
  }
});

Deno.test("a pairStream over HTTP that falls more than MAX_PENDING_EVENTS points behind is ended; a socket's of the same computation goes on", async () => {
  const { app, baseUrl, trade, liveStart, stop } = await startWithPairHistory({
    secondsAgo: 1_000,
    maxPendingEvents: 100,
  });
  const socket = subscribe<{ pairStream: { time: string } }>(baseUrl, PAIR_STREAM);
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query: PAIR_STREAM }),
  });
  try {
    assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
    const events = readEvents(response.body!);
    assert.equal((await events.next()).value?.event, "next", "the newest point first");
    await socket.waitFor((events) => events.length >= 1);
    await settle(200);
    // 300 closes in one publishing: more than 100 wait for the HTTP reader at once.
    app.queue.push(catchUp(trade, liveStart, 301));
    const { delivered, failure } = await readToEnd(events);
    assert.equal(failure?.extensions?.code, "SUBSCRIBER_TOO_SLOW");
    assert.match(failure!.message, /more than 100 events behind/);
    assert.ok(delivered < 300, "the backlog was released, not delivered late");

    const lastClosed = new Date((liveStart + 299e6) / 1000).toISOString();
    await socket.waitFor((events) => events.some((e) => e.pairStream.time === lastClosed));
    const closed = new Set(
      socket.events.map((e) => Date.parse(e.pairStream.time) * 1000)
        .filter((t) => t >= liveStart && t < liveStart + 300e6),
    );
    assert.equal(closed.size, 300, "the socket got every closed bucket");
    assert.deepEqual(socket.errors, []);
  } finally {
    await response.body?.cancel().catch(() => {});
    await socket.close();
    await stop();
  }
});

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
