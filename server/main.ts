/**
 * `deno task start`: migrations, feed, ingest, bars, analytics, the GraphQL API and the dashboard
 * on one port. SIGINT/SIGTERM write everything received before the process exits.
 */
import { readConfig, venueOfFeed } from "./config.ts";
import { createApp } from "./app.ts";
import { ingestFromConfig } from "./feeds.ts";
import { createWebAssets } from "./web_assets.ts";
import { loadPersistedOperations } from "./api/persisted_operations.ts";

/** Written by the dashboard's build from its own documents (web/build.ts). */
const PERSISTED_MANIFEST = new URL("../web/dist/persisted-operations.json", import.meta.url);

async function main(): Promise<void> {
  const config = readConfig(Deno.env.toObject());
  const venue = venueOfFeed(config.feed);
  const web = createWebAssets({});
  // WEB_BUILD=off serves the existing build as it is (tests, read-only deployments).
  if (Deno.env.get("WEB_BUILD") !== "off") {
    try {
      await web.ensureBuilt();
    } catch (error) {
      console.error(`The dashboard could not be built; the API still runs: ${String(error)}`);
    }
  }
  const persisted = await loadPersistedOperations(PERSISTED_MANIFEST);
  if (config.persistedOnly && persisted === null) {
    throw new RangeError(
      `GRAPHQL_PERSISTED_ONLY=1 needs the dashboard's operations in ${PERSISTED_MANIFEST.pathname}: ` +
        "build the dashboard (deno task build:web)",
    );
  }
  const app = await createApp({
    databaseUrl: config.databaseUrl,
    synchronousIngest: config.synchronousIngest,
    defaultVenue: venue,
    maxPointsPerResponse: config.maxPointsPerResponse,
    access: { token: config.apiToken, reads: config.apiTokenReads },
    uploadMaxBytes: config.uploadMaxBytes,
    retention: {
      retentionSeconds: config.tradesRetentionSeconds,
      compressAfterSeconds: config.tradesCompressAfterSeconds,
    },
    serveStatic: web.serve,
    // Each instrument is ingested by one replica at a time (one process: this one).
    ingest: ingestFromConfig(config),
    redis: config.redisUrl ? { url: config.redisUrl, prefix: config.redisPrefix } : undefined,
    graphiql: config.graphiql,
    api: {
      limits: {
        maxDepth: config.graphqlMaxDepth,
        maxCost: config.graphqlMaxCost,
        maxAliases: config.graphqlMaxAliases,
        maxTokens: config.graphqlMaxTokens,
      },
      maxBodyBytes: config.graphqlMaxBodyBytes,
      queryTimeoutMs: config.queryTimeoutMs,
      introspection: config.introspection,
      persisted: { operations: persisted, only: config.persistedOnly },
      corsOrigins: config.corsOrigins,
      maxSubscriptionsPerSocket: config.maxSubscriptionsPerSocket,
      maxSocketsPerAddress: config.maxSocketsPerAddress,
      maxSocketBufferBytes: config.maxSocketBufferBytes,
      maxPendingEvents: config.maxPendingEvents,
    },
  });
  const hostname = Deno.env.get("HOST") ?? "127.0.0.1";
  const server = Deno.serve({
    port: config.port,
    hostname,
    onListen: ({ port }) => {
      const where = app.db.kind === "pglite" ? `embedded ${app.db.location}` : app.db.location;
      console.log(
        `Pairs analytics on http://${hostname}:${port}/ (GraphQL at /graphql, health at /healthz)\n` +
          `  database: ${where}${app.migration.timescale ? " with TimescaleDB" : ""}\n` +
          `  feed: ${config.feed}${config.feed === "none" ? "" : ` ${config.symbols.join(",")}`}` +
          `${config.feed === "sim" ? " (simulated data)" : ""}\n` +
          `  replica: ${app.ownership.replicaId}, ingesting ${
            app.ownership.health().owned.join(" ") || "nothing (other replicas do)"
          }${app.redis ? `, live events through Redis` : ""}`,
      );
    },
  }, app.http.handle);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the feed and writing every trade received...`);
    const { unwritten } = await app.close();
    await server.shutdown();
    if (unwritten > 0) {
      console.error(
        `${unwritten} trades could not be written (database unavailable); ` +
          "they will be backfilled from the exchange at the next start where it still has them",
      );
      Deno.exit(1);
    }
    console.log("All trades written. Bye.");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof RangeError ? `Configuration: ${error.message}` : error);
    Deno.exit(1);
  }
}
