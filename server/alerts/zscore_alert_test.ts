/**
 * Z-score alert rules, live: two symbols trade once a second, two rules (OLS with a 100-bucket
 * lookback, ROLLING_OLS) watch |z| > 2 with a 20-bucket z-window, and live buckets push the pair's
 * spread out of the band and back. The z-score of every closed bucket is computed independently by
 * `pairAnalytics` over the same stored bars, and the test asserts exactly which buckets fire (once
 * when |z| leaves the band, again only after it came back inside), with the bucket's z as the value,
 * on the `alerts` subscription and in `alertEvents`; a paused rule does not fire; after a restart on
 * the same database a rule whose condition still holds does not fire again.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import type { Trade } from "../domain.ts";
import { graphqlRequest, settle, subscribe } from "../testing/graphql_client.ts";

const VENUE = "sim";
const HISTORY_BUCKETS = 300;
const Z_WINDOW = 20;
const OLS_LOOKBACK = 100;
const BAND = 2;
/** Start of the history, whole seconds, far enough back that every bucket is in the past. */
const START_US = (Math.floor(Date.now() / 1000) - 600) * 1_000_000;
const LIVE_START_US = START_US + HISTORY_BUCKETS * 1e6;

/**
 * The base's price relative to its usual relation to the quote, per live bucket (1 = usual).
 * Buckets 0..12 trade before the restart, 13..16 after it.
 */
const LIVE_SHAPE = [
  1, // 0
  1, // 1
  1.01, // 2: leaves the band: fires
  1.015, // 3: still outside: no firing
  1, // 4: back inside: re-arms
  1, // 5
  0.985, // 6: leaves the band below: fires
  1, // 7: re-arms
  1.025, // 8: outside while the OLS rule is paused: only ROLLING_OLS fires
  1.03, // 9: still outside; the OLS rule is resumed while this bucket forms: it fires
  1, // 10: back inside: re-arms
  1.04, // 11: outside: fires
  1.05, // 12: still outside; the app restarts while this bucket is the newest
  1.06, // 13: still outside after the restart: no firing
  1, // 14: re-arms
  1.07, // 15: outside: fires
  1, // 16: closes bucket 15
];
const EXPECTED_FIRINGS = { OLS: [2, 6, 9, 11, 15], ROLLING_OLS: [2, 6, 8, 11, 15] };

type Method = keyof typeof EXPECTED_FIRINGS;
type AlertEvent = { id: string; ruleId: string; time: string; value: number; message: string };

function quotePrice(second: number): number {
  return 3000 + 20 * Math.sin(second / 7) + second * 0.1;
}

function basePrice(second: number, shape = 1): number {
  return (2 * quotePrice(second) + 5 * Math.cos(second / 3)) * shape;
}

/** The one trade of `symbol` in the bucket `second` seconds after the start of the history. */
function trade(symbol: string, second: number, price: number): Trade {
  const timeUs = START_US + second * 1e6;
  return {
    venue: VENUE,
    symbol,
    tradeId: second + 1,
    price: price.toFixed(4),
    qty: "1",
    timeUs,
    receivedAtUs: timeUs,
    buyerMaker: null,
  };
}

