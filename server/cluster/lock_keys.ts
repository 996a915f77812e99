/**
 * The PostgreSQL advisory lock keys by which replicas share the ingest (README "Running several
 * replicas"). Locks use the two-key form `pg_try_advisory_lock(class, key)`, which lives in a key
 * space of its own: it never meets the single-bigint lock that serialises migrations.
 *
 * - `INGEST_LOCK_CLASS` (0x50414952, "PAIR") with `lockKey("venue:SYMBOL")`: held by the replica
 *   that ingests that instrument (the simulated pair is one unit: `lockKey("sim:X,Y")`).
 * - `REPLICA_LOCK_CLASS` (0x50414953, "PAIS") with `lockKey(replicaId)`: held by every running
 *   replica, so that each can count the live replicas and take only its share of the instruments.
 *
 * Keys are the 32-bit FNV-1a hash of the text, as a signed int4. Two instruments whose texts
 * collide would simply always be ingested by the same replica.
 */

export const INGEST_LOCK_CLASS = 0x50414952;
export const REPLICA_LOCK_CLASS = 0x50414953;

/** FNV-1a (32 bits) of the UTF-8 text, as a signed 32-bit integer (PostgreSQL `int4`). */
export function lockKey(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** What one replica ingests as a whole: one instrument, or the simulated pair. */
export interface IngestUnit {
  /** `venue:SYMBOL` (or `venue:X,Y` for several symbols), the text of the lock key. */
  name: string;
  venue: string;
  symbols: string[];
}

export function ingestUnit(venue: string, symbols: readonly string[]): IngestUnit {
  return { name: `${venue}:${symbols.join(",")}`, venue, symbols: [...symbols] };
}
