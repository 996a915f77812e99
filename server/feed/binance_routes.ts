/**
 * Where Binance serves what (BINANCE.md): the production base URLs, the WebSocket route for trade
 * streams on each market, and the REST paths for backfill. Callers pass base URLs only; the paths
 * added here are the real ones, so a local stand-in sees exactly the requests Binance would.
 */
import type { BinanceTradeStream } from "./binance_messages.ts";

export type BinanceMarket = "futures" | "spot";

export const BINANCE_DEFAULT_URLS: Record<BinanceMarket, { ws: string; rest: string }> = {
  futures: { ws: "wss://fstream.binance.com", rest: "https://fapi.binance.com" },
  spot: { ws: "wss://stream.binance.com:9443", rest: "https://api.binance.com" },
};

/** Venue names under which each market's trades are stored (CONTRACT.md). */
export const BINANCE_VENUES: Record<BinanceMarket, string> = {
  futures: "binance-futures",
  spot: "binance-spot",
};

/** BINANCE.md: 1024 streams per connection is documented, some mirrors allow 200: stay at 200. */
export const MAX_STREAMS_PER_CONNECTION = 200;

/** `btcusdt@aggTrade`: stream names are lower case, the event type keeps its case. */
export function tradeStreamName(symbol: string, stream: BinanceTradeStream): string {
  return `${symbol.toLowerCase()}@${stream}`;
}

/**
 * One combined-stream URL per group of at most `MAX_STREAMS_PER_CONNECTION` symbols. Futures trades
 * live under `/market` since 2026-04-23; the old unrouted `/stream` acknowledges and stays silent.
 */
export function tradeStreamUrls(
  market: BinanceMarket,
  symbols: readonly string[],
  options: { wsBaseUrl: string; stream: BinanceTradeStream },
): { url: string; symbols: string[] }[] {
  const base = withoutTrailingSlash(options.wsBaseUrl);
  const route = market === "futures" ? "/market/stream" : "/stream";
  const groups: { url: string; symbols: string[] }[] = [];
  for (let start = 0; start < symbols.length; start += MAX_STREAMS_PER_CONNECTION) {
    const group = symbols.slice(start, start + MAX_STREAMS_PER_CONNECTION);
    const streams = group.map((symbol) => tradeStreamName(symbol, options.stream)).join("/");
    groups.push({ url: `${base}${route}?streams=${streams}`, symbols: group });
  }
  return groups;
}

/**
 * REST history by id: aggregate trades from `/aggTrades`, single trades from `/historicalTrades`
 * (both take `fromId` and `limit` up to 1000).
 */
export function tradeHistoryUrl(
  market: BinanceMarket,
  request: {
    restBaseUrl: string;
    stream: BinanceTradeStream;
    symbol: string;
    fromId: number;
    limit: number;
  },
): string {
  const prefix = market === "futures" ? "/fapi/v1" : "/api/v3";
  const endpoint = request.stream === "aggTrade" ? "aggTrades" : "historicalTrades";
  const query =
    `symbol=${request.symbol.toUpperCase()}&fromId=${request.fromId}&limit=${request.limit}`;
  return `${withoutTrailingSlash(request.restBaseUrl)}${prefix}/${endpoint}?${query}`;
}

/** BINANCE.md: request weight limit per minute and per IP. */
export const REST_WEIGHT_LIMIT_PER_MINUTE: Record<BinanceMarket, number> = {
  futures: 2400,
  spot: 6000,
};

function withoutTrailingSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}