async function start(databaseUrl: string) {
  // The clock stays at the start of the live buckets: each bucket closes by the next trades, as in
  // a busy market, never by the clock while the test pauses or restarts between buckets.
  const app = await createApp({
    databaseUrl,
    defaultVenue: VENUE,
    log: () => {},
    now: () => LIVE_START_US / 1000,
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  const alerts = subscribe<{ alerts: AlertEvent }>(
    baseUrl,
    "subscription { alerts { id ruleId ruleName kind condition level time value message } }",
  );
  await settle();
  return {
    app,
    baseUrl,
    alerts,
    async push(trades: Trade[]) {
      app.queue.push(trades);
      await app.queue.flush();
      await app.alerts.flush();
    },
    /** One trade of each leg in live bucket k (quote first, as in the history). */
    async pushBucket(k: number) {
      const second = HISTORY_BUCKETS + k;
      await this.push([
        trade("BBB", second, quotePrice(second)),
        trade("AAA", second, basePrice(second, LIVE_SHAPE[k])),
      ]);
    },
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const response = await graphqlRequest<T>(baseUrl, query, variables);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!;
    },
    async stop() {
      await alerts.close();
      await app.close();
      await server.shutdown();
    },
  };
}

const PAIR = `base: "AAA", quote: "BBB", timeframe: S1, zWindow: ${Z_WINDOW}`;
const iso = (timeUs: number) => new Date(timeUs / 1000).toISOString();
const liveTime = (k: number) => iso(LIVE_START_US + k * 1e6);

Deno.test("z-score rules fire on exactly the closed buckets whose z leaves the band, once per excursion, not while paused, not again after a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "zscore_alerts_" });
  try {
    const first = await start(dataDir);
    const ruleIds = {} as Record<Method, string>;
    const pushed: AlertEvent[] = [];
    try {
      const history: Trade[] = [];
      for (let s = 0; s < HISTORY_BUCKETS; s++) {
        history.push(trade("BBB", s, quotePrice(s)));
        history.push(trade("AAA", s, basePrice(s)));
      }
      await first.push(history);
      for (const method of ["OLS", "ROLLING_OLS"] as const) {
        const { createAlertRule } = await first.request<{ createAlertRule: { id: string } }>(
          `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`,
          {
            input: {
              name: method,
              condition: "OUTSIDE",
              level: BAND,
              lookback: OLS_LOOKBACK,
              pair: { base: "AAA", quote: "BBB", timeframe: "S1", method, zWindow: Z_WINDOW },
            },
          },
        );
        ruleIds[method] = createAlertRule.id;
      }
      const setPaused = (paused: boolean) =>
        first.request(
          `mutation ($id: ID!) { ${paused ? "pause" : "resume"}AlertRule(id: $id) { id } }`,
          { id: ruleIds.OLS },
        );
      for (let k = 0; k <= 12; k++) {
        await first.pushBucket(k);
        // The OLS rule is paused while bucket 8 forms and closes, and resumed while bucket 9 forms.
        if (k === 8) await setPaused(true);
        if (k === 9) await setPaused(false);
      }
      await settle(200);
      assertFirings(first.alerts.events.map((e) => e.alerts), ruleIds, {
        OLS: [2, 6, 9, 11],
        ROLLING_OLS: [2, 6, 8, 11],
      });
      pushed.push(...first.alerts.events.map((e) => e.alerts));
    } finally {
      await first.stop();
    }

    const second = await start(dataDir);
    try {
      const { alertRules } = await second.request<{ alertRules: { armed: boolean }[] }>(
        "{ alertRules { armed } }",
      );
      assert.deepEqual(alertRules, [{ armed: false }, { armed: false }]);
      for (let k = 13; k <= 16; k++) await second.pushBucket(k);
      await settle(200);
      assertFirings(second.alerts.events.map((e) => e.alerts), ruleIds, {
        OLS: [15],
        ROLLING_OLS: [15],
      });

      // Every stored firing carries the z-score pairAnalytics gives for its bucket on the same bars.
      const { alertEvents } = await second.request<{ alertEvents: AlertEvent[] }>(
        "{ alertEvents { id ruleId time value message } }",
      );
      // What was pushed on the subscription is what is stored (newest first).
      pushed.push(...second.alerts.events.map((e) => e.alerts));
      assert.deepEqual(
        alertEvents,
        pushed.reverse().map(({ id, ruleId, time, value, message }) => ({
          id,
          ruleId,
          time,
          value,
          message,
        })),
      );
      const z = await expectedZScores(second.request);
      for (const method of ["OLS", "ROLLING_OLS"] as const) {
        const stored = alertEvents.filter((event) => event.ruleId === ruleIds[method]).reverse();
        assert.deepEqual(stored.map((event) => event.time), EXPECTED_FIRINGS[method].map(liveTime));
        for (const event of stored) {
          const k = (Date.parse(event.time) * 1000 - LIVE_START_US) / 1e6;
          const expected = z[method][k]!;
          assert.ok(
            Math.abs(event.value - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
            `${method} firing at bucket ${k}: value ${event.value}, pairAnalytics z ${expected}`,
          );
          assert.match(
            event.message,
            /^sim:AAA\/BBB z-score \(1s, (ROLLING_)?OLS\) -?[\d.]+ is outside ±2$/,
          );
        }
        // The same firings follow from the independent z-scores: |z| > 2 fires when armed,
        // |z| <= 2 re-arms; bucket 8 is skipped by the paused OLS rule.
        const derived: number[] = [];
        let armed = true;
        z[method].forEach((value, k) => {
          if (value === null || (method === "OLS" && k === 8)) return;
          if (Math.abs(value) <= BAND) armed = true;
          else if (armed) {
            armed = false;
            derived.push(k);
          }
        });
        assert.deepEqual(derived, EXPECTED_FIRINGS[method], `${method} z: ${z[method]}`);
      }
    } finally {
      await second.stop();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** The rules' pushed firings, as bucket offsets per rule, in the order they arrived. */
function assertFirings(
  events: AlertEvent[],
  ruleIds: Record<Method, string>,
  expected: Record<Method, number[]>,
): void {
  const actual = {} as Record<Method, number[]>;
  for (const method of ["OLS", "ROLLING_OLS"] as const) {
    actual[method] = events.filter((event) => event.ruleId === ruleIds[method])
      .map((event) => (Date.parse(event.time) * 1000 - LIVE_START_US) / 1e6);
  }
  assert.deepEqual(actual, expected);
}

/**
 * The z-score of each closed live bucket 0..15 per rule, from `pairAnalytics` on the stored bars:
 * ROLLING_OLS over the whole range (a point depends only on its last hedgeWindow + zWindow
 * buckets); OLS fitted on the `lookback` buckets ending at that bucket, as the rule's stream does.
 */
async function expectedZScores(
  request: <T>(query: string) => Promise<T>,
): Promise<Record<Method, (number | null)[]>> {
  type Points = { pairAnalytics: { points: { time: string; zscore: number | null }[] } };
  const liveBuckets = LIVE_SHAPE.length - 1;
  const rolling = await request<Points>(
    `{ pairAnalytics(input: { ${PAIR}, method: ROLLING_OLS, from: "${iso(START_US)}",
       to: "${liveTime(liveBuckets)}" }) { points { time zscore } } }`,
  );
  const byTime = new Map(rolling.pairAnalytics.points.map((p) => [p.time, p.zscore]));
  const result: Record<Method, (number | null)[]> = { OLS: [], ROLLING_OLS: [] };
  for (let k = 0; k < liveBuckets; k++) {
    result.ROLLING_OLS.push(byTime.get(liveTime(k)) ?? null);
    const bucketUs = LIVE_START_US + k * 1e6;
    const ols = await request<Points>(
      `{ pairAnalytics(input: { ${PAIR}, method: OLS,
         from: "${iso(bucketUs - (OLS_LOOKBACK - 1) * 1e6)}", to: "${iso(bucketUs + 1e6)}" })
         { points { time zscore } } }`,
    );
    const points = ols.pairAnalytics.points;
    assert.equal(points.length, OLS_LOOKBACK);
    assert.equal(points[points.length - 1].time, liveTime(k));
    result.OLS.push(points[points.length - 1].zscore);
  }
  return result;
}
