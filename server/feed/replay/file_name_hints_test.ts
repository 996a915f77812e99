import assert from "node:assert/strict";
import { hintsFromFileName } from "./file_name_hints.ts";

Deno.test("Binance public-data file names give symbol, dataset and interval", () => {
  assert.deepEqual(hintsFromFileName("BTCUSDT-trades-2024-03-01.csv"), {
    symbol: "BTCUSDT",
    dataset: "trades",
    interval: null,
  });
  assert.deepEqual(hintsFromFileName("/tmp/ETHUSDT-aggTrades-2024-03.zip"), {
    symbol: "ETHUSDT",
    dataset: "aggTrades",
    interval: null,
  });
  assert.deepEqual(hintsFromFileName("data\\BTCUSD_PERP-1h-2024-03-01.csv"), {
    symbol: "BTCUSD_PERP",
    dataset: "klines",
    interval: "1h",
  });
  assert.deepEqual(hintsFromFileName("XRPBTC-1m-octobot-20180618.csv").interval, "1m");
  assert.deepEqual(hintsFromFileName("BNBUSDT-1mo-2024-01.zip").interval, "1mo");
});

Deno.test("a lower-case prefix does not leak into the symbol", () => {
  assert.equal(
    hintsFromFileName("origo_BTCUSDT-trades-2025-01-01_spot_first12rows.csv").symbol,
    "BTCUSDT",
  );
});

Deno.test("names that do not follow Binance's pattern tell nothing", () => {
  for (
    const name of [
      "btcusdt-ethusdt-usdm-ticks.csv.gz",
      "upload.csv",
      "BTCUSDT.csv",
      "BTCUSDT-ticks-2024.csv",
    ]
  ) {
    assert.deepEqual(
      hintsFromFileName(name),
      { symbol: null, dataset: null, interval: null },
      name,
    );
  }
});
