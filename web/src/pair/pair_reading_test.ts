import assert from "node:assert/strict";
import type { PairSummary } from "./pair_analytics.ts";
import { readPair } from "./pair_reading.ts";

const summary: PairSummary = {
  n: 600,
  method: "OLS",
  hedgeRatio: 0.8123,
  intercept: 1.5,
  rSquared: 0.9,
  adf: {
    statistic: -3.9,
    pValue: 0.002,
    usedLag: 1,
    nobs: 598,
    criticalValues: { p1: -3.44, p5: -2.87, p10: -2.57 },
  },
  cointegration: {
    statistic: -3.8,
    pValue: 0.014,
    criticalValues: { p1: -3.9, p5: -3.34, p10: -3.04 },
  },
  halfLifeBars: 12.4,
  halfLifeSeconds: 744,
};
const legs = { base: "BTCUSDT", quote: "ETHUSDT", entry: 2, exit: 0.5 };

Deno.test("a cointegrated pair with z above entry reads as: short the spread", () => {
  const reading = readPair(summary, { ...legs, currentZ: 2.31 });
  assert.match(
    reading.cointegration,
    /are cointegrated at 5% \(Engle-Granger p = 0\.014, 600 bars\)/,
  );
  assert.match(
    reading.stationarity,
    /statistic -3\.90 against -2\.87 at 5%, p = 0\.002: stationary/,
  );
  assert.match(reading.halfLife, /12\.4 bars \(12\.4 min\)/);
  assert.equal(reading.signalKind, "short-spread");
  assert.match(reading.signal, /sell BTCUSDT, buy 0\.8123 × ETHUSDT/);
});

Deno.test("z below minus entry buys the spread; inside the exit band it closes; between, it holds", () => {
  assert.equal(readPair(summary, { ...legs, currentZ: -2.5 }).signalKind, "long-spread");
  assert.equal(readPair(summary, { ...legs, currentZ: 0.3 }).signalKind, "exit");
  assert.equal(readPair(summary, { ...legs, currentZ: -1.2 }).signalKind, "hold");
  assert.equal(readPair(summary, { ...legs, currentZ: null }).signalKind, "unknown");
});

Deno.test("an entry on a pair that is not cointegrated carries a caution", () => {
  const weak = { ...summary, cointegration: { ...summary.cointegration, pValue: 0.31 } };
  const reading = readPair(weak, { ...legs, currentZ: 2.5 });
  assert.match(reading.cointegration, /are not cointegrated at 5%/);
  assert.match(reading.signal, /Caution: the pair is not cointegrated at 5%/);
});

Deno.test("a p-value below 0.001 reads as p < 0.001", () => {
  const strong = { ...summary, adf: { ...summary.adf, pValue: 1e-9 } };
  assert.match(readPair(strong, { ...legs, currentZ: 0 }).stationarity, /, p < 0\.001: stationary/);
});

Deno.test("no half-life is said in words, not shown as a number", () => {
  const reading = readPair({ ...summary, halfLifeBars: null, halfLifeSeconds: null }, {
    ...legs,
    currentZ: 0,
  });
  assert.match(reading.halfLife, /none, the spread shows no reversion/);
});
