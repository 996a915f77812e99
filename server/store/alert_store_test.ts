import assert from "node:assert/strict";
import { databaseTest } from "../testing/databases.ts";
import { createAlertStore, type NewAlertRule } from "./alert_store.ts";

const PRICE_RULE: NewAlertRule = {
  name: "BTC over 100k",
  kind: "PRICE",
  condition: "ABOVE",
  level: 100_000.5,
  venue: "binance-futures",
  symbol: "BTCUSDT",
  quote: null,
  pair: null,
  cooldownMs: 60_000,
  webhookUrl: "https://example.com/hook",
};

const ZSCORE_RULE: NewAlertRule = {
  name: "BTC/ETH stretched",
  kind: "ZSCORE",
  condition: "OUTSIDE",
  level: 2,
  venue: "binance-futures",
  symbol: "BTCUSDT",
  quote: "ETHUSDT",
  pair: {
    timeframe: "1m",
    method: "KALMAN",
    priceTransform: "LOG",
    zWindow: 30,
    corrWindow: 60,
    hedgeWindow: 100,
    kalmanDelta: 1e-4,
    kalmanR: 1e-3,
    lookback: 500,
  },
  cooldownMs: 0,
  webhookUrl: null,
};

databaseTest("alert rules are stored, listed, paused and deleted as created", async (db) => {
  const store = createAlertStore(db.sql);
  const price = await store.createRule(PRICE_RULE);
  const zscore = await store.createRule(ZSCORE_RULE);
  assert.deepEqual({ ...price, id: undefined, createdAtUs: undefined }, {
    ...PRICE_RULE,
    id: undefined,
    createdAtUs: undefined,
    paused: false,
    armed: true,
    lastFiredAtUs: null,
  });
  assert.deepEqual((await store.rules()).map((rule) => rule.id), [price.id, zscore.id]);
  assert.deepEqual((await store.rule(zscore.id))?.pair, ZSCORE_RULE.pair);
  assert.equal((await store.setPaused(price.id, true))?.paused, true);
  assert.equal((await store.rule(price.id))?.paused, true);
  assert.equal(await store.setPaused("999999", true), null);
  assert.equal(await store.setPaused("not-an-id", true), null);
  assert.equal(await store.deleteRule(zscore.id), true);
  assert.equal(await store.deleteRule(zscore.id), false);
  assert.deepEqual((await store.rules()).map((rule) => rule.id), [price.id]);
});

databaseTest(
  "a firing is stored with the rule's new state, and events list newest first",
  async (db) => {
    const store = createAlertStore(db.sql);
    const rule = await store.createRule(PRICE_RULE);
    const other = await store.createRule({ ...PRICE_RULE, name: "other" });
    const timeUs = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000 + 678;
    const event = await store.recordFiring(rule.id, {
      timeUs,
      value: 100_001.25,
      message: "BTCUSDT 100001.25 above 100000.5",
    });
    assert.deepEqual({ ...event, id: undefined }, {
      id: undefined,
      ruleId: rule.id,
      ruleName: "BTC over 100k",
      kind: "PRICE",
      condition: "ABOVE",
      level: 100_000.5,
      timeUs,
      value: 100_001.25,
      message: "BTCUSDT 100001.25 above 100000.5",
    });
    const stored = await store.rule(rule.id);
    assert.equal(stored?.armed, false);
    assert.equal(stored?.lastFiredAtUs, timeUs);
    await store.setArmed(rule.id, true);
    assert.equal((await store.rule(rule.id))?.armed, true);

    await store.recordFiring(other.id, { timeUs: timeUs + 1, value: 1, message: "b" });
    await store.recordFiring(rule.id, { timeUs: timeUs + 2, value: 2, message: "c" });
    assert.deepEqual((await store.events()).map((e) => e.message), [
      "c",
      "b",
      "BTCUSDT 100001.25 above 100000.5",
    ]);
    assert.deepEqual((await store.events({ ruleId: rule.id, limit: 1 })).map((e) => e.message), [
      "c",
    ]);

    assert.equal(await store.deleteRule(rule.id), true);
    assert.equal(await store.recordFiring(rule.id, { timeUs, value: 1, message: "late" }), null);
    assert.deepEqual((await store.events()).map((e) => e.message), ["b"]);
  },
);

databaseTest(
  "recording the same firing again (a retry) returns the stored event, not a second",
  async (db) => {
    const store = createAlertStore(db.sql);
    const rule = await store.createRule(PRICE_RULE);
    const firing = { timeUs: Date.UTC(2026, 0, 2) * 1000, value: 100_001, message: "above" };
    const first = await store.recordFiring(rule.id, firing);
    const again = await store.recordFiring(rule.id, firing);
    assert.deepEqual(again, first);
    assert.equal((await store.events({ ruleId: rule.id })).length, 1);
    const later = await store.recordFiring(rule.id, { ...firing, timeUs: firing.timeUs + 1 });
    assert.notEqual(later?.id, first?.id, "a later firing is a new event");
    assert.equal((await store.events({ ruleId: rule.id })).length, 2);
  },
);
