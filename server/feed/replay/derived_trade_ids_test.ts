import assert from "node:assert/strict";
import { createDerivedTradeIds } from "./derived_trade_ids.ts";

const T0 = Date.UTC(2025, 11, 16, 16, 44, 10, 614) * 1000;

Deno.test("ids are time in ms times 1000 plus the row's ordinal within its symbol and millisecond", () => {
  const ids = createDerivedTradeIds();
  assert.equal(ids.next("BTCUSDT", T0), 1765903450614000);
  assert.equal(
    ids.next("BTCUSDT", T0 + 999),
    1765903450614001,
    "same millisecond, later microsecond",
  );
  assert.equal(ids.next("ETHUSDT", T0), 1765903450614000, "symbols count apart");
  assert.equal(ids.next("BTCUSDT", T0 + 1000), 1765903450615000);
  assert.equal(
    ids.next("BTCUSDT", T0),
    1765903450614002,
    "a row back in time keeps counting its millisecond",
  );
});

Deno.test("a row far behind its symbol's newest row is refused", () => {
  const ids = createDerivedTradeIds({ rewindWindowMs: 60_000 });
  ids.next("BTCUSDT", T0 + 120_000_000);
  assert.throws(
    () => ids.next("BTCUSDT", T0),
    RangeError,
    "more than 1 minutes before an earlier row of BTCUSDT",
  );
  assert.equal(ids.next("ETHUSDT", T0), 1765903450614000);
});

Deno.test("the 1001st row of one millisecond is refused rather than colliding with the next millisecond", () => {
  const ids = createDerivedTradeIds();
  for (let ordinal = 0; ordinal < 1000; ordinal++) ids.next("BTCUSDT", T0);
  assert.throws(() => ids.next("BTCUSDT", T0), /more than 1000 rows of BTCUSDT/);
});
