/**
 * Runs one test body against every kind of database the product supports:
 * - embedded PGlite (always);
 * - PostgreSQL when `TEST_DATABASE_URL` is set (CI sets it);
 * - TimescaleDB when `TEST_TIMESCALE_URL` is set, or when `TEST_DATABASE_URL` itself has the
 *   extension. When no TimescaleDB is reachable the Timescale variant is registered as ignored, so the
 *   test report says it was skipped.
 *
 * Each PostgreSQL run gets a database of its own, created for the test and dropped after it.
 */
import postgres from "postgres";
import { type Database, openDatabase } from "../store/database.ts";
import { loadMigrations, migrate, type MigrationReport } from "../store/migrations.ts";

export interface TestDatabase extends Database {
  migration: MigrationReport;
  /** `DATABASE_URL` that opens this same database (for child processes). */
  url: string;
}

export type DatabaseVariant = "pglite" | "postgres" | "timescaledb";

const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);

export interface DatabaseTestOptions {
  /** Skip the migrations (for tests of the migration runner itself). */
  migrate?: boolean;
  /** Only these variants. */
  only?: DatabaseVariant[];
}

/** Registers `name [variant]` for each database kind. */
export function databaseTest(
  name: string,
  body: (db: TestDatabase, variant: DatabaseVariant) => Promise<void>,
  options: DatabaseTestOptions = {},
): void {
  const postgresUrl = Deno.env.get("TEST_DATABASE_URL");
  const timescaleUrl = Deno.env.get("TEST_TIMESCALE_URL");
  const wanted = (variant: DatabaseVariant) => !options.only || options.only.includes(variant);
  if (wanted("pglite")) {
    Deno.test({
      name: `${name} [pglite]`,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => withDatabase("memory://", options, (db) => body(db, "pglite")),
    });
  }
  if (wanted("postgres")) {
    Deno.test({
      name: `${name} [postgres]`,
      ignore: !postgresUrl,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => withServerDatabase(postgresUrl!, options, (db) => body(db, "postgres")),
    });
  }
  if (wanted("timescaledb")) {
    Deno.test({
      name: `${name} [timescaledb${timescaleUrl ? "" : ": skipped, set TEST_TIMESCALE_URL"}]`,
      ignore: !timescaleUrl,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => withServerDatabase(timescaleUrl!, options, (db) => body(db, "timescaledb")),
    });
  }
}

async function withDatabase(
  url: string,
  options: DatabaseTestOptions,
  body: (db: TestDatabase) => Promise<void>,
): Promise<void> {
  const db = await openDatabase(url);
  try {
    const migration = options.migrate === false
      ? { applied: [], skipped: [], timescale: false }
      : await migrate(db.sql, await loadMigrations(MIGRATIONS_DIR));
    await body({ ...db, migration, url });
  } finally {
    await db.close();
  }
}

/** Creates a fresh database on the server named by `serverUrl`, runs `body`, then drops it. */
export async function withServerDatabase(
  serverUrl: string,
  options: DatabaseTestOptions,
  body: (db: TestDatabase) => Promise<void>,
): Promise<void> {
  const name = `pairs_test_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(name)}`;
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await withDatabase(url.href, options, body);
  } finally {
    await admin`drop database if exists ${admin(name)} with (force)`.catch(() => {});
    await admin.end({ timeout: 5 });
  }
}
