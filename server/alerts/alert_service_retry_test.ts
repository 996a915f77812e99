import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import type { AlertEvent, AlertRule, AlertStore } from "../store/alert_store.ts";
import { createAlertService } from "./alert_service.ts";

const RULE: AlertRule = {
  id: "1",
  name: "BTC over 100k",
  kind: "PRICE",
  condition: "ABOVE",
  level: 100_000,
  venue: "binance-futures",
  symbol: "BTCUSDT",
  quote: null,
  pair: null,
  cooldownMs: 0,
  webhookUrl: null,
  paused: false,
  armed: true,
  lastFiredAtUs: null,
  createdAtUs: 0,
};

function trade(tradeId: number, price: string): Trade {
  return {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId,
    price,
    qty: "1",
    timeUs: 1_800_000_000_000_000 + tradeId,
    receivedAtUs: 0,
    buyerMaker: null,
  };
}

/** A store whose firing writes fail `failures` times (the first one after committing, as a lost answer would). */
function flakyStore(failures: number) {
  const stored: AlertEvent[] = [];
  let attempts = 0;
  const store = {
    rules: () => Promise.resolve([RULE]),
    recordFiring(ruleId: string, firing: { timeUs: number; value: number; message: string }) {
      attempts++;
      const existing = stored.find((event) =>
        event.timeUs === firing.timeUs && event.message === firing.message
      );
      const event = existing ?? {
        id: String(stored.length + 1),
        ruleId,
        ruleName: RULE.name,
        kind: RULE.kind,
        condition: RULE.condition,
        level: RULE.level,
        ...firing,
      };
      if (!existing) stored.push(event);
      if (attempts <= failures) {
        return Promise.reject(new Error("Connection terminated unexpectedly"));
      }
      return Promise.resolve(event);
    },
  } as unknown as AlertStore;
  return { store, stored, attempts: () => attempts };
}

Deno.test("a firing whose write fails is retried until stored, then pushed once", async () => {
  const { store, stored, attempts } = flakyStore(2);
  const pushed: AlertEvent[] = [];
  const logged: string[] = [];
  const service = createAlertService(store, { closes: () => Promise.resolve([]) }, {
    onFiring: (event) => pushed.push(event),
    log: (line) => logged.push(line),
  });
  await service.start();
  service.observeTrades([trade(1, "99000"), trade(2, "101000"), trade(3, "102000")]);
  await service.flush();
  assert.equal(attempts(), 3, "two failures, then stored");
  assert.equal(stored.length, 1, "stored once, although the first failed attempt had committed");
  assert.deepEqual(pushed.map((event) => event.value), [101_000], "pushed once");
  assert.deepEqual(service.stats().failedWrites, 2);
  assert.match(logged[0], /Could not store a firing of alert rule 1 \(attempt 1\), retrying/);
  await service.close();
});

Deno.test("at shutdown a write that keeps failing is tried once more, then given up and said", async () => {
  const { store, attempts } = flakyStore(Infinity);
  const logged: string[] = [];
  const service = createAlertService(store, { closes: () => Promise.resolve([]) }, {
    log: (line) => logged.push(line),
  });
  await service.start();
  service.observeTrades([trade(1, "99000"), trade(2, "101000")]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await service.close();
  assert.equal(attempts(), 2);
  assert.match(logged.at(-1)!, /before shutdown, given up/);
});
