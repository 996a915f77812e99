import assert from "node:assert/strict";
import { tradeHistoryUrl, tradeStreamUrls } from "./binance_routes.ts";

Deno.test("futures trade streams use the /market route with lower-case stream names", () => {
  const urls = tradeStreamUrls("futures", ["BTCUSDT", "ETHUSDT"], {
    wsBaseUrl: "wss://fstream.binance.com",
    stream: "aggTrade",
  });
  assert.deepEqual(urls, [{
    url: "wss://fstream.binance.com/market/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade",
    symbols: ["BTCUSDT", "ETHUSDT"],
  }]);
});

Deno.test("spot trade streams use /stream on the base URL given, port included", () => {
  const [group] = tradeStreamUrls("spot", ["BTCUSDT"], {
    wsBaseUrl: "ws://127.0.0.1:9443/",
    stream: "trade",
  });
  assert.equal(group.url, "ws://127.0.0.1:9443/stream?streams=btcusdt@trade");
});

Deno.test("more than 200 symbols are spread over several connections of at most 200 streams", () => {
  const symbols = Array.from({ length: 401 }, (_, index) => `S${index}USDT`);
  const groups = tradeStreamUrls("futures", symbols, { wsBaseUrl: "wss://x", stream: "aggTrade" });
  assert.deepEqual(groups.map((group) => group.symbols.length), [200, 200, 1]);
  assert.equal(groups[2].symbols[0], "S400USDT");
});

Deno.test("backfill asks REST for trades by id on each market's path", () => {
  const request = { symbol: "btcusdt", fromId: 42, limit: 1000 };
  assert.equal(
    tradeHistoryUrl("futures", {
      ...request,
      restBaseUrl: "https://fapi.binance.com",
      stream: "aggTrade",
    }),
    "https://fapi.binance.com/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=42&limit=1000",
  );
  assert.equal(
    tradeHistoryUrl("spot", {
      ...request,
      restBaseUrl: "https://api.binance.com",
      stream: "trade",
    }),
    "https://api.binance.com/api/v3/historicalTrades?symbol=BTCUSDT&fromId=42&limit=1000",
  );
});
