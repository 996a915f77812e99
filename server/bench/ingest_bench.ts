/**
 * Ingest throughput, end to end: recorded Binance messages parsed, queued, deduplicated, stored and
 * folded into bars, at full speed; next to a raw `COPY` of the same rows into the same table, in the
 * same run and the same kind of database. The recorded files hold about 94,000 trades; they are
 * repeated with shifted ids and times to reach `rows`.
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { Trade } from "../domain.ts";
import { parseBinanceMessage } from "../feed/binance_messages.ts";
import { createIngestQueue } from "../ingest/ingest_queue.ts";
import { openDatabase } from "../store/database.ts";
import { loadMigrations, migrate } from "../store/migrations.ts";
import { createTradeStore } from "../store/trade_store.ts";
import { withServerDatabase } from "../testing/databases.ts";
import { RECORDED_FILES, recordedMessages } from "../testing/recorded_trades.ts";

const MIGRATIONS = new URL("../../migrations/", import.meta.url);

/** Real messages, repeated with ids and times shifted past the previous copy, as JSON text. */
export async function benchMessages(rows: number): Promise<{ text: string; venue: string }[]> {
  const sources: { venue: string; events: Record<string, unknown>[] }[] = [];
  for (const [name, path] of Object.entries(RECORDED_FILES)) {
    const venue = name === "spot" ? "binance-spot" : "binance-futures";
    const events = (await recordedMessages(path)).map((line) => JSON.parse(line))
      .filter((m) => m.data?.e === "trade");
    sources.push({ venue: name === "futures0808" ? "binance-futures-b" : venue, events });
  }
  const out: { text: string; venue: string }[] = [];
  for (let copy = 0; out.length < rows; copy++) {
    for (const { venue, events } of sources) {
      for (const message of events) {
        if (out.length >= rows) break;
        const data = message.data as Record<string, number>;
        const shifted = {
          ...message,
          data: { ...data, t: data.t + copy * 10_000_000, T: data.T + copy * 3_600_000 },
        };
        out.push({ text: JSON.stringify(shifted), venue });
      }
    }
  }
  return out;
}

function toTrades(messages: { text: string; venue: string }[]): Trade[] {
  const receivedAtUs = Date.now() * 1000;
  const trades: Trade[] = [];
  for (const message of messages) {
    const parsed = parseBinanceMessage(message.text, { venue: message.venue, receivedAtUs });
    if (parsed.kind === "trade") trades.push(parsed.trade);
  }
  return trades;
}

function csvRows(trades: Trade[]): string {
  const iso = (us: number) => new Date(us / 1000).toISOString();
  return trades.map((t) =>
    `${t.venue},${t.symbol},${t.tradeId},${iso(t.timeUs)},${t.price},${t.qty},${t.buyerMaker},${
      iso(t.receivedAtUs)
    }\n`
  ).join("");
}

async function endToEnd(url: string, messages: { text: string; venue: string }[]) {
  const db = await openDatabase(url);
  try {
    const migration = await migrate(db.sql, await loadMigrations(MIGRATIONS));
    const store = createTradeStore(db.sql, { continuousAggregates: migration.timescale });
    const started = performance.now();
    const queue = createIngestQueue((batch) => store.insertTrades(batch), {
      maxBatch: 5_000,
      concurrency: 1, // as the app writes (app.ts)
    });
    const receivedAtUs = Date.now() * 1000;
    let chunk: Trade[] = [];
    for (const message of messages) {
      const parsed = parseBinanceMessage(message.text, { venue: message.venue, receivedAtUs });
      if (parsed.kind !== "trade") continue;
      chunk.push(parsed.trade);
      if (chunk.length === 500) {
        // Messages arrive over time in a live feed; yielding lets writes overlap with parsing.
        if (!queue.push(chunk)) await queue.ready();
        else await new Promise((resolve) => setTimeout(resolve, 0));
        chunk = [];
      }
    }
    queue.push(chunk);
    await queue.close();
    const seconds = (performance.now() - started) / 1000;
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from trades`;
    return { seconds, stored: n, timescale: migration.timescale };
  } finally {
    await db.close();
  }
}

async function rawCopyPostgres(url: string, csv: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(sql, (await loadMigrations(MIGRATIONS)).filter((m) => m.name.startsWith("0001")));
    const started = performance.now();
    const writable = await sql`
      copy trades (venue, symbol, trade_id, time, price, qty, buyer_maker, received_at)
      from stdin with (format csv)`.writable();
    const writer = new WritableStream({
      write: (chunk: Uint8Array) =>
        new Promise<void>((resolve, reject) =>
          writable.write(
            chunk,
            (error: Error | null | undefined) => error ? reject(error) : resolve(),
          )
        ),
      close: () => new Promise<void>((resolve) => writable.end(resolve)),
    });
    await new Blob([csv]).stream().pipeTo(writer);
    const seconds = (performance.now() - started) / 1000;
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from trades`;
    return { seconds, stored: n };
  } finally {
    await sql.end();
  }
}

async function rawCopyPglite(csv: string) {
  const pglite = await PGlite.create();
  try {
    const file = (await loadMigrations(MIGRATIONS)).find((m) => m.name.startsWith("0001"))!;
    await pglite.exec(file.sql);
    const started = performance.now();
    await pglite.query(
      `copy trades (venue, symbol, trade_id, time, price, qty, buyer_maker, received_at)
       from '/dev/blob' with (format csv)`,
      [],
      { blob: new Blob([csv]) },
    );
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await pglite.query<{ n: number }>("select count(*)::int as n from trades");
    return { seconds, stored: rows[0].n };
  } finally {
    await pglite.close();
  }
}

export async function* ingestBench(options: { rows?: number; postgresUrl?: string } = {}) {
  const rows = options.rows ?? 200_000;
  const messages = await benchMessages(rows);
  const csv = csvRows(toTrades(messages));
  const targets: { name: string; run: () => Promise<Record<string, unknown>> }[] = [];
  if (options.postgresUrl) {
    const serverUrl = options.postgresUrl;
    targets.push({
      name: "postgres",
      run: async () => {
        let copy = { seconds: 0, stored: 0 };
        let ours = { seconds: 0, stored: 0, timescale: false };
        await withServerDatabase(serverUrl, { migrate: false }, async (db) => {
          copy = await rawCopyPostgres(db.url, csv);
        });
        await withServerDatabase(serverUrl, { migrate: false }, async (db) => {
          ours = await endToEnd(db.url, messages);
        });
        return { copy, ours };
      },
    });
  }
  targets.push({
    name: "pglite",
    run: async () => ({
      copy: await rawCopyPglite(csv),
      ours: await endToEnd("memory://", messages),
    }),
  });
  for (const target of targets) {
    const { copy, ours } = await target.run() as {
      copy: { seconds: number; stored: number };
      ours: { seconds: number; stored: number; timescale: boolean };
    };
    const copyRate = copy.stored / copy.seconds;
    const ourRate = ours.stored / ours.seconds;
    yield {
      bench: "ingest",
      database: ours.timescale ? "timescaledb" : target.name,
      rows,
      endToEndRowsPerSecond: Math.round(ourRate),
      rawCopyRowsPerSecond: Math.round(copyRate),
      ratioToRawCopy: Math.round((ourRate / copyRate) * 100) / 100,
      storedEndToEnd: ours.stored,
      storedByCopy: copy.stored,
      note: "end to end = parse JSON messages, queue, dedupe on insert, fold 1s/1m/5m bars",
    };
  }
}
