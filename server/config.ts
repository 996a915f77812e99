/**
 * The product's configuration, read from the environment (CONTRACT.md "Configuration") and checked
 * up front so that a typo stops the start with a message naming the variable.
 */

export type FeedKind = "binance-futures" | "binance-spot" | "sim" | "none";

export interface Config {
  port: number;
  /** Undefined: the embedded database in `./data/pglite`. */
  databaseUrl: string | undefined;
  feed: FeedKind;
  symbols: string[];
  /** Base URL (scheme, host, port) of the exchange WebSocket; undefined: the market's default. */
  binanceWsUrl: string | undefined;
  binanceRestUrl: string | undefined;
  /** `aggTrade` (default: contiguous ids, so gaps are detectable) or `trade`. */
  binanceStream: "aggTrade" | "trade";
  apiToken: string | undefined;
  /** Require the token for queries and subscriptions too. */
  apiTokenReads: boolean;
  redisUrl: string | undefined;
  /** Seed of the simulated pair. */
  simSeed: number;
  /** Most points one response may carry. */
  maxPointsPerResponse: number;
  /** Largest accepted upload, bytes (`UPLOAD_MAX_BYTES`, default 2 GiB). */
  uploadMaxBytes: number;
}

const FEEDS: readonly FeedKind[] = ["binance-futures", "binance-spot", "sim", "none"];

/** The venue name under which a feed stores its trades. */
export function venueOfFeed(feed: FeedKind): string {
  return feed === "none" ? "binance-futures" : feed;
}

export function readConfig(env: Record<string, string | undefined>): Config {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new RangeError(`${name}="${value}" must be a whole number from ${min} to ${max}`);
    }
    return parsed;
  };
  const feed = (text("FEED") ?? "binance-futures") as FeedKind;
  if (!FEEDS.includes(feed)) {
    throw new RangeError(`FEED="${feed}" is not one of ${FEEDS.join(", ")}`);
  }
  const symbols = (text("SYMBOLS") ?? "BTCUSDT,ETHUSDT").split(",").map((s) =>
    s.trim().toUpperCase()
  ).filter((s) => s !== "");
  for (const symbol of symbols) {
    if (!/^[A-Z0-9]{2,30}$/.test(symbol)) {
      throw new RangeError(`SYMBOLS has "${symbol}", which is not a symbol such as BTCUSDT`);
    }
  }
  if (symbols.length === 0) throw new RangeError("SYMBOLS is empty: name at least one symbol");
  if (feed === "sim" && symbols.length !== 2) {
    throw new RangeError("FEED=sim simulates one pair: SYMBOLS needs exactly two symbols");
  }
  const stream = text("BINANCE_STREAM") ?? "aggTrade";
  if (stream !== "aggTrade" && stream !== "trade") {
    throw new RangeError(`BINANCE_STREAM="${stream}" must be aggTrade or trade`);
  }
  for (const name of ["BINANCE_WS_URL", "BINANCE_REST_URL", "REDIS_URL"]) {
    const value = text(name);
    if (value !== undefined && !URL.canParse(value)) {
      throw new RangeError(`${name}="${value}" is not a URL`);
    }
  }
  return {
    port: integer("PORT", 8000, 0, 65535),
    databaseUrl: text("DATABASE_URL"),
    feed,
    symbols: [...new Set(symbols)],
    binanceWsUrl: text("BINANCE_WS_URL"),
    binanceRestUrl: text("BINANCE_REST_URL"),
    binanceStream: stream,
    apiToken: text("API_TOKEN"),
    apiTokenReads: text("API_TOKEN_READS") === "1",
    redisUrl: text("REDIS_URL"),
    simSeed: integer("SIM_SEED", 42, 0, 2 ** 31 - 1),
    maxPointsPerResponse: integer("MAX_POINTS", 100_000, 10, 10_000_000),
    uploadMaxBytes: integer("UPLOAD_MAX_BYTES", 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
  };
}
