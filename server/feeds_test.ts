import assert from "node:assert/strict";
import { readConfig } from "./config.ts";
import { ingestFromConfig } from "./feeds.ts";

Deno.test("replicas share a Binance feed per symbol, and the simulated pair as one unit", () => {
  const binance = ingestFromConfig(readConfig({ SYMBOLS: "BTCUSDT,ETHUSDT,SOLUSDT" }))!;
  assert.deepEqual(binance.units.map((unit) => unit.name), [
    "binance-futures:BTCUSDT",
    "binance-futures:ETHUSDT",
    "binance-futures:SOLUSDT",
  ]);
  assert.equal(binance.simulated, false);
  const sim = ingestFromConfig(readConfig({ FEED: "sim", SYMBOLS: "XSIM,YSIM" }))!;
  assert.deepEqual(sim.units.map((unit) => unit.symbols), [["XSIM", "YSIM"]]);
  assert.equal(sim.simulated, true);
  assert.equal(ingestFromConfig(readConfig({ FEED: "none" })), undefined);
});

Deno.test("a unit's feed streams only that unit's symbols", async () => {
  const config = readConfig({ FEED: "sim", SYMBOLS: "XSIM,YSIM" });
  const ingest = ingestFromConfig(config)!;
  const sink = { push: () => true, ready: () => Promise.resolve() };
  const feed = ingest.createUnitFeed(["XSIM", "YSIM"], sink, () => Promise.resolve(null));
  assert.deepEqual(feed.health().instruments.map((i) => i.symbol).sort(), ["XSIM", "YSIM"]);
  await feed.stop();
});
