/**
 * Which instruments this replica ingests. Several replicas behind one PostgreSQL database share
 * the ingest with session-level advisory locks (keys in `lock_keys.ts`): a replica ingests an
 * instrument only while its own dedicated session holds that instrument's lock, so each instrument
 * is ingested by exactly one replica. When that replica dies its session ends, PostgreSQL releases
 * the locks, and another replica takes them on its next poll.
 *
 * Every poll (default every 2 s) checks, in `pg_locks`, that this session still holds what it
 * owns; whatever it does not hold any more is reported lost at once, and so is everything when the
 * lock connection closes or does not answer in time: a replica that may have lost its locks stops
 * ingesting before another could take them over. Then it tries the free instruments, up to its
 * share: the number of instruments divided by the live replicas, rounded up (each replica holds a
 * presence lock, so they can be counted). A replica owning more than its share while the count of
 * replicas has not changed for `BALANCE_AFTER_POLLS` polls hands one instrument over per poll (it
 * stops ingesting it, then unlocks it, and leaves it alone for a few polls), so a replica that
 * joins gets its part within seconds.
 *
 * The embedded database (PGlite) lives in one process: there, everything is owned locally.
 */
import postgres from "postgres";
import { INGEST_LOCK_CLASS, type IngestUnit, lockKey, REPLICA_LOCK_CLASS } from "./lock_keys.ts";

export interface OwnershipEvents {
  /** This replica now holds the unit's lock: start ingesting it. */
  onGain(unit: IngestUnit): void;
  /**
   * This replica may not hold the unit's lock any more: stop ingesting it now. When it hands the
   * unit over on purpose, the lock is released once the returned promise resolves (its trades
   * written), so the next owner's trades follow the last ones written here.
   */
  onLose(unit: IngestUnit, reason: string): void | Promise<void>;
}

/** Polls with the same number of replicas before an instrument is handed to a newcomer. */
const BALANCE_AFTER_POLLS = 3;
/** Polls during which a replica does not take back an instrument it handed over. */
const HANDED_OVER_POLLS = 5;

export interface OwnershipHealth {
  replicaId: string;
  /** `advisory-locks` (PostgreSQL) or `single-process` (embedded database: everything is local). */
  mode: "advisory-locks" | "single-process";
  /** Names (`venue:SYMBOL`) of the units this replica ingests now. */
  owned: string[];
  /** Units ingested by another replica (or by none, for at most a poll after one died). */
  notOwned: string[];
  /** Replicas holding a presence lock on this database at the last poll; null: not known. */
  replicas: number | null;
  /** Units taken (at start or from a replica that stopped). */
  gains: number;
  /** Units given up because the lock connection closed, timed out or the lock was gone. */
  losses: number;
  /** Units handed over to a replica that had fewer. */
  handedOver: number;
  lastError: string | null;
  pollMs: number | null;
}

export interface Ownership {
  readonly replicaId: string;
  /** Takes the first locks (events fire before it resolves), then keeps polling. */
  start(): Promise<void>;
  owns(venue: string, symbol: string): boolean;
  health(): OwnershipHealth;
  /** Stops polling and releases every lock (no `onLose`: the caller is stopping the ingest). */
  close(): Promise<void>;
}

/** Everything owned by this process: the embedded database, or a deployment of one. */
export function createLocalOwnership(
  units: readonly IngestUnit[],
  events: OwnershipEvents,
  options: { replicaId?: string } = {},
): Ownership {
  const replicaId = options.replicaId ?? defaultReplicaId();
  let started = false;
  return {
    replicaId,
    start() {
      if (!started) {
        started = true;
        for (const unit of units) events.onGain(unit);
      }
      return Promise.resolve();
    },
    owns: (venue, symbol) =>
      started && units.some((unit) => unit.venue === venue && unit.symbols.includes(symbol)),
    health: () => ({
      replicaId,
      mode: "single-process",
      owned: started ? units.map((unit) => unit.name) : [],
      notOwned: started ? [] : units.map((unit) => unit.name),
      replicas: null,
      gains: started ? units.length : 0,
      losses: 0,
      handedOver: 0,
      lastError: null,
      pollMs: null,
    }),
    close: () => Promise.resolve(),
  };
}

