/**
 * Opens the database named by `DATABASE_URL` and returns a postgres.js client for it.
 *
 * - unset: the embedded PGlite database kept in `./data/pglite`;
 * - `memory://`: a throw-away embedded database;
 * - a path or `file://` path: another embedded database directory;
 * - `postgres://` or `postgresql://`: PostgreSQL or TimescaleDB.
 *
 * The embedded database is served on a loopback socket by pglite-socket so that the same postgres.js
 * code (and the same SQL) runs against every kind. PGlite is a single session, so that client uses
 * one connection (see DATABASE.md: concurrent transactions over several connections fail there).
 */
import postgres from "postgres";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  readonly sql: postgres.Sql;
  /**
   * Where live trades are written. PostgreSQL: a connection of its own whose commits do not wait
   * for the WAL to reach the disk (unless `synchronousIngest`), see `openPostgres`. Embedded: `sql`.
   */
  readonly ingestSql: postgres.Sql;
  readonly kind: DatabaseKind;
  /** Where the data lives, safe to show (no password). */
  readonly location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Connections in the pool for PostgreSQL. Default 10. */
  maxConnections?: number;
  /** Default directory for the embedded database when `url` is unset. Default `./data/pglite`. */
  defaultDataDir?: string;
  /** Per-statement timeout for PostgreSQL, milliseconds. Default 30,000. */
  statementTimeoutMs?: number;
  /** PostgreSQL: live trade writes wait for the WAL flush like every other commit. Default false. */
  synchronousIngest?: boolean;
  /**
   * PostgreSQL without `synchronousIngest`: called when the live trade connection closes (the
   * database restarted or crashed, the network failed), when its newest commits may be lost.
   */
  onIngestConnectionClose?: () => void;
}

/** Parses `DATABASE_URL` into what to open, without opening anything. */
export function describeDatabaseUrl(
  url: string | undefined,
  defaultDataDir = "./data/pglite",
): { kind: "pglite"; dataDir: string | null } | { kind: "postgres"; url: string } {
  if (url === undefined || url.trim() === "") return { kind: "pglite", dataDir: defaultDataDir };
  const value = url.trim();
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: "postgres", url: value };
  if (value === "memory://" || value === "memory:") return { kind: "pglite", dataDir: null };
  if (value.startsWith("file://")) return { kind: "pglite", dataDir: decodeURI(value.slice(7)) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new TypeError(
      `DATABASE_URL "${value.replace(/\/\/[^@/]*@/, "//***@")}" is not supported: ` +
        "use postgres://..., memory://, file://PATH or a directory path",
    );
  }
  return { kind: "pglite", dataDir: value };
}

export async function openDatabase(
  url: string | undefined,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const target = describeDatabaseUrl(url, options.defaultDataDir);
  if (target.kind === "postgres") return openPostgres(target.url, options);
  return await openEmbedded(target.dataDir);
}

function quietNotices() {
  // Notices such as "relation already exists, skipping" are expected during migrations.
}

/**
 * PostgreSQL, with a second client of one connection for live trade writes. Its commits do not
 * wait for the WAL flush (`synchronous_commit = off`): on this kind of disk a flush now and then
 * takes 50-300 ms, and every live subscriber waits for the write of its trades. A crash of the
 * database (not of this server) can then lose the last trades committed, at most three
 * `wal_writer_delay`s (0.6 s by default), always the newest: `onIngestConnectionClose` tells the
 * caller, which writes them again (`app.ts`); a restart of this server resumes after the newest
 * stored trade and backfills from the exchange. Nothing else (imports, alerts, gaps) is written
 * there. The connection is named `pairs-ingest` in `pg_stat_activity`.
 */
function openPostgres(url: string, options: OpenDatabaseOptions): Database {
  const connection = { statement_timeout: options.statementTimeoutMs ?? 30_000 };
  const sql = postgres(url, {
    max: options.maxConnections ?? 10,
    onnotice: quietNotices,
    connect_timeout: 10,
    connection,
  });
  const ingestSql = postgres(url, {
    max: 1,
    onnotice: quietNotices,
    connect_timeout: 10,
    connection: {
      ...connection,
      application_name: "pairs-ingest",
      ...(options.synchronousIngest ? {} : { synchronous_commit: "off" }),
    },
    onclose: () => {
      if (!options.synchronousIngest) options.onIngestConnectionClose?.();
    },
  });
  const parsed = new URL(url);
  return {
    sql,
    ingestSql,
    kind: "postgres",
    location: `postgres://${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), ingestSql.end({ timeout: 5 })]);
    },
  };
}

async function openEmbedded(dataDir: string | null): Promise<Database> {
  if (dataDir !== null) await Deno.mkdir(dataDir, { recursive: true });
  const pglite = dataDir === null ? await PGlite.create() : await PGlite.create({ dataDir });
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0 });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  const sql = postgres({
    host,
    port: Number(port),
    database: "postgres",
    username: "postgres",
    max: 1,
    onnotice: quietNotices,
  });
  return {
    sql,
    ingestSql: sql,
    kind: "pglite",
    location: dataDir === null ? "memory://" : `pglite:${dataDir}`,
    close: async () => {
      await sql.end({ timeout: 5 });
      await server.stop();
      await pglite.close();
    },
  };
}
