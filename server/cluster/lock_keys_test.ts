import assert from "node:assert/strict";
import { ingestUnit, lockKey } from "./lock_keys.ts";

Deno.test("lock keys are the FNV-1a hash of the instrument, as PostgreSQL int4", () => {
  // Reference values of 32-bit FNV-1a: "" -> 0x811c9dc5, "a" -> 0xe40c292c.
  assert.equal(lockKey(""), 0x811c9dc5 | 0);
  assert.equal(lockKey("a"), 0xe40c292c | 0);
  const key = lockKey("binance-futures:BTCUSDT");
  assert.ok(Number.isInteger(key) && key >= -(2 ** 31) && key < 2 ** 31);
  assert.notEqual(key, lockKey("binance-futures:ETHUSDT"));
  assert.notEqual(key, lockKey("binance-spot:BTCUSDT"));
});

Deno.test("an ingest unit is named venue:SYMBOL, the simulated pair venue:X,Y", () => {
  assert.equal(ingestUnit("binance-futures", ["BTCUSDT"]).name, "binance-futures:BTCUSDT");
  assert.equal(ingestUnit("sim", ["XSIM", "YSIM"]).name, "sim:XSIM,YSIM");
});
