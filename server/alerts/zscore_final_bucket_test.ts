/**
 * A z-score rule judges a bucket only once both legs are final for it. Trades of two symbols are
 * not ordered against each other: the first trade of the next bucket of one leg may arrive before
 * the other leg's last trade of the bucket, and a quiet pair has no next trade at all. The app runs
 * on a clock the tests move; the expected z of each bucket comes from `computePairAnalytics` on the
 * stored closes (or on closes with one bar changed, for what a too-early evaluation would see).
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import type { Trade } from "../domain.ts";
import { computePairAnalytics } from "../analytics/pair_analytics.ts";
import type { BarClose } from "../store/trade_store.ts";
import { graphqlRequest, settle, subscribe } from "../testing/graphql_client.ts";

const VENUE = "sim";
const HISTORY_BUCKETS = 300;
const Z_WINDOW = 20;
const BAND = 2;
/** The grace live bars give a bucket after its end (their default). */
const GRACE_US = 1_500_000;
/** Start of the history, whole seconds, in the past. */
const START_US = (Math.floor(Date.now() / 1000) - 600) * 1_000_000;
const LIVE_START_US = START_US + HISTORY_BUCKETS * 1e6;
const ANALYSIS = { method: "ROLLING_OLS", zWindow: Z_WINDOW, barSeconds: 1 } as const;

type AlertEvent = { ruleId: string; time: string; value: number };

function quotePrice(second: number): number {
  return 3000 + 20 * Math.sin(second / 7) + second * 0.1;
}

/** The base's price, `shape` times its usual relation to the quote. */
function basePrice(second: number, shape = 1): number {
  return (2 * quotePrice(second) + 5 * Math.cos(second / 3)) * shape;
}

/** A trade `offsetMs` into live bucket k (negative k: history). */
function trade(symbol: string, k: number, offsetMs: number, price: number): Trade {
  const timeUs = LIVE_START_US + k * 1e6 + offsetMs * 1000;
  return {
    venue: VENUE,
    symbol,
    tradeId: timeUs / 1000,
    price: price.toFixed(4),
    qty: "1",
    timeUs,
    receivedAtUs: timeUs,
    buyerMaker: null,
  };
}

