import assert from "node:assert/strict";
import { createLiveBatcher } from "./live_batcher.ts";
import { btcTrades } from "../testing/trade_batches.ts";
import type { Trade } from "../domain.ts";

const ids = (batch: Trade[]) => batch.map((trade) => trade.tradeId);

Deno.test("trades pushed one message at a time within the window are handed on as one batch, in order", async () => {
  const batches: Trade[][] = [];
  const batcher = createLiveBatcher((trades) => batches.push(trades), { windowMs: 30 });
  for (let id = 1; id <= 5; id++) batcher.push(btcTrades(1, id));
  assert.equal(batches.length, 0, "nothing is handed on before the window ends");
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(batches.map(ids), [[1, 2, 3, 4, 5]]);

  // The next trade opens a new window.
  batcher.push(btcTrades(2, 6));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(batches.map(ids), [[1, 2, 3, 4, 5], [6, 7]]);
});

Deno.test("flush hands on what waits at once and leaves no timer behind", () => {
  const batches: Trade[][] = [];
  const batcher = createLiveBatcher((trades) => batches.push(trades), { windowMs: 10_000 });
  batcher.push([]);
  batcher.flush();
  assert.deepEqual(batches, [], "an empty push hands nothing on");
  batcher.push(btcTrades(3, 1));
  batcher.flush();
  batcher.flush();
  assert.deepEqual(batches.map(ids), [[1, 2, 3]]);
  // The test's sanitizer fails it if a 10-second timer is still pending here.
});
