/**
 * Wires the product together: database and migrations, the store, the ingest queue, live bars,
 * the pubsub, the feed and the HTTP surface. `main.ts` runs it; tests run it with their own feed.
 */
import { type Bar, instrumentKey, type Timeframe, TIMEFRAMES, type Trade } from "./domain.ts";
import type { Feed, LastStoredTrade, TradeSink } from "./feed/feed.ts";
import { type Database, openDatabase } from "./store/database.ts";
import { loadMigrations, migrate, type MigrationReport } from "./store/migrations.ts";
import { createTradeStore, type TradeStore } from "./store/trade_store.ts";
import { createIngestQueue, type IngestQueue } from "./ingest/ingest_queue.ts";
import { createLiveBars, type LiveBars } from "./bars/live_bars.ts";
import { ALL_INSTRUMENTS, barTopicKey, createLivePubSub, type LivePubSub } from "./api/pubsub.ts";
import { createHttpHandler, type HttpHandler } from "./api/http.ts";
import { createAlertStore } from "./store/alert_store.ts";
import { type AlertService, createAlertService } from "./alerts/alert_service.ts";
import type { AccessOptions } from "./api/auth.ts";
import { createImportJobs } from "./api/import_jobs.ts";
import { createUploadHandler } from "./api/upload.ts";

export interface AppOptions {
  databaseUrl: string | undefined;
  /** The venue a bare symbol means. */
  defaultVenue: string;
  /** Builds the feed once the store is ready; null runs without one. */
  createFeed?: (sink: TradeSink, lastStoredTrade: LastStoredTrade) => Feed | null;
  maxPointsPerResponse?: number;
  /** Serves the dashboard. */
  serveStatic?: (request: Request) => Promise<Response | null>;
  graphiql?: boolean;
  /** Ingest queue capacity (trades). */
  queueCapacity?: number;
  /** Reports problems that do not stop the product (failed writes, feed errors). */
  log?: (message: string) => void;
  /** `API_TOKEN` for mutations and uploads (and reads with `reads`); default: open. */
  access?: AccessOptions;
  /** Largest accepted upload, bytes. Default 2 GiB. */
  uploadMaxBytes?: number;
  /** The wall clock (ms since the epoch) by which live bars and z-score alerts close buckets. */
  now?: () => number;
}

export interface App {
  db: Database;
  store: TradeStore;
  queue: IngestQueue;
  pubsub: LivePubSub;
  liveBars: LiveBars;
  alerts: AlertService;
  feed: Feed | null;
  http: HttpHandler;
  migration: MigrationReport;
  health(): Promise<{ ok: boolean } & Record<string, unknown>>;
  /** Stops the feed, writes everything received, then closes the database. */
  close(options?: { flushTimeoutMs?: number }): Promise<{ unwritten: number }>;
}

const MIGRATIONS_DIR = new URL("../migrations/", import.meta.url);

