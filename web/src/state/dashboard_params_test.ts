import assert from "node:assert/strict";
import { DEFAULT_PARAMS, formatLocation, parseParams } from "./dashboard_params.ts";

Deno.test("a shared pair link restores every control it names", () => {
  const params = parseParams(
    "/pair",
    "?base=btcusdt&quote=ETHUSDT&venue=binance-spot&tf=m5&method=kalman&transform=RAW&z=30" +
      "&corr=40&hedge=120&entry=2.5&exit=0&from=2024-08-08T23:55:00Z&to=2024-08-09T00:05:00Z",
  );
  assert.deepEqual(params, {
    ...DEFAULT_PARAMS,
    view: "pair",
    venue: "binance-spot",
    base: "BTCUSDT",
    quote: "ETHUSDT",
    timeframe: "M5",
    method: "KALMAN",
    transform: "RAW",
    zWindow: 30,
    corrWindow: 40,
    hedgeWindow: 120,
    entry: 2.5,
    exit: 0,
    from: "2024-08-08T23:55:00.000Z",
    to: "2024-08-09T00:05:00.000Z",
  });
});

Deno.test("formatting then parsing a location gives back the same controls", () => {
  const params = {
    ...DEFAULT_PARAMS,
    view: "scanner" as const,
    timeframe: "S1" as const,
    symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
    from: "2024-08-08T23:55:00.000Z",
  };
  const location = formatLocation(params);
  const [path, search] = location.split("?");
  assert.deepEqual(parseParams(path, search), params);
});

Deno.test("controls at their defaults are left out of the link", () => {
  assert.equal(formatLocation({ ...DEFAULT_PARAMS, symbol: "BTCUSDT" }), "/market?symbol=BTCUSDT");
  assert.equal(formatLocation(DEFAULT_PARAMS), "/market");
});

Deno.test("nonsense in the URL falls back to defaults instead of breaking the view", () => {
  const params = parseParams(
    "/nowhere",
    "?tf=H4&method=MAGIC&z=-3&corr=1.5&entry=zero&exit=-1&from=yesterday&symbol=%3Cscript%3E",
  );
  assert.deepEqual(params, DEFAULT_PARAMS);
});

Deno.test("a time without a zone is read as UTC, as the API reads it", () => {
  assert.equal(parseParams("/market", "?from=2024-08-08T23:55").from, "2024-08-08T23:55:00.000Z");
});

Deno.test("a backtest link restores its stop (or no stop), notional, fees and walk-forward", () => {
  const params = parseParams(
    "/backtest",
    "?base=BTCUSDT&quote=ETHUSDT&stop=off&notional=5000&fee=0&wf=rolling",
  );
  assert.equal(params.view, "backtest");
  assert.equal(params.stop, null);
  assert.equal(params.notional, 5000);
  assert.equal(params.feeBps, 0);
  assert.equal(params.walkForward, "ROLLING");
  const [path, search] = formatLocation(params).split("?");
  assert.match(search, /stop=off/);
  assert.deepEqual(parseParams(path, search), params);
  assert.equal(parseParams("/backtest", "?stop=3.5").stop, 3.5);
  assert.equal(parseParams("/backtest", "?stop=-1").stop, DEFAULT_PARAMS.stop);
});
