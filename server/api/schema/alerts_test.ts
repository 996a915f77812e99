/**
 * Alerts through the public surface: rules created, listed, paused, resumed and deleted with
 * mutations; trades pushed through the ingest queue fire exactly the expected events, which arrive
 * on the `alerts` subscription, are stored, and reach a webhook that fails twice before accepting;
 * a restart on the same embedded database does not fire a condition that already fired.
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import type { Trade } from "../../domain.ts";
import { graphqlRequest, settle, subscribe } from "../../testing/graphql_client.ts";

const VENUE = "binance-futures";
const START_MS = Date.UTC(2026, 0, 5, 10, 0, 0);

function trade(symbol: string, id: number, price: number): Trade {
  const timeUs = (START_MS + id * 100) * 1000;
  return {
    venue: VENUE,
    symbol,
    tradeId: id,
    price: String(price),
    qty: "1",
    timeUs,
    receivedAtUs: timeUs,
    buyerMaker: false,
  };
}

async function start(databaseUrl = "memory://") {
  const app = await createApp({ databaseUrl, defaultVenue: VENUE, log: () => {} });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  return {
    app,
    baseUrl,
    async push(trades: Trade[]) {
      app.queue.push(trades);
      await app.queue.flush();
      await app.alerts.flush();
    },
    async stop() {
      await app.close();
      await server.shutdown();
    },
  };
}

const RULE_FIELDS = `id name kind condition level venue symbol quote timeframe method zWindow
  lookback cooldownSeconds webhookUrl paused armed lastFiredAt`;
const CREATE =
  `mutation ($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE_FIELDS} } }`;
const EVENT_FIELDS = "id ruleId ruleName kind condition level time value message";

type Rule = Record<string, unknown> & { id: string };
type AlertEvent = { id: string; ruleId: string; time: string; value: number; message: string };

async function createRule(baseUrl: string, input: Record<string, unknown>): Promise<Rule> {
  const response = await graphqlRequest<{ createAlertRule: Rule }>(baseUrl, CREATE, { input });
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!.createAlertRule;
}

Deno.test("alert rules are created, listed, paused, resumed and deleted with mutations", async () => {
  const { baseUrl, push, stop } = await start();
  try {
    await push([trade("BTCUSDT", 1, 100), trade("ETHUSDT", 1, 10)]);
    const price = await createRule(baseUrl, {
      condition: "ABOVE",
      level: 105,
      symbol: "btcusdt",
      cooldownSeconds: 2.5,
      webhookUrl: "https://example.com/hook",
    });
    assert.deepEqual({ ...price, id: undefined }, {
      id: undefined,
      name: "BTCUSDT above 105",
      kind: "PRICE",
      condition: "ABOVE",
      level: 105,
      venue: VENUE,
      symbol: "BTCUSDT",
      quote: null,
      timeframe: null,
      method: null,
      zWindow: null,
      lookback: null,
      cooldownSeconds: 2.5,
      webhookUrl: "https://example.com/hook",
      paused: false,
      armed: true,
      lastFiredAt: null,
    });
    const zscore = await createRule(baseUrl, {
      name: "stretched",
      condition: "OUTSIDE",
      level: 2,
      pair: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: "S1", method: "KALMAN", zWindow: 20 },
    });
    assert.equal(zscore.kind, "ZSCORE");
    assert.equal(zscore.quote, "ETHUSDT");
    assert.equal(zscore.timeframe, "S1");
    assert.equal(zscore.method, "KALMAN");
    assert.equal(zscore.zWindow, 20);
    assert.equal(zscore.lookback, 500);

    const list = async () =>
      (await graphqlRequest<{ alertRules: Rule[] }>(baseUrl, "{ alertRules { id paused } }"))
        .data!.alertRules;
    assert.deepEqual(await list(), [{ id: price.id, paused: false }, {
      id: zscore.id,
      paused: false,
    }]);
    const paused = await graphqlRequest<{ pauseAlertRule: Rule }>(
      baseUrl,
      `mutation ($id: ID!) { pauseAlertRule(id: $id) { id paused } }`,
      { id: price.id },
    );
    assert.deepEqual(paused.data?.pauseAlertRule, { id: price.id, paused: true });
    assert.deepEqual((await list())[0], { id: price.id, paused: true });
    const resumed = await graphqlRequest<{ resumeAlertRule: Rule }>(
      baseUrl,
      `mutation ($id: ID!) { resumeAlertRule(id: $id) { paused } }`,
      { id: price.id },
    );
    assert.deepEqual(resumed.data?.resumeAlertRule, { paused: false });
    const deleteRule = (id: string) =>
      graphqlRequest<{ deleteAlertRule: boolean }>(
        baseUrl,
        `mutation ($id: ID!) { deleteAlertRule(id: $id) }`,
        { id },
      );
    assert.equal((await deleteRule(zscore.id)).data?.deleteAlertRule, true);
    assert.equal((await deleteRule(zscore.id)).data?.deleteAlertRule, false);
    assert.deepEqual((await list()).map((rule) => rule.id), [price.id]);
    const missing = await graphqlRequest(
      baseUrl,
      `mutation { pauseAlertRule(id: "987654") { id } }`,
    );
    assert.equal(missing.errors?.[0].extensions?.code, "NOT_FOUND");
  } finally {
    await stop();
  }
});

Deno.test("invalid alert rules are refused with the reason and nothing is stored", async () => {
  const { baseUrl, push, stop } = await start();
  try {
    await push([trade("BTCUSDT", 1, 100), trade("ETHUSDT", 1, 10)]);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ condition: "ABOVE", level: 1, symbol: "DOGEUSDT" }, "NOT_FOUND", /No data for/],
      [
        {
          condition: "OUTSIDE",
          level: 2,
          pair: { base: "BTCUSDT", quote: "XRPUSDT", timeframe: "M1" },
        },
        "NOT_FOUND",
        /XRPUSDT/,
      ],
      [
        { condition: "ABOVE", level: 1, symbol: "BTCUSDT", webhookUrl: "ftp://x/y" },
        "BAD_USER_INPUT",
        /http or https/,
      ],
      [
        { condition: "ABOVE", level: 1, symbol: "BTCUSDT", webhookUrl: "not a url" },
        "BAD_USER_INPUT",
        /not a URL/,
      ],
      [{ condition: "OUTSIDE", level: 1, symbol: "BTCUSDT" }, "BAD_USER_INPUT", /z-score rules/],
      [
        {
          condition: "CROSSING",
          level: 1,
          pair: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: "M1" },
        },
        "BAD_USER_INPUT",
        /price rules/,
      ],
      [
        {
          condition: "OUTSIDE",
          level: -1,
          pair: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: "M1" },
        },
        "BAD_USER_INPUT",
        /above 0/,
      ],
      [
        {
          condition: "ABOVE",
          level: 1,
          pair: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: "M1", zWindow: 50 },
          lookback: 10,
        },
        "BAD_USER_INPUT",
        /lookback/,
      ],
      [
        {
          condition: "ABOVE",
          level: 1,
          pair: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: "M1", from: "2026-01-01" },
        },
        "BAD_USER_INPUT",
        /from and pair.to/,
      ],
      [{ condition: "ABOVE", level: 1 }, "BAD_USER_INPUT", /either symbol/],
      [
        { condition: "ABOVE", level: 1, symbol: "BTCUSDT", cooldownSeconds: -1 },
        "BAD_USER_INPUT",
        /cooldownSeconds/,
      ],
    ];
    for (const [input, code, message] of cases) {
      const response = await graphqlRequest(baseUrl, CREATE, { input });
      assert.equal(response.errors?.[0].extensions?.code, code, JSON.stringify(input));
      assert.match(response.errors![0].message, message);
    }
    const listed = await graphqlRequest<{ alertRules: Rule[] }>(baseUrl, "{ alertRules { id } }");
    assert.deepEqual(listed.data?.alertRules, []);
  } finally {
    await stop();
  }
});

Deno.test("live trades fire exactly the expected alerts, pushed on the subscription, stored and posted to a webhook that fails twice", async () => {
  // The receiver fails the first two attempts of each firing, then accepts it.
  const hits: AlertEvent[] = [];
  const receiver = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    async (req) => {
      const body = await req.json();
      hits.push(body);
      const attempts = hits.filter((hit) => hit.id === body.id).length;
      return new Response(null, { status: attempts <= 2 ? 500 : 200 });
    },
  );
  const { app, baseUrl, push, stop } = await start();
  const alerts = subscribe<{ alerts: AlertEvent }>(
    baseUrl,
    `subscription { alerts { ${EVENT_FIELDS} } }`,
  );
  try {
    await push([trade("BTCUSDT", 1, 100), trade("ETHUSDT", 1, 10)]);
    const above = await createRule(baseUrl, {
      name: "over 105",
      condition: "ABOVE",
      level: 105,
      symbol: "BTCUSDT",
      webhookUrl: `http://127.0.0.1:${receiver.addr.port}/hook`,
    });
    const crossing = await createRule(baseUrl, {
      condition: "CROSSING",
      level: 100,
      symbol: "BTCUSDT",
    });
    const below = await createRule(baseUrl, {
      condition: "BELOW",
      level: 9,
      symbol: "ETHUSDT",
      cooldownSeconds: 1,
    });
    await settle();
    // BTC: 101 only sets the crossing rule's side (its first observation); 106 fires above; 107
    // stays above; 104 re-arms above; 99 crosses down; 98 stays (re-arms crossing); 106 fires
    // above again and crosses up.
    // ETH (trades 100 ms apart): 8 fires below at 0.2 s; 10 re-arms; 8 at 0.6 s is inside the 1 s
    // cooldown (swallowed); 10 re-arms; 8 at 1.4 s fires.
    const btc = [101, 106, 107, 104, 99, 98, 106];
    const eth = [8, 10, 10, 10, 8, 10, 10, 10, 10, 10, 10, 10, 8];
    await push([
      ...btc.map((price, i) => trade("BTCUSDT", i + 2, price)),
      ...eth.map((price, i) => trade("ETHUSDT", i + 2, price)),
    ]);
    const expected = [
      [above.id, 106, 3, "binance-futures:BTCUSDT price 106 is above 105"],
      [crossing.id, 99, 6, "binance-futures:BTCUSDT price 99 crossed 100 downward"],
      [above.id, 106, 8, "binance-futures:BTCUSDT price 106 is above 105"],
      [crossing.id, 106, 8, "binance-futures:BTCUSDT price 106 crossed 100 upward"],
      [below.id, 8, 2, "binance-futures:ETHUSDT price 8 is below 9"],
      [below.id, 8, 14, "binance-futures:ETHUSDT price 8 is below 9"],
    ].map(([ruleId, value, id, message]) => ({
      ruleId,
      value,
      time: new Date(START_MS + Number(id) * 100).toISOString(),
      message,
    }));
    const received = await alerts.waitFor((events) => events.length >= expected.length);
    // Nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      alerts.events.map(({ alerts: e }) => ({
        ruleId: e.ruleId,
        value: e.value,
        time: e.time,
        message: e.message,
      })),
      expected,
    );
    const stored = await graphqlRequest<{ alertEvents: AlertEvent[] }>(
      baseUrl,
      `{ alertEvents { ${EVENT_FIELDS} } }`,
    );
    assert.deepEqual(stored.data?.alertEvents, received.map((e) => e.alerts).reverse());
    const ofRule = await graphqlRequest<{ alertEvents: AlertEvent[] }>(
      baseUrl,
      `query ($id: ID) { alertEvents(ruleId: $id, limit: 1) { value time } }`,
      { id: above.id },
    );
    assert.deepEqual(ofRule.data?.alertEvents, [{ value: 106, time: expected[2].time }]);

    // The webhook received both firings of its rule; the first one took three attempts.
    const deadline = Date.now() + 10_000;
    while (app.alerts.stats().webhooks.delivered < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(app.alerts.stats().webhooks.delivered, 2);
    // Each of the rule's two firings was posted three times, as the GraphQL event.
    const [first, second] = received.filter((e) => e.alerts.ruleId === above.id);
    assert.deepEqual(
      hits.filter((hit) => hit.id === first.alerts.id),
      [1, 2, 3].map(() => first.alerts),
    );
    assert.deepEqual(
      hits.filter((hit) => hit.id === second.alerts.id),
      [1, 2, 3].map(() => second.alerts),
    );
    assert.equal(hits.length, 6);
    assert.equal(app.alerts.stats().webhooks.retries, 4);
    const health = await (await fetch(`${baseUrl}/healthz`)).json();
    assert.equal(health.alerts.firings, 6);
  } finally {
    await alerts.close();
    await stop();
    await receiver.shutdown();
  }
});

Deno.test("after a restart on the same database a rule that fired does not fire again while its condition holds", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "alerts_restart_" });
  try {
    const first = await start(dataDir);
    let ruleId: string;
    try {
      await first.push([trade("BTCUSDT", 1, 100)]);
      ruleId =
        (await createRule(first.baseUrl, { condition: "ABOVE", level: 105, symbol: "BTCUSDT" }))
          .id;
      await first.push([trade("BTCUSDT", 2, 106), trade("BTCUSDT", 3, 107)]);
      assert.equal((await first.app.alerts.events()).length, 1);
    } finally {
      await first.stop();
    }

    const second = await start(dataDir);
    const alerts = subscribe<{ alerts: AlertEvent }>(
      second.baseUrl,
      `subscription { alerts { ${EVENT_FIELDS} } }`,
    );
    try {
      await settle();
      const rules = await graphqlRequest<{ alertRules: Rule[] }>(
        second.baseUrl,
        "{ alertRules { id armed lastFiredAt } }",
      );
      assert.deepEqual(rules.data?.alertRules, [{
        id: ruleId,
        armed: false,
        lastFiredAt: new Date(START_MS + 200).toISOString(),
      }]);
      await second.push([trade("BTCUSDT", 4, 108), trade("BTCUSDT", 5, 110)]);
      await settle(200);
      assert.deepEqual(alerts.events, []);
      assert.equal((await second.app.alerts.events()).length, 1);
      // Falling back under the level re-arms it; the next rise fires.
      await second.push([trade("BTCUSDT", 6, 104), trade("BTCUSDT", 7, 106)]);
      const [event] = await alerts.waitFor((events) => events.length === 1);
      assert.equal(event.alerts.time, new Date(START_MS + 700).toISOString());
      assert.equal((await second.app.alerts.events()).length, 2);
    } finally {
      await alerts.close();
      await second.stop();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
