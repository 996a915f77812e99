/**
 * There is no Docker engine where this product is developed, so `docker-compose.yml` and the
 * `Dockerfile` are checked for what `docker compose up` relies on.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";

const root = new URL("../", import.meta.url);
const compose = parse(await Deno.readTextFile(new URL("docker-compose.yml", root)), {
  merge: true,
}) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
};
const readme = await Deno.readTextFile(new URL("README.md", root));
const replicas = Object.keys(compose.services).filter((name) => /^server(-\d+)?$/.test(name));

Deno.test("compose runs TimescaleDB, Redis and two server replicas, each with a health check", () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [
    "redis",
    "server",
    "server-2",
    "timescaledb",
  ]);
  assert.match(String(compose.services.timescaledb.image), /^timescale\/timescaledb:/);
  for (const [name, service] of Object.entries(compose.services)) {
    const check = service.healthcheck as { test?: string[] } | undefined;
    assert.ok(Array.isArray(check?.test) && check.test.length > 1, `${name} has a health check`);
  }
  for (const name of replicas) {
    const check = (compose.services[name].healthcheck as { test: string[] }).test.join(" ");
    assert.match(check, /http:\/\/127\.0\.0\.1:8000\/healthz/, `${name} checks /healthz`);
  }
});

Deno.test("the database keeps its data in a named volume", () => {
  const volumes = compose.services.timescaledb.volumes as string[];
  const [name, path] = volumes[0].split(":");
  assert.equal(path, "/var/lib/postgresql/data");
  assert.ok(name in compose.volumes, `volume ${name} is declared`);
});

Deno.test("each replica is built here, waits for healthy dependencies and has its own port", () => {
  const hostPorts = new Set<string>();
  for (const name of replicas) {
    const service = compose.services[name];
    assert.equal(service.build, ".");
    assert.deepEqual(service.depends_on, {
      timescaledb: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    const [port] = service.ports as string[];
    assert.match(port, /^\d+:8000$/);
    hostPorts.add(port.split(":")[0]);
  }
  assert.equal(hostPorts.size, replicas.length, "replicas publish different host ports");
});

Deno.test("replicas share the database and Redis and pass the documented configuration", () => {
  for (const name of replicas) {
    const env = compose.services[name].environment as Record<string, string | number>;
    assert.match(String(env.DATABASE_URL), /^postgres:\/\/[^@]+@timescaledb:5432\//);
    assert.equal(env.REDIS_URL, "redis://redis:6379");
    assert.equal(env.HOST, "0.0.0.0");
    assert.equal(env.REPLICA_ID, name === "server" ? "server-1" : name);
    for (const variable of ["TRADES_RETENTION", "TRADES_COMPRESS_AFTER"]) {
      assert.ok(variable in env, `${name} passes ${variable}`);
    }
    for (const variable of Object.keys(env)) {
      assert.ok(readme.includes(`| \`${variable}\``), `${variable} is in README's configuration`);
    }
  }
});

Deno.test("the image copies what exists and starts the server", async () => {
  const dockerfile = await Deno.readTextFile(new URL("Dockerfile", root));
  assert.match(dockerfile, /^FROM denoland\/deno:/m);
  for (const [, sources] of dockerfile.matchAll(/^COPY (.+) \S+$/gm)) {
    for (const source of sources.split(/\s+/)) {
      await Deno.stat(new URL(source, root)); // throws when the source is missing
    }
  }
  assert.match(dockerfile, /^CMD \[.*"server\/main\.ts"\]$/m);
});