/** An app on a moved clock with history and one ROLLING_OLS |z| > 2 rule on AAA/BBB. */
async function start(dataDir: string) {
  const clock = { ms: LIVE_START_US / 1000 };
  const app = await createApp({
    databaseUrl: dataDir,
    defaultVenue: VENUE,
    log: () => {},
    now: () => clock.ms,
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  const alerts = subscribe<{ alerts: AlertEvent }>(
    baseUrl,
    "subscription { alerts { ruleId time value } }",
  );
  await settle();
  async function push(trades: Trade[]) {
    app.queue.push(trades);
    await app.queue.flush();
    await app.alerts.flush();
  }
  const history: Trade[] = [];
  for (let k = -HISTORY_BUCKETS; k < 0; k++) {
    history.push(trade("BBB", k, 100, quotePrice(k)));
    history.push(trade("AAA", k, 200, basePrice(k)));
  }
  await push(history);
  const pair = { base: "AAA", quote: "BBB", timeframe: "S1", method: "ROLLING_OLS", zWindow: 20 };
  const response = await graphqlRequest<{ createAlertRule: { id: string } }>(
    baseUrl,
    `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`,
    { input: { name: "z", condition: "OUTSIDE", level: BAND, pair } },
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return {
    push,
    /** Moves the clock and runs the app's tick (live bars, then alerts). */
    async setClock(timeUs: number) {
      clock.ms = timeUs / 1000;
      app.liveBars.tick();
      app.alerts.tick();
      await app.alerts.flush();
    },
    /** Firings pushed so far, as live bucket offsets with their values. */
    async firings(): Promise<{ k: number; value: number }[]> {
      await settle(100);
      return alerts.events.map(({ alerts: event }) => ({
        k: (Date.parse(event.time) * 1000 - LIVE_START_US) / 1e6,
        value: event.value,
      }));
    },
    /** ROLLING_OLS z of live bucket k on the stored closes, BBB's close there replaced if given. */
    async zAt(k: number, options: { bbbClose?: number } = {}): Promise<number> {
      const closes = (symbol: string): Promise<BarClose[]> =>
        app.store.closes({ venue: VENUE, symbol, timeframe: "1s" });
      const [base, quote] = await Promise.all([closes("AAA"), closes("BBB")]);
      const bucketUs = LIVE_START_US + k * 1e6;
      const bars = quote.map((bar) =>
        bar.timeUs === bucketUs && options.bbbClose !== undefined
          ? { timeUs: bar.timeUs, close: options.bbbClose }
          : bar
      );
      const result = computePairAnalytics({
        base: { symbol: "AAA", bars: base },
        quote: { symbol: "BBB", bars },
      }, ANALYSIS);
      return result.points.find((point) => point.timeUs === bucketUs)!.zscore!;
    },
    async stop() {
      await alerts.close();
      await app.close();
      await server.shutdown();
    },
  };
}

function assertNear(actual: number, expected: number, label: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${label}: ${actual}, expected ${expected}`,
  );
}

async function withApp(test: (app: Awaited<ReturnType<typeof start>>) => Promise<void>) {
  const dataDir = await Deno.makeTempDir({ prefix: "zscore_final_" });
  try {
    const app = await start(dataDir);
    try {
      await test(app);
    } finally {
      await app.stop();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("a bucket is judged on its final z when the other leg's last trade arrives after the next bucket's first trade", async () => {
  await withApp(async (app) => {
    for (const k of [0, 1]) {
      await app.push([trade("BBB", k, 100, quotePrice(k)), trade("AAA", k, 200, basePrice(k))]);
    }
    // Bucket 2: AAA leaves its usual relation; BBB's first trade of the bucket follows AAA (z
    // inside the band), its last one does not (z outside), and arrives after AAA's first trade
    // of bucket 3.
    const early = quotePrice(2) * 1.01;
    await app.push([trade("BBB", 2, 100, early), trade("AAA", 2, 200, basePrice(2, 1.01))]);
    await app.push([trade("AAA", 3, 50, basePrice(3))]);
    await app.push([trade("BBB", 2, 900, quotePrice(2))]);
    assert.deepEqual(await app.firings(), [], "bucket 2 judged before BBB's bar of it closed");
    await app.push([trade("BBB", 3, 100, quotePrice(3))]);
    const final2 = await app.zAt(2);
    assert.ok(Math.abs(await app.zAt(2, { bbbClose: early })) <= BAND, "early z inside");
    assert.ok(Math.abs(final2) > BAND, `final z ${final2} outside`);

    // Bucket 5 the other way round: z outside on BBB's first trade, inside on its last one.
    await app.push([trade("BBB", 4, 100, quotePrice(4)), trade("AAA", 4, 200, basePrice(4))]);
    const late = quotePrice(5) * 1.01;
    await app.push([
      trade("BBB", 5, 100, quotePrice(5)),
      trade("AAA", 5, 200, basePrice(5, 1.01)),
    ]);
    await app.push([trade("AAA", 6, 50, basePrice(6))]);
    await app.push([trade("BBB", 5, 900, late)]);
    await app.push([trade("BBB", 6, 100, quotePrice(6))]);
    assert.ok(Math.abs(await app.zAt(5, { bbbClose: quotePrice(5) })) > BAND, "early z outside");
    assert.ok(Math.abs(await app.zAt(5)) <= BAND, "final z inside");

    // Buckets 3 and 4 bring z back inside (re-arming): only bucket 2 fires, with its final z.
    for (const k of [3, 4]) assert.ok(Math.abs(await app.zAt(k)) <= BAND, `z of ${k} inside`);
    const firings = await app.firings();
    assert.deepEqual(firings.map((firing) => firing.k), [2]);
    assertNear(firings[0].value, final2, "value of the firing at bucket 2");
  });
});

Deno.test("a quiet pair's bucket is judged once the clock passes its end plus the grace, without a next trade of the other leg", async () => {
  await withApp(async (app) => {
    // Bucket 0: only AAA trades, away from its usual relation to BBB's last close.
    await app.push([trade("AAA", 0, 200, basePrice(0, 1.02))]);
    // AAA's first trade of bucket 1 closes its bar of bucket 0; BBB, silent since the history,
    // could still send a late trade of bucket 0 until the grace has passed.
    await app.setClock(LIVE_START_US + 1e6 + 100_000);
    await app.push([trade("AAA", 1, 50, basePrice(1))]);
    await app.setClock(LIVE_START_US + 1e6 + GRACE_US - 1000);
    assert.deepEqual(await app.firings(), [], "bucket 0 judged before the grace passed");
    await app.setClock(LIVE_START_US + 1e6 + GRACE_US);
    const z0 = await app.zAt(0);
    assert.ok(Math.abs(z0) > BAND, `z ${z0} outside`);
    const firings = await app.firings();
    assert.deepEqual(firings.map((firing) => firing.k), [0]);
    assertNear(firings[0].value, z0, "value of the firing at bucket 0");

    // Bucket 2: AAA alone again, then nothing: the clock closes its bar and judges the bucket.
    await app.push([trade("AAA", 2, 200, basePrice(2, 1.02))]);
    await app.setClock(LIVE_START_US + 3e6 + GRACE_US - 1000);
    assert.deepEqual((await app.firings()).map((firing) => firing.k), [0]);
    await app.setClock(LIVE_START_US + 3e6 + GRACE_US);
    const [z1, z2] = [await app.zAt(1), await app.zAt(2)];
    assert.ok(Math.abs(z1) <= BAND && Math.abs(z2) > BAND, `z ${z1} inside, then ${z2} outside`);
    const all = await app.firings();
    assert.deepEqual(all.map((firing) => firing.k), [0, 2]);
    assertNear(all[1].value, z2, "value of the firing at bucket 2");
  });
});