export async function createApp(options: AppOptions): Promise<App> {
  const log = options.log ?? ((message: string) => console.error(message));
  const db = await openDatabase(options.databaseUrl);
  const migration = await migrate(db.sql, await loadMigrations(MIGRATIONS_DIR));
  const store = createTradeStore(db.sql, { continuousAggregates: migration.timescale });
  const pubsub = createLivePubSub();
  const alerts = createAlertService(createAlertStore(db.sql), store, {
    onFiring: (event) => pubsub.publish("alerts", event),
    log,
    now: options.now,
  });

  const reloading = new Set<string>();
  const liveBars = createLiveBars({
    now: options.now,
    onBar: (update) => {
      pubsub.publish(
        "bars",
        barTopicKey(update.bar.venue, update.bar.symbol, update.timeframe),
        update,
      );
      alerts.observeBar(update);
    },
    onLateBucket: (venue, symbol, timeframe, bucketUs) => {
      // A backfilled trade changed a closed bar: publish the stored (corrected) bar once.
      const key = `${barTopicKey(venue, symbol, timeframe)}:${bucketUs}`;
      if (reloading.has(key)) return;
      reloading.add(key);
      setTimeout(() => {
        reloading.delete(key);
        store.bars({ venue, symbol, timeframe, fromUs: bucketUs, toUs: bucketUs + 1 })
          .then(([bar]) => {
            if (bar) {
              pubsub.publish("bars", barTopicKey(venue, symbol, timeframe), {
                bar,
                timeframe,
                closed: true,
              });
            }
          })
          .catch((error) => log(`Could not reload a corrected bar: ${error.message}`));
      }, 100);
    },
  });
  liveBars.seed(await latestBars(store));
  await alerts.start();

  const queue = createIngestQueue((batch) => store.insertTrades(batch), {
    capacity: options.queueCapacity,
    // PGlite is one session in this process; PostgreSQL overlaps two batches on two connections.
    concurrency: db.kind === "postgres" ? 2 : 1,
    onStored: (stored) => {
      liveBars.add(stored);
      publishTrades(pubsub, stored);
      alerts.observeTrades(stored);
      if (migration.timescale) {
        let fromUs = Infinity;
        let toUs = -Infinity;
        for (const trade of stored) {
          fromUs = Math.min(fromUs, trade.timeUs);
          toUs = Math.max(toUs, trade.timeUs);
        }
        widenStoredRange(fromUs, toUs);
      }
    },
    onWriteError: (error, attempt) => {
      if (attempt === 1 || attempt % 10 === 0) {
        log(`Database write failed (attempt ${attempt}), trades stay queued: ${String(error)}`);
      }
    },
  });

  // TimescaleDB: trades stored behind a materialized bucket (backfills) are folded in by refreshing
  // the range they touched, a few seconds later, instead of waiting for the policies.
  let storedRange: { fromUs: number; toUs: number } | null = null;
  function widenStoredRange(fromUs: number, toUs: number): void {
    storedRange = storedRange === null ? { fromUs, toUs } : {
      fromUs: Math.min(storedRange.fromUs, fromUs),
      toUs: Math.max(storedRange.toUs, toUs),
    };
  }
  let refreshing = false;
  const refresher = setInterval(() => {
    if (refreshing || storedRange === null) return;
    const range = storedRange;
    storedRange = null;
    refreshing = true;
    store.refreshBars(range)
      .catch((error) => {
        log(`Bar refresh failed, will retry: ${error.message}`);
        widenStoredRange(range.fromUs, range.toUs);
      })
      .finally(() => (refreshing = false));
  }, 2_000);

  const lastStoredTrade: LastStoredTrade = (symbol) =>
    store.lastTrade(options.defaultVenue, symbol);
  const feed = options.createFeed?.(queue, lastStoredTrade) ?? null;
  const ticker = setInterval(() => {
    // Bars closed by the clock first: z-score alerts then see them.
    liveBars.tick();
    alerts.tick();
  }, 250);

  async function health() {
    let database: Record<string, unknown>;
    try {
      const started = performance.now();
      // A health check must answer even when the database does not.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("no answer within 2 s")), 2_000);
        }),
      ]).finally(() => clearTimeout(timer));
      database = {
        ok: true,
        kind: db.kind,
        location: db.location,
        timescale: migration.timescale,
        roundTripMs: Math.round((performance.now() - started) * 10) / 10,
      };
    } catch (error) {
      database = { ok: false, kind: db.kind, location: db.location, error: String(error) };
    }
    const ingest = queue.stats();
    const feedHealth = feed?.health() ?? null;
    const nowUs = Date.now() * 1000;
    return {
      ok: database.ok === true && !ingest.retrying,
      database,
      feed: feedHealth && {
        ...feedHealth,
        instruments: feedHealth.instruments.map((instrument) => ({
          ...instrument,
          lastTradeAgeSeconds: instrument.lastTradeAtUs === null
            ? null
            : Math.round((nowUs - instrument.lastTradeAtUs) / 1e4) / 100,
        })),
        gaps: feed?.gaps() ?? [],
      },
      ingest: {
        queueDepth: ingest.queued,
        queueCapacity: ingest.capacity,
        storedPerSecond: ingest.storedPerSecond,
        stored: ingest.stored,
        duplicates: ingest.duplicates,
        failedWrites: ingest.failedWrites,
        retrying: ingest.retrying,
        lastError: ingest.lastError,
      },
      subscriptions: { sockets: http.socketCount() },
      alerts: alerts.stats(),
    };
  }

  const imports = createImportJobs();
  const http = createHttpHandler({
    context: {
      store,
      pubsub,
      liveBars,
      defaultVenue: options.defaultVenue,
      maxPointsPerResponse: options.maxPointsPerResponse ?? 100_000,
      alerts,
      imports,
    },
    access: options.access,
    upload: createUploadHandler({
      store,
      jobs: imports,
      defaultVenue: options.defaultVenue,
      maxBytes: options.uploadMaxBytes,
    }),
    health,
    serveStatic: options.serveStatic,
    graphiql: options.graphiql,
  });

  if (feed) await feed.start();

  async function close(closeOptions: { flushTimeoutMs?: number } = {}) {
    clearInterval(ticker);
    clearInterval(refresher);
    if (feed) await feed.stop();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flushed = await Promise.race([
      queue.close().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), closeOptions.flushTimeoutMs ?? 30_000);
      }),
    ]);
    clearTimeout(timer);
    const unwritten = flushed ? 0 : queue.stats().queued;
    await alerts.close();
    http.closeSockets();
    await db.close();
    return { unwritten };
  }

  return { db, store, queue, pubsub, liveBars, alerts, feed, http, migration, health, close };
}

function publishTrades(pubsub: LivePubSub, stored: Trade[]): void {
  pubsub.publish("trades", ALL_INSTRUMENTS, stored);
  const byInstrument = new Map<string, Trade[]>();
  for (const trade of stored) {
    const key = instrumentKey(trade.venue, trade.symbol);
    const list = byInstrument.get(key);
    if (list) list.push(trade);
    else byInstrument.set(key, [trade]);
  }
  for (const [key, trades] of byInstrument) pubsub.publish("trades", key, trades);
}

/** The newest stored bar of each instrument and timeframe, to resume the forming bars. */
async function latestBars(store: TradeStore): Promise<{ bar: Bar; timeframe: Timeframe }[]> {
  const seeds: { bar: Bar; timeframe: Timeframe }[] = [];
  for (const instrument of await store.instruments()) {
    for (const timeframe of TIMEFRAMES) {
      const [bar] = await store.bars({
        venue: instrument.venue,
        symbol: instrument.symbol,
        timeframe,
        limit: 1,
      });
      if (bar) seeds.push({ bar, timeframe });
    }
  }
  return seeds;
}
