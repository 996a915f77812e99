/**
 * Ingest ownership against a real PostgreSQL: two replicas never own the same instrument, a
 * replica that stops hands its instruments over within a poll, and one whose lock session is
 * killed by the server stops ingesting at once.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { type IngestUnit, ingestUnit } from "./lock_keys.ts";
import { createLocalOwnership, createLockOwnership, type Ownership } from "./ownership.ts";
import { withServerDatabase } from "../testing/databases.ts";

const DATABASE_URL = Deno.env.get("TEST_DATABASE_URL");
const UNITS = [
  ingestUnit("binance-futures", ["BTCUSDT"]),
  ingestUnit("binance-futures", ["ETHUSDT"]),
  ingestUnit("binance-futures", ["SOLUSDT"]),
];

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function recorder() {
  const owned = new Set<string>();
  const log: string[] = [];
  return {
    owned,
    log,
    events: {
      onGain: (unit: IngestUnit) => {
        assert.ok(!owned.has(unit.name), `${unit.name} gained twice`);
        owned.add(unit.name);
        log.push(`+${unit.name}`);
      },
      onLose: (unit: IngestUnit) => {
        owned.delete(unit.name);
        log.push(`-${unit.name}`);
      },
    },
  };
}

Deno.test("the embedded database owns every instrument in this process", async () => {
  const seen = recorder();
  const ownership = createLocalOwnership(UNITS, seen.events, { replicaId: "solo" });
  assert.equal(ownership.owns("binance-futures", "BTCUSDT"), false);
  await ownership.start();
  assert.deepEqual([...seen.owned].sort(), UNITS.map((unit) => unit.name).sort());
  assert.ok(ownership.owns("binance-futures", "ETHUSDT"));
  assert.equal(ownership.owns("binance-spot", "ETHUSDT"), false);
  assert.equal(ownership.health().mode, "single-process");
});

Deno.test({
  name:
    "advisory locks: one owner per instrument, shared between replicas, handover when a replica stops or its session dies" +
    (DATABASE_URL ? "" : " [skipped: TEST_DATABASE_URL not set]"),
  ignore: !DATABASE_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withServerDatabase(DATABASE_URL!, { migrate: false }, async (db) => {
      const a = recorder();
      const b = recorder();
      const options = { pollMs: 100, log: () => {} };
      const replicaA = createLockOwnership(db.url, UNITS, a.events, { ...options, replicaId: "A" });
      const replicaB = createLockOwnership(db.url, UNITS, b.events, { ...options, replicaId: "B" });
      const replicas: Ownership[] = [replicaA, replicaB];
      const admin = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        await Promise.all(replicas.map((replica) => replica.start()));
        // Whichever started first took everything it could; then the two share: 2 and 1.
        await waitFor(
          () =>
            a.owned.size + b.owned.size === UNITS.length &&
            Math.abs(a.owned.size - b.owned.size) === 1,
          "the units to be shared",
        );
        // More polls: nothing moves any more, nothing is owned twice.
        const settled = [[...a.owned].sort(), [...b.owned].sort()];
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        assert.deepEqual([[...a.owned].sort(), [...b.owned].sort()], settled);
        assert.equal([...a.owned].filter((name) => b.owned.has(name)).length, 0);
        // Every move was a loss on one side before a gain on the other.
        for (const name of UNITS.map((unit) => unit.name)) {
          const gains = a.log.filter((e) => e === `+${name}`).length +
            b.log.filter((e) => e === `+${name}`).length;
          const losses = a.log.filter((e) => e === `-${name}`).length +
            b.log.filter((e) => e === `-${name}`).length;
          assert.equal(gains - losses, 1, name);
        }
        assert.deepEqual(replicaA.health().owned.sort(), [...a.owned].sort());
        assert.equal(replicaA.health().replicas, 2);
        for (const unit of UNITS) {
          assert.equal(
            replicaA.owns(unit.venue, unit.symbols[0]),
            !replicaB.owns(unit.venue, unit.symbols[0]),
          );
        }

        // A replica stops: the other takes everything over within a few polls.
        await replicaA.close();
        await waitFor(() => b.owned.size === UNITS.length, "B to own every unit");
        assert.equal(replicaB.health().replicas, 1);

        // B's lock session is killed by the server: B stops at once, then takes the locks again.
        b.log.length = 0;
        await admin`select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = 'pairs ingest locks B'`;
        await waitFor(() => b.log.filter((entry) => entry.startsWith("-")).length === 3, "loss");
        await waitFor(() => b.owned.size === UNITS.length, "B to own every unit again");
        assert.ok(replicaB.health().losses >= 3);
      } finally {
        for (const replica of replicas) await replica.close();
        await admin.end({ timeout: 5 });
      }
    }),
});
