/** Builds the feed the configuration names (`FEED`), or none. */
import { type Config, venueOfFeed } from "./config.ts";
import type { Feed, LastStoredTrade, TradeSink } from "./feed/feed.ts";
import { createBinanceFeed } from "./feed/binance.ts";
import { createSimFeed } from "./feed/sim.ts";
import type { IngestOptions } from "./app.ts";
import { ingestUnit } from "./cluster/lock_keys.ts";

export function createFeedFromConfig(
  config: Config,
  sink: TradeSink,
  lastStoredTrade: LastStoredTrade,
): Feed | null {
  if (config.feed === "none") return null;
  return createFeedOf(config, config.symbols, sink, lastStoredTrade);
}

/**
 * The instruments of `FEED`/`SYMBOLS` as units that replicas share (`createApp`'s `ingest`): each
 * symbol alone, or the simulated pair as one (its two legs are generated together). Undefined for
 * `FEED=none`.
 */
export function ingestFromConfig(config: Config): IngestOptions | undefined {
  if (config.feed === "none") return undefined;
  const venue = venueOfFeed(config.feed);
  const units = config.feed === "sim"
    ? [ingestUnit(venue, config.symbols.slice(0, 2))]
    : config.symbols.map((symbol) => ingestUnit(venue, [symbol]));
  return {
    units,
    createUnitFeed: (symbols, sink, lastStoredTrade) =>
      createFeedOf(config, symbols, sink, lastStoredTrade),
    simulated: config.feed === "sim",
    replicaId: config.replicaId,
    pollMs: config.ownershipPollMs,
  };
}

function createFeedOf(
  config: Config,
  symbols: string[],
  sink: TradeSink,
  lastStoredTrade: LastStoredTrade,
): Feed {
  if (config.feed === "sim") {
    // The simulator makes one cointegrated pair: the first two symbols.
    return createSimFeed({
      symbols: symbols.slice(0, 2),
      sink,
      seed: config.simSeed,
      lastStoredTrade,
    });
  }
  return createBinanceFeed(config.feed === "binance-futures" ? "futures" : "spot", {
    symbols,
    sink,
    wsBaseUrl: config.binanceWsUrl,
    restBaseUrl: config.binanceRestUrl,
    stream: config.binanceStream,
    lastStoredTrade,
  });
}
