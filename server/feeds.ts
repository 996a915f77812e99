/** Builds the feed the configuration names (`FEED`), or none. */
import type { Config } from "./config.ts";
import type { Feed, LastStoredTrade, TradeSink } from "./feed/feed.ts";
import { createBinanceFeed } from "./feed/binance.ts";
import { createSimFeed } from "./feed/sim.ts";

export function createFeedFromConfig(
  config: Config,
  sink: TradeSink,
  lastStoredTrade: LastStoredTrade,
): Feed | null {
  switch (config.feed) {
    case "none":
      return null;
    case "sim":
      // The simulator makes one cointegrated pair: the first two symbols.
      return createSimFeed({
        symbols: config.symbols.slice(0, 2),
        sink,
        seed: config.simSeed,
        lastStoredTrade,
      });
    case "binance-futures":
    case "binance-spot":
      return createBinanceFeed(config.feed === "binance-futures" ? "futures" : "spot", {
        symbols: config.symbols,
        sink,
        wsBaseUrl: config.binanceWsUrl,
        restBaseUrl: config.binanceRestUrl,
        stream: config.binanceStream,
        lastStoredTrade,
      });
  }
}
