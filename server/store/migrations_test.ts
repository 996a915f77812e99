import assert from "node:assert/strict";
import postgres from "postgres";
import { databaseTest } from "../testing/databases.ts";
import { loadMigrations, migrate, parseMigration, splitStatements } from "./migrations.ts";

const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);

databaseTest("migrations apply once: a second run changes nothing", async (db) => {
  const files = await loadMigrations(MIGRATIONS_DIR);
  const first = await migrate(db.sql, files);
  assert.ok(first.applied.length + first.skipped.length === files.length);
  const second = await migrate(db.sql, files);
  assert.deepEqual(second.applied, []);
  assert.deepEqual(second.skipped, []);
  for (const relation of ["trades", "instruments", "bars_1s", "bars_1m", "bars_5m"]) {
    const [{ found }] = await db.sql<{ found: string | null }[]>`
      select to_regclass(${relation})::text as found`;
    assert.equal(found, relation, `${relation} exists`);
  }
}, { migrate: false });

databaseTest("several processes migrating at once apply each file exactly once", async (db) => {
  const files = await loadMigrations(MIGRATIONS_DIR);
  const clients = [
    postgres(db.url, { max: 1, onnotice: () => {} }),
    postgres(db.url, {
      max: 1,
      onnotice: () => {},
    }),
    postgres(db.url, { max: 1, onnotice: () => {} }),
  ];
  try {
    const reports = await Promise.all(clients.map((client) => migrate(client, files)));
    const applied = reports.flatMap((report) => [...report.applied, ...report.skipped]).sort();
    assert.deepEqual(applied, files.map((file) => file.name).sort());
    const [{ count }] = await db.sql<{ count: number }[]>`
      select count(*)::int as count from schema_migrations`;
    assert.equal(count, files.length);
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}, { migrate: false, only: ["postgres", "timescaledb"] });

databaseTest("a failing migration rolls back whole and names the file", async (db) => {
  const broken = parseMigration(
    "9999_broken.sql",
    "create table half_done (id int);\nselect no_such_function();\n",
  );
  await assert.rejects(migrate(db.sql, [broken]), /Migration 9999_broken\.sql failed/);
  const [{ exists }] = await db.sql<{ exists: boolean }[]>`
    select exists (select 1 from information_schema.tables where table_name = 'half_done')`;
  assert.equal(exists, false);
}, { migrate: false });

Deno.test("header directives are read from the top of a migration file", () => {
  const file = parseMigration(
    "0005_caggs.sql",
    "-- requires: timescaledb\n-- no-transaction\ncall refresh_continuous_aggregate('bars_1s', null, null);\n",
  );
  assert.equal(file.requires, "timescaledb");
  assert.equal(file.unless, null);
  assert.equal(file.transaction, false);
  assert.throws(() => parseMigration("0006_x.sql", "-- requires: postgis\n"), /unknown "requires/);
});

Deno.test("no-transaction files split into statements at lines ending with a semicolon", () => {
  assert.deepEqual(
    splitStatements("-- a comment;\nselect 1;\ncreate table t (\n  a int\n);\n\n-- end\n"),
    ["-- a comment;\nselect 1;", "create table t (\n  a int\n);"],
  );
});
