import assert from "node:assert/strict";
import { databaseTest } from "../testing/databases.ts";
import type { DataGap } from "../feed/feed.ts";
import { createGapStore } from "./gap_store.ts";

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0) * 1000;

function gap(fields: Partial<DataGap> = {}): DataGap {
  return {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    fromId: 101,
    toId: 800,
    fromTimeUs: T0,
    toTimeUs: T0 + 60_000_000,
    reason: "older than Binance's REST history, which starts at id 801",
    detectedAtUs: T0 + 3_600_000_000,
    ...fields,
  };
}

databaseTest("a recorded gap is read back with its ids, times and reason", async (db) => {
  const gaps = createGapStore(db.sql);
  await gaps.record(gap());
  await gaps.record(gap({ symbol: "ETHUSDT", fromId: 2 ** 40, toId: 2 ** 40 + 5, toTimeUs: null }));
  assert.deepEqual(await gaps.gaps({ symbol: "BTCUSDT" }), [gap()]);
  const [eth] = await gaps.gaps({ symbol: "ETHUSDT", venue: "binance-futures" });
  assert.equal(eth.fromId, 2 ** 40, "64-bit ids survive");
  assert.equal(eth.toTimeUs, null, "an unknown end time stays unknown");
  assert.equal(await gaps.count(), 2);
});

databaseTest(
  "the same gap detected again keeps one row, widened to the larger range",
  async (db) => {
    const gaps = createGapStore(db.sql);
    await gaps.record(gap());
    await gaps.record(gap());
    await gaps.record(gap({ toId: 1_200, toTimeUs: T0 + 90_000_000, reason: "wider" }));
    await gaps.record(gap({ toId: 500, toTimeUs: T0 + 1, reason: "narrower" }));
    assert.deepEqual(await gaps.gaps(), [
      gap({ toId: 1_200, toTimeUs: T0 + 90_000_000, reason: "wider" }),
    ]);
  },
);

databaseTest("a time range returns the gaps that overlap it", async (db) => {
  const gaps = createGapStore(db.sql);
  const minute = 60_000_000;
  await gaps.record(gap({ fromId: 10, toId: 19, fromTimeUs: T0, toTimeUs: T0 + minute }));
  await gaps.record(
    gap({ fromId: 50, toId: 59, fromTimeUs: T0 + 5 * minute, toTimeUs: T0 + 6 * minute }),
  );
  await gaps.record(gap({ fromId: 90, toId: 99, fromTimeUs: T0 + 9 * minute, toTimeUs: null }));
  const ids = async (fromUs?: number, toUs?: number) =>
    (await gaps.gaps({ fromUs, toUs })).map((row) => row.fromId);
  assert.deepEqual(await ids(), [10, 50, 90]);
  assert.deepEqual(await ids(T0 + 2 * minute, T0 + 7 * minute), [50]);
  assert.deepEqual(await ids(T0 + 30_000_000, T0 + 2 * minute), [10]);
  assert.deepEqual(await ids(T0 + 8 * minute), [90], "an open-ended gap overlaps any later time");
  assert.deepEqual(await ids(undefined, T0 + minute), [10]);
  assert.deepEqual(await gaps.gaps({ symbol: "ETHUSDT" }), []);
});
