/**
 * Applies the numbered SQL files of `migrations/` in order, once each, recording them in
 * `schema_migrations`. Safe to run twice and from several processes at once: a session advisory lock
 * serialises runners, and each file runs inside a transaction unless it says otherwise.
 *
 * Header directives (comment lines at the top of a file):
 * - `-- requires: timescaledb`: applied only when the TimescaleDB extension can be used;
 * - `-- unless: timescaledb`: applied only when it cannot (PGlite, plain PostgreSQL);
 * - `-- no-transaction`: statements run one by one outside a transaction (for example
 *   `refresh_continuous_aggregate`); such a file must be written so that re-running it is harmless.
 *   Statements are separated by a line that ends with `;`.
 */
import type postgres from "postgres";

/** Any constant works; it only has to be the same for every process of the product. */
const MIGRATION_LOCK_KEY = 7_340_912_001;

export interface MigrationFile {
  name: string;
  sql: string;
  requires: "timescaledb" | null;
  unless: "timescaledb" | null;
  transaction: boolean;
}

export interface MigrationReport {
  applied: string[];
  skipped: string[];
  timescale: boolean;
}

export function parseMigration(name: string, sql: string): MigrationFile {
  const header = sql.split("\n").filter((line) => line.startsWith("--"));
  const directive = (key: string) =>
    header.map((line) => line.match(new RegExp(`^--\\s*${key}:\\s*(\\S+)`))?.[1]).find(Boolean) ??
      null;
  const requires = directive("requires");
  const unless = directive("unless");
  for (const [key, value] of [["requires", requires], ["unless", unless]]) {
    if (value !== null && value !== "timescaledb") {
      throw new SyntaxError(`Migration ${name}: unknown "${key}: ${value}" (only timescaledb)`);
    }
  }
  return {
    name,
    sql,
    requires: requires as MigrationFile["requires"],
    unless: unless as MigrationFile["unless"],
    transaction: !header.some((line) => /^--\s*no-transaction\b/.test(line)),
  };
}

/** Reads `*.sql` from a directory, sorted by name. */
export async function loadMigrations(directory: string | URL): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for await (const entry of Deno.readDir(directory)) {
    if (!entry.isFile || !/^\d{4}_[\w-]+\.sql$/.test(entry.name)) continue;
    const path = new URL(entry.name, directoryUrl(directory));
    files.push(parseMigration(entry.name, await Deno.readTextFile(path)));
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

function directoryUrl(directory: string | URL): URL {
  if (directory instanceof URL) {
    return directory.href.endsWith("/") ? directory : new URL(`${directory.href}/`);
  }
  const absolute = directory.startsWith("/") ? directory : `${Deno.cwd()}/${directory}`;
  return new URL(`file://${absolute.endsWith("/") ? absolute : `${absolute}/`}`);
}

/** True when TimescaleDB is installed, or can be created (available and preloaded). */
export async function timescaleUsable(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ installed: boolean; available: boolean; preloaded: boolean }[]>`
    select
      exists (select 1 from pg_extension where extname = 'timescaledb') as installed,
      exists (select 1 from pg_available_extensions where name = 'timescaledb') as available,
      coalesce(current_setting('shared_preload_libraries', true), '') like '%timescaledb%' as preloaded`;
  return row.installed || (row.available && row.preloaded);
}

/** Splits a no-transaction file into statements: each ends at a line ending with `;`. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of sql.split("\n")) {
    current.push(line);
    if (/;\s*$/.test(line) && !line.trimStart().startsWith("--")) {
      const statement = current.join("\n").trim();
      if (statement.replace(/--.*$/gm, "").trim() !== "") statements.push(statement);
      current = [];
    }
  }
  const rest = current.join("\n").replace(/--.*$/gm, "").trim();
  if (rest !== "") statements.push(current.join("\n").trim());
  return statements;
}

export async function migrate(
  sql: postgres.Sql,
  migrations: MigrationFile[],
): Promise<MigrationReport> {
  const connection = await sql.reserve();
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      return await applyPending(connection, migrations);
    } finally {
      await connection`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    connection.release();
  }
}

async function applyPending(
  connection: postgres.ReservedSql,
  migrations: MigrationFile[],
): Promise<MigrationReport> {
  await connection`
    create table if not exists schema_migrations (
      name text primary key,
      applied_at timestamptz not null default now(),
      skipped boolean not null default false
    )`;
  const done = new Set(
    (await connection<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name),
  );
  const timescale = await timescaleUsable(connection);
  const report: MigrationReport = { applied: [], skipped: [], timescale };
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    const wanted = (migration.requires !== "timescaledb" || timescale) &&
      (migration.unless !== "timescaledb" || !timescale);
    if (!wanted) {
      await connection`insert into schema_migrations (name, skipped) values (${migration.name}, true)`;
      report.skipped.push(migration.name);
      continue;
    }
    try {
      if (migration.transaction) {
        await connection.unsafe("begin");
        try {
          await connection.unsafe(migration.sql);
          await connection`insert into schema_migrations (name) values (${migration.name})`;
          await connection.unsafe("commit");
        } catch (error) {
          await connection.unsafe("rollback");
          throw error;
        }
      } else {
        for (const statement of splitStatements(migration.sql)) await connection.unsafe(statement);
        await connection`insert into schema_migrations (name) values (${migration.name})`;
      }
    } catch (error) {
      throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    report.applied.push(migration.name);
  }
  return report;
}
