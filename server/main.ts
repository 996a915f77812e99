/**
 * `deno task start`: migrations, feed, ingest, bars, analytics, the GraphQL API and the dashboard
 * on one port. SIGINT/SIGTERM write everything received before the process exits.
 */
import { readConfig, venueOfFeed } from "./config.ts";
import { createApp } from "./app.ts";
import { createFeedFromConfig } from "./feeds.ts";
import { createWebAssets } from "./web_assets.ts";

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
  const app = await createApp({
    databaseUrl: config.databaseUrl,
    defaultVenue: venue,
    maxPointsPerResponse: config.maxPointsPerResponse,
    access: { token: config.apiToken, reads: config.apiTokenReads },
    uploadMaxBytes: config.uploadMaxBytes,
    serveStatic: web.serve,
    createFeed: (sink, lastStoredTrade) => createFeedFromConfig(config, sink, lastStoredTrade),
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
          `${config.feed === "sim" ? " (simulated data)" : ""}`,
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