export interface LockOwnershipOptions {
  /** Names this replica in `/healthz`, logs and `pg_stat_activity`. Default `hostname:pid`. */
  replicaId?: string;
  /** How often free instruments are tried and held ones verified. Default 2,000 ms. */
  pollMs?: number;
  /** A lock query slower than this counts as a lost connection. Default max(5 s, 2 polls). */
  queryTimeoutMs?: number;
  /** Reports gains, losses and connection trouble. Default `console.error`. */
  log?: (message: string) => void;
}

export function defaultReplicaId(): string {
  let host = "localhost";
  try {
    host = Deno.hostname();
  } catch {
    // No permission to read the host name: the pid still tells replicas apart on one machine.
  }
  return `${host}:${Deno.pid}`;
}

/** Shares the units among the replicas that run this against the same PostgreSQL database. */
export function createLockOwnership(
  databaseUrl: string,
  units: readonly IngestUnit[],
  events: OwnershipEvents,
  options: LockOwnershipOptions = {},
): Ownership {
  const replicaId = options.replicaId ?? defaultReplicaId();
  const pollMs = options.pollMs ?? 2_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? Math.max(5_000, 2 * pollMs);
  const log = options.log ?? ((message: string) => console.error(message));
  const keyOf = new Map(units.map((unit) => [unit.name, lockKey(unit.name)]));
  // Replicas started together try the units from different places, so they rarely collide.
  const offset = units.length === 0 ? 0 : (lockKey(replicaId) >>> 0) % units.length;
  const order = [...units.slice(offset), ...units.slice(0, offset)];
  const owned = new Map<string, IngestUnit>();
  const counts = { gains: 0, losses: 0, handedOver: 0 };
  /** Poll number until which a handed-over unit is not taken back, by name. */
  const handedOverUntil = new Map<string, number>();
  let polls = 0;
  let stablePolls = 0;
  let session: postgres.Sql | null = null;
  let replicas: number | null = null;
  let lastError: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling: Promise<void> = Promise.resolve();
  let closed = false;

  function loseAll(reason: string): void {
    for (const unit of [...owned.values()]) {
      owned.delete(unit.name);
      counts.losses++;
      log(`Replica ${replicaId} stops ingesting ${unit.name}: ${reason}`);
      events.onLose(unit, reason);
    }
  }

  /** Forgets the session (its locks may be gone) and everything it owned. */
  function dropSession(reason: string): void {
    const old = session;
    session = null;
    replicas = null;
    if (old) old.end({ timeout: 0 }).catch(() => {});
    if (reason !== lastError) log(`Replica ${replicaId}: ingest locks unavailable: ${reason}`);
    lastError = reason;
    loseAll(reason);
  }

  async function timed<T>(query: Promise<T>): Promise<T> {
    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        query,
        new Promise<never>((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`the database did not answer within ${queryTimeoutMs} ms`)),
            queryTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timeout);
    }
  }

  function openSession(): postgres.Sql {
    // One connection, never recycled: the locks live exactly as long as this session.
    const sql: postgres.Sql = postgres(databaseUrl, {
      max: 1,
      idle_timeout: null as unknown as undefined,
      max_lifetime: null,
      onnotice: () => {},
      connection: { application_name: `pairs ingest locks ${replicaId}`.slice(0, 63) },
      onclose: () => {
        if (session === sql) dropSession("the lock connection closed");
      },
    });
    return sql;
  }

  async function poll(): Promise<void> {
    if (closed) return;
    try {
      if (session === null) {
        session = openSession();
        await timed(session`select pg_try_advisory_lock(
          ${REPLICA_LOCK_CLASS}::int, ${lockKey(replicaId)}::int)`);
      }
      const sql = session;
      const held = await timed(sql<{ key: number }[]>`
        select objid::bigint as key from pg_locks
        where locktype = 'advisory' and pid = pg_backend_pid() and granted
          and classid::bigint = ${INGEST_LOCK_CLASS} and objsubid = 2`);
      if (session !== sql) return;
      const heldKeys = new Set(held.map((row) => Number(row.key)));
      for (const unit of [...owned.values()]) {
        if (!heldKeys.has(keyOf.get(unit.name)! >>> 0)) {
          owned.delete(unit.name);
          counts.losses++;
          log(`Replica ${replicaId} stops ingesting ${unit.name}: its lock is no longer held`);
          events.onLose(unit, "its lock is no longer held");
        }
      }
      const [{ live }] = await timed(sql<{ live: number }[]>`
        select count(*)::int as live from pg_locks
        where locktype = 'advisory' and granted and objsubid = 2
          and classid::bigint = ${REPLICA_LOCK_CLASS}
          and database = (select oid from pg_database where datname = current_database())`);
      polls++;
      stablePolls = Math.max(1, live) === replicas ? stablePolls + 1 : 0;
      replicas = Math.max(1, live);
      const share = Math.ceil(units.length / replicas);
      if (owned.size > share && stablePolls >= BALANCE_AFTER_POLLS && !closed) {
        const unit = [...owned.values()].at(-1)!;
        // Stop ingesting first, then unlock: the instrument is never ingested twice.
        owned.delete(unit.name);
        counts.handedOver++;
        handedOverUntil.set(unit.name, polls + HANDED_OVER_POLLS);
        log(`Replica ${replicaId} hands ${unit.name} over to a replica with fewer instruments`);
        await timed(Promise.resolve(
          events.onLose(unit, "handed over to a replica with fewer instruments"),
        ));
        await timed(sql`select pg_advisory_unlock(
          ${INGEST_LOCK_CLASS}::int, ${keyOf.get(unit.name)!}::int)`);
        stablePolls = 0;
      }
      for (const unit of order) {
        if (owned.size >= share || closed || session !== sql) break;
        if (owned.has(unit.name) || (handedOverUntil.get(unit.name) ?? 0) > polls) continue;
        const [{ taken }] = await timed(sql<{ taken: boolean }[]>`
          select pg_try_advisory_lock(${INGEST_LOCK_CLASS}::int, ${keyOf.get(unit.name)!}::int)
            as taken`);
        if (taken && session === sql && !closed) {
          owned.set(unit.name, unit);
          counts.gains++;
          log(`Replica ${replicaId} ingests ${unit.name}`);
          events.onGain(unit);
        }
      }
      lastError = null;
    } catch (error) {
      dropSession(error instanceof Error ? error.message : String(error));
    }
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      polling = poll().finally(schedule);
    }, pollMs);
  }

  return {
    replicaId,
    async start() {
      polling = poll();
      await polling;
      schedule();
    },
    owns(venue, symbol) {
      for (const unit of owned.values()) {
        if (unit.venue === venue && unit.symbols.includes(symbol)) return true;
      }
      return false;
    },
    health: () => ({
      replicaId,
      mode: "advisory-locks",
      owned: [...owned.keys()],
      notOwned: units.map((unit) => unit.name).filter((name) => !owned.has(name)),
      replicas,
      gains: counts.gains,
      losses: counts.losses,
      handedOver: counts.handedOver,
      lastError,
      pollMs,
    }),
    async close() {
      closed = true;
      clearTimeout(timer);
      await polling.catch(() => {});
      owned.clear();
      const old = session;
      session = null;
      // Ending the session releases its locks; the other replicas take them on their next poll.
      if (old) await old.end({ timeout: 5 }).catch(() => {});
    },
  };
}
