import assert from "node:assert/strict";
import type { DataGap } from "../feed/feed.ts";
import { createGapRecorder } from "./gap_recorder.ts";

function gap(fromId: number): DataGap {
  return {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    fromId,
    toId: fromId + 9,
    fromTimeUs: null,
    toTimeUs: null,
    reason: "older than Binance's REST history",
    detectedAtUs: 1,
  };
}

Deno.test("each gap the feed finds is written once, in order", async () => {
  const found: DataGap[] = [gap(1)];
  const written: number[] = [];
  const recorder = createGapRecorder(() => found, (g) => {
    written.push(g.fromId);
    return Promise.resolve();
  });
  await recorder.poll();
  found.push(gap(20), gap(40));
  await recorder.poll();
  await recorder.poll();
  assert.deepEqual(written, [1, 20, 40]);
  assert.deepEqual(recorder.stats(), { recorded: 3, unsaved: 0, lastError: null });
});

Deno.test("a gap whose write fails stays pending and is written on a later poll", async () => {
  const found: DataGap[] = [gap(1), gap(20)];
  const written: number[] = [];
  let databaseUp = false;
  const errors: unknown[] = [];
  const recorder = createGapRecorder(() => found, (g) => {
    if (!databaseUp) {
      return Promise.reject(new Error("could not write to disk: No space left on device"));
    }
    written.push(g.fromId);
    return Promise.resolve();
  }, { onWriteError: (error) => errors.push(error) });
  await recorder.poll();
  assert.deepEqual(recorder.stats(), {
    recorded: 0,
    unsaved: 2,
    lastError: "could not write to disk: No space left on device",
  });
  assert.equal(errors.length, 1);
  databaseUp = true;
  await recorder.poll();
  assert.deepEqual(written, [1, 20]);
  assert.deepEqual(recorder.stats(), { recorded: 2, unsaved: 0, lastError: null });
});
