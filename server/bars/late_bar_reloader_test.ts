import assert from "node:assert/strict";
import type { Bar } from "../domain.ts";
import { createLateBarReloader, type LateBarSeries } from "./late_bar_reloader.ts";

function bar(symbol: string, timeUs: number): Bar {
  return {
    venue: "binance-futures",
    symbol,
    timeUs,
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 3,
    trades: 4,
  };
}

const BTC: LateBarSeries = { venue: "binance-futures", symbol: "BTCUSDT", timeframe: "1s" };
const ETH: LateBarSeries = { venue: "binance-futures", symbol: "ETHUSDT", timeframe: "1s" };

Deno.test("thousands of late buckets cost one read per series and publish just those bars", async () => {
  const reads: [string, number, number][] = [];
  const published: [string, number][] = [];
  const reloader = createLateBarReloader({
    load: (series, fromUs, toUs) => {
      reads.push([series.symbol, fromUs, toUs]);
      // Every stored bar of the range, late or not.
      const bars = [];
      for (let t = fromUs; t < toUs; t += 1_000_000) bars.push(bar(series.symbol, t));
      return Promise.resolve(bars);
    },
    publish: (published_bar) => published.push([published_bar.symbol, published_bar.timeUs]),
    log: () => assert.fail("nothing failed"),
    delayMs: 10,
  });
  for (let k = 0; k < 2_000; k++) reloader.late(BTC, k * 2_000_000);
  reloader.late(ETH, 5_000_000);
  reloader.late(ETH, 5_000_000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(reads, [["BTCUSDT", 0, 3_998_000_001], ["ETHUSDT", 5_000_000, 5_000_001]]);
  assert.equal(published.filter(([symbol]) => symbol === "BTCUSDT").length, 2_000);
  assert.deepEqual(published.filter(([symbol]) => symbol === "ETHUSDT"), [["ETHUSDT", 5_000_000]]);
});

Deno.test("failed reloads are logged once per interval with how many bars they left", async () => {
  const messages: string[] = [];
  const reloader = createLateBarReloader({
    load: () => Promise.reject(new Error("database busy")),
    publish: () => assert.fail("nothing to publish"),
    log: (message) => messages.push(message),
    delayMs: 1,
    logEveryMs: 60_000,
  });
  for (let round = 0; round < 20; round++) {
    reloader.late(BTC, round * 1_000_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  reloader.stop();
  assert.equal(messages.length, 1);
  assert.match(messages[0], /Could not reload 1 corrected bar\(s\).*database busy/);
});
