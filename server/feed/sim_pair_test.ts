import assert from "node:assert/strict";
import type { Trade } from "../domain.ts";
import { createSimPair } from "./sim_pair.ts";

const startUs = 1_700_000_000_000_000;
const sixHoursUs = 6 * 3600 * 1_000_000;

/** Last traded x and y at every `stepSeconds` boundary. */
function sampleLastPrices(trades: Trade[], stepSeconds: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  let lastX = NaN;
  let lastY = NaN;
  let boundary = startUs + stepSeconds * 1_000_000;
  for (const trade of trades) {
    while (trade.timeUs >= boundary) {
      x.push(lastX);
      y.push(lastY);
      boundary += stepSeconds * 1_000_000;
    }
    if (trade.symbol === "X") lastX = Number(trade.price);
    else lastY = Number(trade.price);
  }
  return { x, y };
}

/** Ordinary least squares slope and intercept of `y` on `x`. */
function olsLine(x: number[], y: number[]): { slope: number; intercept: number } {
  const meanX = x.reduce((sum, value) => sum + value, 0) / x.length;
  const meanY = y.reduce((sum, value) => sum + value, 0) / y.length;
  let covariance = 0;
  let variance = 0;
  for (let index = 0; index < x.length; index++) {
    covariance += (x[index] - meanX) * (y[index] - meanY);
    variance += (x[index] - meanX) ** 2;
  }
  const slope = covariance / variance;
  return { slope, intercept: meanY - slope * meanX };
}

Deno.test("the same seed and start time give the same trades; another seed gives others", () => {
  const make = (seed: number) =>
    createSimPair({ symbols: ["X", "Y"], startUs, seed }).until(startUs + 60_000_000);
  assert.deepEqual(make(42), make(42));
  assert.notDeepEqual(make(42), make(43));
});

Deno.test("generating in many small steps gives the same trades as in one step", () => {
  const whole = createSimPair({ symbols: ["X", "Y"], startUs }).until(startUs + 30_000_000);
  const stepped = createSimPair({ symbols: ["X", "Y"], startUs });
  const pieces: Trade[] = [];
  for (let step = 1; step <= 300; step++) pieces.push(...stepped.until(startUs + step * 100_000));
  assert.deepEqual(pieces, whole);
});

Deno.test("each symbol's ids are contiguous from the first id, times never go back, prices are positive decimals", () => {
  const trades = createSimPair({ symbols: ["X", "Y"], startUs, firstIds: [1001, 7] }).until(
    startUs + 120_000_000,
  );
  const xIds = trades.filter((trade) => trade.symbol === "X").map((trade) => trade.tradeId);
  const yIds = trades.filter((trade) => trade.symbol === "Y").map((trade) => trade.tradeId);
  assert.deepEqual(xIds, xIds.map((_, index) => 1001 + index));
  assert.deepEqual(yIds, yIds.map((_, index) => 7 + index));
  for (let index = 1; index < trades.length; index++) {
    assert.ok(trades[index].timeUs >= trades[index - 1].timeUs);
  }
  for (const trade of trades) {
    assert.match(trade.price, /^[0-9]+\.[0-9]{2}$/);
    assert.ok(Number(trade.price) > 0 && Number(trade.qty) > 0);
    assert.equal(trade.venue, "sim");
  }
});

Deno.test("about ratePerSecond trades per second per symbol arrive", () => {
  const trades = createSimPair({ symbols: ["X", "Y"], startUs, ratePerSecond: 10 }).until(
    startUs + sixHoursUs,
  );
  // Poisson count over 21,600 s at 10/s: mean 216,000, standard deviation 465 per symbol.
  for (const symbol of ["X", "Y"]) {
    const count = trades.filter((trade) => trade.symbol === symbol).length;
    assert.ok(Math.abs(count - 216_000) < 2_500, `${symbol}: ${count}`);
  }
});

Deno.test("six simulated hours show the hedge ratio and the spread half-life of the model (seed 42)", () => {
  const trades = createSimPair({ symbols: ["X", "Y"], startUs }).until(startUs + sixHoursUs);
  const { x, y } = sampleLastPrices(trades, 10);
  // Reference (statsmodels 0.13.5, the same 10-second samples written to CSV):
  //   sm.OLS(d.y, sm.add_constant(d.x)).fit().params -> [53.4887424, 0.0488323218]
  //   s = d.y - 50 - 0.05 * d.x; AR(1) slope via sm.OLS(s[1:], sm.add_constant(s[:-1])) -> 0.9615856364198515
  //   half-life = -10 ln 2 / ln(0.96158...) = 176.95 s (the model's 180 s within sampling error).
  const hedge = olsLine(x, y);
  assert.ok(Math.abs(hedge.slope - 0.0488323218) < 1e-8, `slope ${hedge.slope}`);
  assert.ok(Math.abs(hedge.intercept - 53.4887424) < 1e-5, `intercept ${hedge.intercept}`);
  const spread = x.map((value, index) => y[index] - 50 - 0.05 * value);
  const ar = olsLine(spread.slice(0, -1), spread.slice(1));
  assert.ok(Math.abs(ar.slope - 0.9615856364198515) < 1e-9, `AR(1) ${ar.slope}`);
  const halfLifeSeconds = (-10 * Math.LN2) / Math.log(ar.slope);
  assert.ok(Math.abs(halfLifeSeconds - 176.95) < 0.01, `half-life ${halfLifeSeconds}`);
});

Deno.test("nonsensical model settings are refused", () => {
  assert.throws(
    () => createSimPair({ symbols: ["X", "Y"], startUs, ratePerSecond: 0 }),
    /rate must be above 0/,
  );
  assert.throws(
    () => createSimPair({ symbols: ["X", "Y"], startUs, halfLifeSeconds: -1 }),
    /half-life/,
  );
});
