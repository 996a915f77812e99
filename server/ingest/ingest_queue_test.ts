import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import { createIngestQueue } from "./ingest_queue.ts";

function trades(fromId: number, count: number): Trade[] {
  return Array.from({ length: count }, (_, i) => ({
    venue: "sim",
    symbol: "AAA",
    tradeId: fromId + i,
    price: "1",
    qty: "1",
    timeUs: (fromId + i) * 1000,
    receivedAtUs: (fromId + i) * 1000,
    buyerMaker: null,
  }));
}

Deno.test("trades are written in order, in batches no larger than maxBatch", async () => {
  const written: number[][] = [];
  const queue = createIngestQueue((batch) => {
    written.push(batch.map((t) => t.tradeId));
    return Promise.resolve(batch);
  }, { maxBatch: 4 });
  queue.push(trades(1, 3));
  queue.push(trades(4, 7));
  await queue.close();
  assert.deepEqual(written.flat(), Array.from({ length: 10 }, (_, i) => i + 1));
  assert.ok(written.every((batch) => batch.length <= 4));
  assert.equal(queue.stats().stored, 10);
});

Deno.test("a failing database keeps the batch and writes it once it is back", async () => {
  let failuresLeft = 3;
  const written: number[] = [];
  const errors: number[] = [];
  const queue = createIngestQueue((batch) => {
    if (failuresLeft-- > 0) return Promise.reject(new Error("connection refused"));
    written.push(...batch.map((t) => t.tradeId));
    return Promise.resolve(batch);
  }, { retryDelayMs: 5, onWriteError: (_error, attempt) => errors.push(attempt) });
  queue.push(trades(1, 5));
  await queue.flush();
  assert.deepEqual(written, [1, 2, 3, 4, 5]);
  assert.deepEqual(errors, [1, 2, 3]);
  assert.equal(queue.stats().failedWrites, 3);
  assert.equal(queue.stats().retrying, false);
  await queue.close();
});

Deno.test("a full queue asks the feed to pause and says when there is room again", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const queue = createIngestQueue(async (batch) => {
    await gate;
    return batch;
  }, { capacity: 10, maxBatch: 100 });
  assert.equal(queue.push(trades(1, 6)), true);
  assert.equal(queue.push(trades(7, 6)), false, "12 queued is over the capacity of 10");
  let roomAgain = false;
  const ready = queue.ready().then(() => (roomAgain = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(roomAgain, false);
  release();
  await ready;
  assert.equal(queue.stats().queued, 0);
  await queue.close();
});

Deno.test("duplicates the database already had are counted, not reported as stored", async () => {
  const seen: number[] = [];
  const queue = createIngestQueue(
    (batch) => Promise.resolve(batch.filter((t) => t.tradeId % 2 === 0)),
    { onStored: (stored) => seen.push(...stored.map((t) => t.tradeId)) },
  );
  queue.push(trades(1, 6));
  await queue.close();
  assert.deepEqual(seen, [2, 4, 6]);
  assert.equal(queue.stats().duplicates, 3);
});

Deno.test("closing flushes everything pushed before it, then refuses more", async () => {
  const written: number[] = [];
  const queue = createIngestQueue(async (batch) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    written.push(...batch.map((t) => t.tradeId));
    return batch;
  }, { maxBatch: 2, lingerMs: 50 });
  queue.push(trades(1, 5));
  await queue.close();
  assert.deepEqual(written, [1, 2, 3, 4, 5]);
  assert.throws(() => queue.push(trades(6, 1)), /closed/);
});

Deno.test("with two writes in flight, stored trades are still handed on in push order", async () => {
  const seen: number[] = [];
  let calls = 0;
  const queue = createIngestQueue(async (batch) => {
    // The first batch is the slowest, so the second finishes first.
    const delay = calls++ === 0 ? 30 : 1;
    await new Promise((resolve) => setTimeout(resolve, delay));
    return batch;
  }, {
    concurrency: 2,
    maxBatch: 3,
    lingerMs: 0,
    onStored: (stored) => seen.push(...stored.map((t) => t.tradeId)),
  });
  queue.push(trades(1, 9));
  await queue.close();
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(calls >= 3);
});

Deno.test("trades that arrive during a write are written as soon as it ends, without lingering", async () => {
  const started: number[][] = [];
  const finishers: (() => void)[] = [];
  const queue = createIngestQueue((batch) => {
    started.push(batch.map((t) => t.tradeId));
    return new Promise((resolve) => finishers.push(() => resolve(batch)));
  }, { lingerMs: 50 });
  queue.push(trades(1, 2));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(started, [], "an idle writer lingers for more trades before writing");
  while (started.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  queue.push(trades(3, 2));
  finishers[0]();
  // Well under the 50 ms linger: the second write must have started already.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(started, [[1, 2], [3, 4]]);
  finishers[1]();
  await queue.close();
  assert.equal(queue.stats().stored, 4);
});

Deno.test("written() waits for the trades pushed before it, not for those pushed after", async () => {
  const releases: (() => void)[] = [];
  const queue = createIngestQueue(
    (batch) => new Promise<Trade[]>((resolve) => releases.push(() => resolve(batch))),
    { lingerMs: 0 },
  );
  queue.push(trades(1, 3));
  let firstWritten = false;
  const first = queue.written().then(() => (firstWritten = true));
  // Pushed while the first write is in flight: the queue is never empty from here on.
  queue.push(trades(4, 3));
  let secondWritten = false;
  const second = queue.written().then(() => (secondWritten = true));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(firstWritten, false, "nothing is written yet");
  releases.shift()!();
  await first;
  queue.push(trades(7, 3));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(secondWritten, false, "trades 4-6 are still being written");
  releases.shift()!();
  await second;
  assert.equal(queue.stats().queued, 3, "trades 7-9 did not hold it up");
  releases.shift()!();
  await queue.flush();
  await queue.written();
});
