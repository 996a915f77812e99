import assert from "node:assert/strict";
import { parseDuration, readConfig } from "./config.ts";

Deno.test("retention durations read as people write them", () => {
  assert.equal(parseDuration("90m"), 5_400);
  assert.equal(parseDuration("12h"), 43_200);
  assert.equal(parseDuration("30d"), 2_592_000);
  assert.equal(parseDuration("30 days"), 2_592_000);
  assert.equal(parseDuration("2w"), 1_209_600);
  assert.equal(parseDuration("1 hour"), 3_600);
  assert.equal(parseDuration("30"), null);
  assert.equal(parseDuration("1.5d"), null);
  assert.equal(parseDuration("3 fortnights"), null);
});

Deno.test("raw trades are kept forever and compressed after 7 days unless configured", () => {
  const config = readConfig({});
  assert.equal(config.tradesRetentionSeconds, null);
  assert.equal(config.tradesCompressAfterSeconds, 7 * 86_400);
  const set = readConfig({ TRADES_RETENTION: "90d", TRADES_COMPRESS_AFTER: "off" });
  assert.equal(set.tradesRetentionSeconds, 90 * 86_400);
  assert.equal(set.tradesCompressAfterSeconds, null);
});

Deno.test("a bad retention stops the start naming the variable", () => {
  assert.throws(
    () => readConfig({ TRADES_RETENTION: "30" }),
    /TRADES_RETENTION="30" must be "off" or a duration of at least 1 hour such as 12h, 30d or 2w/,
  );
  assert.throws(() => readConfig({ TRADES_COMPRESS_AFTER: "10m" }), /TRADES_COMPRESS_AFTER="10m"/);
});

Deno.test("the API's protections have defaults the dashboard passes, and scale the cost with a large MAX_POINTS", () => {
  const config = readConfig({});
  assert.equal(config.graphqlMaxDepth, 20);
  assert.equal(config.graphqlMaxCost, 5_000_000);
  assert.equal(config.graphqlMaxAliases, 30);
  assert.equal(config.graphqlMaxTokens, 5_000);
  assert.equal(config.graphqlMaxBodyBytes, 1_048_576);
  assert.equal(config.queryTimeoutMs, 30_000);
  assert.equal(config.introspection, true);
  assert.equal(config.graphiql, true);
  assert.equal(config.persistedOnly, false);
  assert.deepEqual(config.corsOrigins, []);
  assert.equal(readConfig({ MAX_POINTS: "20000" }).graphqlMaxCost, 5_000_000);
  assert.equal(readConfig({ MAX_POINTS: "1000000" }).graphqlMaxCost, 50_000_000);
});

Deno.test("production switches and CORS origins are read", () => {
  const config = readConfig({
    GRAPHQL_INTROSPECTION: "0",
    GRAPHIQL: "false",
    GRAPHQL_PERSISTED_ONLY: "1",
    CORS_ORIGINS: "https://a.example, http://localhost:5173",
    MAX_SOCKETS_PER_ADDRESS: "8",
  });
  assert.equal(config.introspection, false);
  assert.equal(config.graphiql, false);
  assert.equal(config.persistedOnly, true);
  assert.deepEqual(config.corsOrigins, ["https://a.example", "http://localhost:5173"]);
  assert.equal(config.maxSocketsPerAddress, 8);
});

Deno.test("live trade writes skip the WAL flush wait unless INGEST_SYNCHRONOUS_COMMIT is on", () => {
  assert.equal(readConfig({}).synchronousIngest, false);
  assert.equal(readConfig({ INGEST_SYNCHRONOUS_COMMIT: "1" }).synchronousIngest, true);
  assert.throws(
    () => readConfig({ INGEST_SYNCHRONOUS_COMMIT: "always" }),
    /INGEST_SYNCHRONOUS_COMMIT="always" must be 1 or 0/,
  );
});

Deno.test("a bad value stops the start with a message naming the variable", () => {
  assert.throws(() => readConfig({ GRAPHQL_MAX_DEPTH: "deep" }), /GRAPHQL_MAX_DEPTH="deep"/);
  assert.throws(() => readConfig({ QUERY_TIMEOUT_MS: "0" }), /QUERY_TIMEOUT_MS="0" must be/);
  assert.throws(() => readConfig({ GRAPHQL_INTROSPECTION: "maybe" }), /GRAPHQL_INTROSPECTION/);
  assert.throws(
    () => readConfig({ CORS_ORIGINS: "a.example/path" }),
    /CORS_ORIGINS has "a.example\/path"/,
  );
});

Deno.test("replicas: Redis channel prefix, replica name and lock poll, with a bad poll named", () => {
  const defaults = readConfig({});
  assert.equal(defaults.redisPrefix, "pairs:");
  assert.equal(defaults.replicaId, undefined);
  assert.equal(defaults.ownershipPollMs, 2_000);
  const set = readConfig({ REDIS_PREFIX: "prod:", REPLICA_ID: "b", OWNERSHIP_POLL_MS: "500" });
  assert.deepEqual([set.redisPrefix, set.replicaId, set.ownershipPollMs], ["prod:", "b", 500]);
  assert.throws(
    () => readConfig({ OWNERSHIP_POLL_MS: "20" }),
    /OWNERSHIP_POLL_MS="20" must be a whole number from 100 to 60000/,
  );
  assert.throws(() => readConfig({ REDIS_URL: "not a url" }), /REDIS_URL="not a url"/);
});
