/**
 * The product's configuration, read from the environment (CONTRACT.md "Configuration") and checked
 * up front so that a typo stops the start with a message naming the variable.
 */

export type FeedKind = "binance-futures" | "binance-spot" | "sim" | "none";

export interface Config {
  port: number;
  /** Undefined: the embedded database in `./data/pglite`. */
  databaseUrl: string | undefined;
  /** PostgreSQL: live trade commits wait for the WAL flush too. */
  synchronousIngest: boolean;
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
  /** Prefix of the Redis channels (`REDIS_PREFIX`, default `pairs:`). */
  redisPrefix: string;
  /** Names this replica in `/healthz` and logs (`REPLICA_ID`); undefined: `hostname:pid`. */
  replicaId: string | undefined;
  /** How often a replica tries to take free instruments and checks its locks, ms. */
  ownershipPollMs: number;
  /** Seed of the simulated pair. */
  simSeed: number;
  /** Most points one response may carry. */
  maxPointsPerResponse: number;
  /** Largest accepted upload, bytes (`UPLOAD_MAX_BYTES`, default 2 GiB). */
  uploadMaxBytes: number;
  /** Raw trades older than this many seconds are removed (`TRADES_RETENTION`); null: kept forever. */
  tradesRetentionSeconds: number | null;
  /** TimescaleDB: trades chunks older than this are compressed (`TRADES_COMPRESS_AFTER`); null: never. */
  tradesCompressAfterSeconds: number | null;
  /** Limits on GraphQL documents (`GRAPHQL_MAX_DEPTH`, `_COST`, `_ALIASES`, `_TOKENS`). */
  graphqlMaxDepth: number;
  graphqlMaxCost: number;
  graphqlMaxAliases: number;
  graphqlMaxTokens: number;
  /** Largest GraphQL request body or graphql-ws message, bytes (`GRAPHQL_MAX_BODY_BYTES`). */
  graphqlMaxBodyBytes: number;
  /** A query or mutation running longer is answered QUERY_TIMEOUT (`QUERY_TIMEOUT_MS`). */
  queryTimeoutMs: number;
  /** `GRAPHQL_INTROSPECTION=0` refuses `__schema` and `__type`. */
  introspection: boolean;
  /** `GRAPHIQL=0`: no GraphiQL page on a browser GET of /graphql. */
  graphiql: boolean;
  /** `GRAPHQL_PERSISTED_ONLY=1`: only the dashboard's persisted operations are run. */
  persistedOnly: boolean;
  /** Active operations one graphql-ws socket may hold (`MAX_SUBSCRIPTIONS_PER_SOCKET`). */
  maxSubscriptionsPerSocket: number;
  /** Open graphql-ws sockets per client address (`MAX_SOCKETS_PER_ADDRESS`). */
  maxSocketsPerAddress: number;
  /** Bytes waiting to be sent on one socket before its client is disconnected as too slow. */
  maxSocketBufferBytes: number;
  /** Live events one subscription may have waiting before it is ended as too slow. */
  maxPendingEvents: number;
  /** Origins allowed to call the API from another site (`CORS_ORIGINS`); empty: same origin only. */
  corsOrigins: string[];
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
  const flag = (name: string, fallback: boolean) => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (["1", "true", "on", "yes"].includes(value.toLowerCase())) return true;
    if (["0", "false", "off", "no"].includes(value.toLowerCase())) return false;
    throw new RangeError(`${name}="${value}" must be 1 or 0`);
  };
  const corsOrigins = (text("CORS_ORIGINS") ?? "").split(",").map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  for (const origin of corsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new RangeError(
        `CORS_ORIGINS has "${origin}", which is not an origin such as https://example.com (or *)`,
      );
    }
  }
  const maxPoints = integer("MAX_POINTS", 100_000, 10, 10_000_000);
  for (const name of ["BINANCE_WS_URL", "BINANCE_REST_URL", "REDIS_URL"]) {
    const value = text(name);
    if (value !== undefined && !URL.canParse(value)) {
      throw new RangeError(`${name}="${value}" is not a URL`);
    }
  }
  const duration = (name: string, fallback: string) => {
    const value = text(name) ?? fallback;
    if (value.toLowerCase() === "off") return null;
    const seconds = parseDuration(value);
    if (seconds === null || seconds < 3600) {
      throw new RangeError(
        `${name}="${value}" must be "off" or a duration of at least 1 hour such as 12h, 30d or 2w`,
      );
    }
    return seconds;
  };
  return {
    port: integer("PORT", 8000, 0, 65535),
    databaseUrl: text("DATABASE_URL"),
    synchronousIngest: flag("INGEST_SYNCHRONOUS_COMMIT", false),
    feed,
    symbols: [...new Set(symbols)],
    binanceWsUrl: text("BINANCE_WS_URL"),
    binanceRestUrl: text("BINANCE_REST_URL"),
    binanceStream: stream,
    apiToken: text("API_TOKEN"),
    apiTokenReads: text("API_TOKEN_READS") === "1",
    redisUrl: text("REDIS_URL"),
    redisPrefix: text("REDIS_PREFIX") ?? "pairs:",
    replicaId: text("REPLICA_ID"),
    ownershipPollMs: integer("OWNERSHIP_POLL_MS", 2_000, 100, 60_000),
    simSeed: integer("SIM_SEED", 42, 0, 2 ** 31 - 1),
    maxPointsPerResponse: maxPoints,
    uploadMaxBytes: integer("UPLOAD_MAX_BYTES", 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    tradesRetentionSeconds: duration("TRADES_RETENTION", "off"),
    tradesCompressAfterSeconds: duration("TRADES_COMPRESS_AFTER", "7d"),
    graphqlMaxDepth: integer("GRAPHQL_MAX_DEPTH", 20, 1, 1_000),
    graphqlMaxCost: integer(
      "GRAPHQL_MAX_COST",
      Math.max(5_000_000, 50 * maxPoints),
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    graphqlMaxAliases: integer("GRAPHQL_MAX_ALIASES", 30, 0, 100_000),
    graphqlMaxTokens: integer("GRAPHQL_MAX_TOKENS", 5_000, 100, 10_000_000),
    graphqlMaxBodyBytes: integer("GRAPHQL_MAX_BODY_BYTES", 1024 ** 2, 1_024, 1024 ** 3),
    queryTimeoutMs: integer("QUERY_TIMEOUT_MS", 30_000, 1, 24 * 3600 * 1000),
    introspection: flag("GRAPHQL_INTROSPECTION", true),
    graphiql: flag("GRAPHIQL", true),
    persistedOnly: flag("GRAPHQL_PERSISTED_ONLY", false),
    maxSubscriptionsPerSocket: integer("MAX_SUBSCRIPTIONS_PER_SOCKET", 100, 1, 100_000),
    maxSocketsPerAddress: integer("MAX_SOCKETS_PER_ADDRESS", 512, 1, 1_000_000),
    maxSocketBufferBytes: integer("MAX_SOCKET_BUFFER_BYTES", 16 * 1024 ** 2, 64 * 1024, 1024 ** 3),
    maxPendingEvents: integer("MAX_PENDING_EVENTS", 10_000, 100, 10_000_000),
    corsOrigins,
  };
}

const DURATION_UNITS: Record<string, number> = { m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** `90m`, `12h`, `30d`, `2w` (also `30 days`, `12 hours`) in seconds; null when not a duration. */
export function parseDuration(text: string): number | null {
  const match = text.trim().toLowerCase().match(
    /^(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)$/,
  );
  if (!match) return null;
  const unit = match[2] === "min" || match[2] === "mins" ? "m" : match[2][0];
  return Number(match[1]) * DURATION_UNITS[unit];
}
