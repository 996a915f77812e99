import assert from "node:assert/strict";
import { connectionStatus, type HealthReport } from "./connection_status.ts";

const healthy: HealthReport = {
  ok: true,
  database: { ok: true },
  feed: {
    venue: "binance-futures",
    simulated: false,
    connected: true,
    lastError: null,
    instruments: [
      { venue: "binance-futures", symbol: "BTCUSDT", state: "live", lastTradeAgeSeconds: 0.2 },
    ],
  },
  ingest: { queueDepth: 0, storedPerSecond: 12.5 },
};

Deno.test("a connected socket and a live feed read as live", () => {
  const status = connectionStatus("live", { kind: "report", report: healthy });
  assert.equal(status.label, "live");
  assert.equal(status.tone, "live");
  assert.match(status.detail, /binance-futures, storing 12\.5 trades\/s/);
});

Deno.test("a simulated feed says so", () => {
  const report = { ...healthy, feed: { ...healthy.feed!, simulated: true, venue: "sim" } };
  assert.equal(connectionStatus("live", { kind: "report", report }).label, "live · simulated");
});

Deno.test("a lost socket reads as reconnecting whatever the last health report said", () => {
  const status = connectionStatus("reconnecting", { kind: "report", report: healthy });
  assert.deepEqual([status.tone, status.label], ["warning", "reconnecting"]);
});

Deno.test("a disconnected feed reads as feed down with the feed's own error", () => {
  const report = {
    ...healthy,
    feed: { ...healthy.feed!, connected: false, lastError: "HTTP 451: region refused" },
  };
  const status = connectionStatus("live", { kind: "report", report });
  assert.deepEqual([status.tone, status.label], ["down", "feed down"]);
  assert.match(status.detail, /HTTP 451: region refused/);
});

Deno.test("an unreachable health endpoint and a broken database are told apart", () => {
  assert.equal(
    connectionStatus("live", { kind: "unreachable", reason: "HTTP 502" }).label,
    "server unreachable",
  );
  const report = { ...healthy, ok: false, database: { ok: false, error: "ECONNREFUSED" } };
  const status = connectionStatus("live", { kind: "report", report });
  assert.equal(status.label, "database down");
  assert.match(status.detail, /ECONNREFUSED/);
});

Deno.test("an instrument that is not live is named", () => {
  const report = {
    ...healthy,
    feed: {
      ...healthy.feed!,
      instruments: [...healthy.feed!.instruments, {
        venue: "binance-futures",
        symbol: "ETHUSDT",
        state: "reconnecting" as const,
        lastTradeAgeSeconds: 30,
      }],
    },
  };
  const status = connectionStatus("live", { kind: "report", report });
  assert.equal(status.label, "feed partly down");
  assert.match(status.detail, /ETHUSDT \(reconnecting\)/);
});

Deno.test("a server without a feed is not called down", () => {
  const status = connectionStatus("live", { kind: "report", report: { ...healthy, feed: null } });
  assert.deepEqual([status.tone, status.label], ["idle", "no feed"]);
});
