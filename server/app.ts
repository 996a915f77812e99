/**
 * Wires the product together: database and migrations, the store, the ingest queue, live bars,
 * the pubsub, the feed and the HTTP surface. `main.ts` runs it; tests run it with their own feed.
 *
 * Several replicas may run against one PostgreSQL database (`ingest` and `redis`): each ingests
 * the instruments it owns (`cluster/ownership.ts`), and only there are their live bars built and
 * their alerts decided; live events fan out through Redis, so every replica serves every query
 * and subscription.
 */
import { type Bar, instrumentKey, type Timeframe, TIMEFRAMES, type Trade } from "./domain.ts";
import type { Feed, LastStoredTrade, TradeSink } from "./feed/feed.ts";
import { type Database, openDatabase } from "./store/database.ts";
import { loadMigrations, migrate, type MigrationReport } from "./store/migrations.ts";
import { createTradeStore, type TradeStore } from "./store/trade_store.ts";
import { type CommitRepair, createCommitRepair } from "./ingest/commit_repair.ts";
import { createIngestQueue, type IngestQueue } from "./ingest/ingest_queue.ts";
import { createLiveEdge } from "./ingest/live_edge.ts";
import { createLiveBatcher } from "./ingest/live_batcher.ts";
import { type BarUpdate, createLiveBars, type LiveBars } from "./bars/live_bars.ts";
import { ALL_INSTRUMENTS, barTopicKey, createLivePubSub, type LivePubSub } from "./api/pubsub.ts";
import { createHttpHandler, type HttpHandler, type HttpOptions } from "./api/http.ts";
import { createHistogram, renderExposition } from "./metrics/prometheus.ts";
import { createLateBarReloader } from "./bars/late_bar_reloader.ts";
import { productMetrics } from "./metrics/product_metrics.ts";
import { createAlertStore } from "./store/alert_store.ts";
import { type AlertService, createAlertService } from "./alerts/alert_service.ts";
import type { AccessOptions } from "./api/auth.ts";
import { createImportJobs } from "./api/import_jobs.ts";
import { createUploadHandler } from "./api/upload.ts";
import { createTradeRetention } from "./store/retention.ts";
import { createGapStore, type GapStore } from "./store/gap_store.ts";
import { createGapRecorder } from "./ingest/gap_recorder.ts";
import { type IngestUnit, ingestUnit } from "./cluster/lock_keys.ts";
import {
  createLocalOwnership,
  createLockOwnership,
  defaultReplicaId,
  type Ownership,
} from "./cluster/ownership.ts";
import { createOwnedFeed, type OwnedFeed } from "./cluster/owned_feed.ts";
import { createRedisEvents, type RedisEvents } from "./cluster/redis_events.ts";

export interface AppOptions {
  databaseUrl: string | undefined;
  /** PostgreSQL: live trade commits wait for the WAL flush (`INGEST_SYNCHRONOUS_COMMIT=1`). */
  synchronousIngest?: boolean;
  /** The venue a bare symbol means. */
  defaultVenue: string;
  /** Builds the feed once the store is ready; null runs without one. Ignored with `ingest`. */
  createFeed?: (sink: TradeSink, lastStoredTrade: LastStoredTrade) => Feed | null;
  /**
   * The instruments to ingest, shared with the other replicas on the same PostgreSQL database:
   * this replica runs `createUnitFeed` for each unit it owns. On the embedded database every unit
   * is owned here, and all run as one feed.
   */
  ingest?: IngestOptions;
  /** Live events through Redis to and from every replica; default: in this process only. */
  redis?: { url: string; prefix?: string };
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
  /**
   * Raw trades' retention and compression (`TRADES_RETENTION`, `TRADES_COMPRESS_AFTER`), applied at
   * start; absent: policies set by another process are left as they are and nothing is deleted.
   */
  retention?: {
    retentionSeconds: number | null;
    compressAfterSeconds: number | null;
    /** How often expired trades are deleted (PostgreSQL/PGlite). Default 10 minutes. */
    intervalMs?: number;
  };
  /**
   * The API's protections: document limits, query timeout, body limit, persisted operations,
   * introspection, CORS, socket and subscription limits. Defaults: see `HttpOptions`.
   */
  api?:
    & Pick<
      HttpOptions,
      | "limits"
      | "queryTimeoutMs"
      | "maxBodyBytes"
      | "persisted"
      | "introspection"
      | "corsOrigins"
      | "maxSubscriptionsPerSocket"
      | "maxSocketsPerAddress"
      | "maxSocketBufferBytes"
    >
    & {
      /** Events one subscriber may have waiting before it is ended (`MAX_PENDING_EVENTS`). */
      maxPendingEvents?: number;
    };
}

export interface IngestOptions {
  units: IngestUnit[];
  createUnitFeed: (symbols: string[], sink: TradeSink, lastStoredTrade: LastStoredTrade) => Feed;
  /** The feeds make synthetic data (`FEED=sim`). */
  simulated?: boolean;
  /** Names this replica (`/healthz`, logs). Default `hostname:pid`. */
  replicaId?: string;
  /** How often a replica tries free instruments and checks its locks. Default 2,000 ms. */
  pollMs?: number;
}

export interface App {
  db: Database;
  store: TradeStore;
  /**
   * Where received trades go in, as feeds push them: published at once if beyond their
   * instrument's live edge (`ingest/live_edge.ts`), and written to the database in batches.
   */
  queue: IngestQueue;
  pubsub: LivePubSub;
  liveBars: LiveBars;
  alerts: AlertService;
  /** Unrecoverable gaps the feed found, stored. */
  gaps: GapStore;
  feed: Feed | null;
  http: HttpHandler;
  migration: MigrationReport;
  /** Which instruments this replica ingests. */
  ownership: Ownership;
  redis: RedisEvents | null;
  health(): Promise<{ ok: boolean } & Record<string, unknown>>;
  /** Stops the feed, writes everything received, then closes the database. */
  close(options?: { flushTimeoutMs?: number }): Promise<{ unwritten: number }>;
}

/**
 * SQLSTATEs of a server that ended the session (admin_shutdown, crash_shutdown, cannot_connect_now)
 * and postgres.js' codes for a connection that closed under a query.
 */
const CONNECTION_LOSS_CODES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
]);

const MIGRATIONS_DIR = new URL("../migrations/", import.meta.url);
/** Longest a replica handing an instrument over waits for its queued trades to be written. */
const HANDOVER_FLUSH_MS = 2_000;

export async function createApp(options: AppOptions): Promise<App> {
  const log = options.log ?? ((message: string) => console.error(message));
  let repair: CommitRepair | null = null;
  const db = await openDatabase(options.databaseUrl, {
    synchronousIngest: options.synchronousIngest,
    onIngestConnectionClose: () => repair?.connectionClosed(),
  });
  const migration = await migrate(db.sql, await loadMigrations(MIGRATIONS_DIR));
  const store = createTradeStore(db.sql, { continuousAggregates: migration.timescale });
  // Live trades go through their own connection (see `openPostgres`).
  const ingestStore = db.ingestSql === db.sql
    ? store
    : createTradeStore(db.ingestSql, { continuousAggregates: migration.timescale });
  if (db.ingestSql !== db.sql && !options.synchronousIngest) {
    repair = createCommitRepair((trades) => ingestStore.insertTrades(trades), {
      onRepaired: (restored, written) => {
        if (restored.length === 0) return;
        log(
          `The database had lost ${restored.length} of the last ${written} trades stored; ` +
            "stored again",
        );
        if (migration.timescale) widenStoredRangeOf(restored);
      },
    });
  }
  const retention = options.retention &&
    createTradeRetention(db.sql, { ...options.retention, timescale: migration.timescale });
  if (retention) await retention.apply();
  const redis = options.redis
    ? createRedisEvents(options.redis.url, { prefix: options.redis.prefix, log })
    : null;
  if (redis) {
    // A Redis that is not there yet does not stop the start: events fan out once it is.
    await redis.ready(5_000).catch((error) => log(`${error.message}; starting anyway`));
  }
  const pubsub = createLivePubSub({
    eventTarget: redis?.eventTarget,
    maxPendingEvents: options.api?.maxPendingEvents,
    onHandlerError: (error) => log(`A live event could not be followed: ${String(error)}`),
  });

  // A database restart terminates every connection, and postgres.js then rejects a promise that
  // no caller holds for at least one of them (seen in the fault tests under load, not yet traced to
  // its query). Such a rejection must not stop the server: connection-loss errors only are logged
  // here instead; anything else still stops the process as before.
  const absorbConnectionLoss = (event: PromiseRejectionEvent) => {
    const code = (event.reason as { code?: unknown } | null)?.code;
    if (typeof code !== "string" || !CONNECTION_LOSS_CODES.has(code)) return;
    event.preventDefault();
    log(`A database connection was lost (${code}): ${String(event.reason)}`);
  };
  globalThis.addEventListener("unhandledrejection", absorbConnectionLoss);

  // Without `ingest` the single feed of `createFeed` ingests everything here.
  const replicaId = options.ingest?.replicaId ?? defaultReplicaId();
  let ownedFeed: OwnedFeed | null = null;
  const ownershipEvents = {
    onGain: (unit: IngestUnit) => {
      // Live bars and alert rules resume from the stored state first, then trades flow.
      resumeInstrument(unit)
        .catch((error) =>
          log(`Could not resume live bars and alerts of ${unit.name}: ${String(error)}`)
        )
        .finally(() => {
          // Unless lost meanwhile (its `onLose` came first and found no feed to stop).
          if (ingestedHere(unit.venue, unit.symbols[0])) ownedFeed?.gain(unit);
        });
    },
    // Handed over: what was received is written before the lock is released, so the next owner
    // continues after it. The wait is bounded: under a saturated queue (never idle) the next
    // owner's backfill and the store's dedupe still keep every trade once.
    onLose: async (unit: IngestUnit) => {
      await ownedFeed?.lose(unit);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        queue.flush(),
        new Promise((resolve) => (timer = setTimeout(resolve, HANDOVER_FLUSH_MS))),
      ]);
      clearTimeout(timer);
    },
  };
  const ingestUnits = options.ingest?.units ?? [];
  const ownership: Ownership = options.ingest && db.kind === "postgres"
    ? createLockOwnership(options.databaseUrl!, ingestUnits, ownershipEvents, {
      replicaId,
      pollMs: options.ingest.pollMs,
      log,
    })
    : createLocalOwnership(
      // One process ingests everything: one feed for all the symbols of each venue.
      options.ingest ? mergeUnits(ingestUnits) : [],
      ownershipEvents,
      { replicaId },
    );
  /** Everything is ingested here: a single feed, or the embedded database. */
  const allLocal = !options.ingest || db.kind !== "postgres";
  const ingestedHere = (venue: string, symbol: string) => allLocal || ownership.owns(venue, symbol);

  const alerts = createAlertService(createAlertStore(db.sql), store, {
    onFiring: (event) => pubsub.publish("alerts", event),
    log,
    now: options.now,
    evaluates: (rule) => ingestedHere(rule.venue, rule.symbol),
  });

  function publishBar(update: BarUpdate): void {
    // Bars of an instrument ingested elsewhere come from there; a forming bar left from before
    // this replica lost it is not published.
    if (!ingestedHere(update.bar.venue, update.bar.symbol)) return;
    pubsub.publish(
      "bars",
      barTopicKey(update.bar.venue, update.bar.symbol, update.timeframe),
      update,
    );
    pubsub.publish("bars", ALL_INSTRUMENTS, update);
    alerts.observeBar(update);
  }

  // A backfilled trade changed a closed bar: publish the stored (corrected) bar.
  const lateBars = createLateBarReloader({
    load: (series, fromUs, toUs) => store.bars({ ...series, fromUs, toUs }),
    publish: (bar, timeframe) => publishBar({ bar, timeframe, closed: true }),
    log,
  });
  const liveBars = createLiveBars({
    now: options.now,
    onBar: publishBar,
    // Live bars run ahead of the database: the stored bar is read once the late trade is written.
    onLateBucket: (venue, symbol, timeframe, bucketUs) => {
      queue.written().then(() => lateBars.late({ venue, symbol, timeframe }, bucketUs));
    },
  });
  liveBars.seed(await latestBars(store));
  await alerts.start();

  // The forming bars of instruments ingested by other replicas, as their updates arrive, so that
  // queries and new `bars` subscribers here see them too; and their bars for z-score rules whose
  // base leg is ingested here.
  const remoteForming = new Map<string, Bar>();
  const stopFollowingBars = pubsub.listen("bars", ALL_INSTRUMENTS, (update) => {
    const { bar, timeframe } = update;
    if (ingestedHere(bar.venue, bar.symbol)) return;
    const key = barTopicKey(bar.venue, bar.symbol, timeframe);
    if (update.closed) {
      if (remoteForming.get(key)?.timeUs === bar.timeUs) remoteForming.delete(key);
    } else remoteForming.set(key, bar);
    alerts.observeBar(update);
  });
  const liveBarsView: LiveBars = {
    ...liveBars,
    current: (venue, symbol, timeframe) =>
      ingestedHere(venue, symbol)
        ? liveBars.current(venue, symbol, timeframe)
        : remoteForming.get(barTopicKey(venue, symbol, timeframe)) ?? null,
  };

  // Rules changed through another replica: reload them (with their stored state) here too.
  let reloadingRules: Promise<void> = Promise.resolve();
  let reloadWaiting = false;
  /** Reloads once after the reload under way, however many ask meanwhile. */
  const reloadRules = () => {
    if (reloadWaiting) return reloadingRules;
    reloadWaiting = true;
    reloadingRules = reloadingRules.then(() => {
      reloadWaiting = false;
      return alerts.start();
    }).catch((error) => log(`Could not reload the alert rules: ${String(error)}`));
    return reloadingRules;
  };
  const stopFollowingRules = pubsub.listen("alertRules", null, (change) => {
    if (change.replicaId !== replicaId) reloadRules();
  });
  const announce = <T>(result: T): T => {
    pubsub.publish("alertRules", { replicaId });
    return result;
  };
  const alertsApi: AlertService = {
    ...alerts,
    createRule: (rule) => alerts.createRule(rule).then(announce),
    setPaused: (id, paused) => alerts.setPaused(id, paused).then(announce),
    deleteRule: (id) => alerts.deleteRule(id).then(announce),
  };

  /**
   * This replica now ingests the unit: its live bars resume from the stored bars, and its rules
   * from their stored state (the previous owner's decisions).
   */
  async function resumeInstrument(unit: IngestUnit): Promise<void> {
    if (allLocal) return;
    liveBars.seed(await latestBars(store, unit));
    await reloadRules();
  }

  // Trades reach live subscribers before they are stored: this is how far the database lags them.
  const writeSeconds = createHistogram(
    "pairs_ingest_write_duration_seconds",
    "Time to write one batch of trades (and fold it into bars) in the database.",
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  const timedWrite = async (batch: Trade[]) => {
    const started = performance.now();
    // What a crashed database may have lost goes first: nothing is stored above a hole.
    await repair?.writeLost();
    const stored = await ingestStore.insertTrades(batch);
    writeSeconds.observe({}, (performance.now() - started) / 1000);
    return stored;
  };
  const writeQueue = createIngestQueue(timedWrite, {
    capacity: options.queueCapacity,
    // One write at a time. With two in flight on two connections, a crash (kill -9) could leave the
    // later batch committed and the earlier one not even received by the database: a hole below
    // the newest stored id, which a restart, resuming after the newest, would never backfill.
    concurrency: 1,
    onStored: (stored) => {
      repair?.stored(stored);
      // Written here after the instrument moved to another replica (a handover): that replica
      // builds its bars and decides its alerts.
      const own = ownedHere(stored);
      // Published by the previous owner of the instrument, which had not stored them yet: not in
      // the stored bars this replica resumed from.
      const resumed = own.filter((trade) => behindEdge.has(trade));
      if (resumed.length > 0) liveBars.add(resumed);
      // Alerts decide on stored trades, so that a restart after a crash does not decide twice.
      alerts.observeTrades(own);
      if (migration.timescale) widenStoredRangeOf(stored);
    },
    onWriteError: (error, attempt) => {
      if (attempt === 1 || attempt % 10 === 0) {
        log(`Database write failed (attempt ${attempt}), trades stay queued: ${String(error)}`);
      }
    },
  });

  // What feeds push goes through the live edge: trades beyond it are published at once, with
  // their live bars, and queued for writing; those behind it (published already) are only written.
  const liveEdge = createLiveEdge();
  const behindEdge = new WeakSet<Trade>();
  const stopFollowingTrades = redis
    ? pubsub.listen("trades", ALL_INSTRUMENTS, (trades) => liveEdge.saw(trades))
    : () => {};
  const queue: IngestQueue = {
    ...writeQueue,
    push(trades) {
      const { fresh, behind } = liveEdge.split(trades);
      for (const trade of behind) behindEdge.add(trade);
      const room = writeQueue.push(trades);
      liveTrades.push(fresh);
      liveBarTrades.push(fresh);
      return room;
    },
    // Everything pushed so far is published and in the live bars, then written.
    flush() {
      liveTrades.flush();
      liveBarTrades.flush();
      return writeQueue.flush();
    },
    close() {
      liveTrades.flush();
      liveBarTrades.flush();
      return writeQueue.close();
    },
  };
  // Trades go out in batches of at most 2 ms. Bars are folded every 10 ms, faster than any screen
  // redraws: folding every 5 ms sent twice the bar updates and cost the server 10 more points of a
  // core under the load bench (21:08, 1-minute runs).
  const liveTrades = createLiveBatcher((trades) => publishTrades(pubsub, trades), { windowMs: 2 });
  const liveBarTrades = createLiveBatcher((trades) => liveBars.add(ownedHere(trades)), {
    windowMs: 10,
  });
  function ownedHere(trades: Trade[]): Trade[] {
    return allLocal ? trades : trades.filter((t) => ownership.owns(t.venue, t.symbol));
  }

  // TimescaleDB: trades stored behind a materialized bucket (backfills) are folded in by refreshing
  // the range they touched, a few seconds later, instead of waiting for the policies.
  let storedRange: { fromUs: number; toUs: number } | null = null;
  function widenStoredRangeOf(trades: Trade[]): void {
    let fromUs = Infinity;
    let toUs = -Infinity;
    for (const trade of trades) {
      fromUs = Math.min(fromUs, trade.timeUs);
      toUs = Math.max(toUs, trade.timeUs);
    }
    widenStoredRange(fromUs, toUs);
  }
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

  // Expired trades go in the background, first right after start, then at every interval.
  let retentionRun: Promise<unknown> = Promise.resolve();
  const enforceRetention = () => {
    retentionRun = retentionRun.then(() =>
      retention?.enforce().catch((error) => log(`Trade retention failed, will retry: ${error}`))
    );
  };
  const retentionTimer = retention && options.retention?.retentionSeconds != null
    ? setInterval(enforceRetention, options.retention.intervalMs ?? 600_000)
    : undefined;
  if (retentionTimer !== undefined) enforceRetention();

  const lastStoredTrade: LastStoredTrade = (symbol) =>
    store.lastTrade(options.defaultVenue, symbol);
  const ingest = options.ingest;
  if (ingest) {
    ownedFeed = createOwnedFeed(options.defaultVenue, queue, {
      createUnitFeed: (symbols, sink) =>
        ingest.createUnitFeed(
          symbols,
          sink,
          (symbol) => store.lastTrade(ingestVenue(symbol), symbol),
        ),
      simulated: ingest.simulated,
      log,
    });
  }
  /** The venue of a symbol among the ingested units (the feed's, for a bare one). */
  function ingestVenue(symbol: string): string {
    return ingestUnits.find((unit) => unit.symbols.includes(symbol))?.venue ?? options.defaultVenue;
  }
  const feed: Feed | null = ownedFeed ?? options.createFeed?.(queue, lastStoredTrade) ?? null;
  const gaps = createGapStore(db.sql);
  const gapRecorder = createGapRecorder(() => feed?.gaps() ?? [], (gap) => gaps.record(gap), {
    onWriteError: (error) => log(`Could not store a data gap, will retry: ${String(error)}`),
  });
  const ticker = setInterval(() => {
    // Bars closed by the clock first: z-score alerts then see them.
    liveBars.tick();
    alerts.tick();
    gapRecorder.poll();
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
      dataGaps: gapRecorder.stats(),
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
      subscriptions: { sockets: http.socketCount(), active: http.subscriptionCount() },
      alerts: alerts.stats(),
      ...(retention ? { retention: retention.stats() } : {}),
      cluster: {
        ...ownership.health(),
        droppedAfterLoss: ownedFeed?.droppedAfterLoss() ?? 0,
      },
      redis: redis?.health() ?? null,
    };
  }

  const imports = createImportJobs();
  const http = createHttpHandler({
    context: {
      store,
      pubsub,
      liveBars: liveBarsView,
      defaultVenue: options.defaultVenue,
      maxPointsPerResponse: options.maxPointsPerResponse ?? 100_000,
      alerts: alertsApi,
      imports,
      gaps,
    },
    access: options.access,
    upload: createUploadHandler({
      store,
      jobs: imports,
      defaultVenue: options.defaultVenue,
      maxBytes: options.uploadMaxBytes,
    }),
    health,
    metrics: () =>
      renderExposition(productMetrics({
        ingest: queue.stats(),
        feed: feed?.health() ?? null,
        gaps: feed?.gaps() ?? [],
        recordedGaps: gapRecorder.stats(),
        api: http.metricFamilies(),
        ingestWrites: writeSeconds.family(),
        nowMs: Date.now(),
      })),
    serveStatic: options.serveStatic,
    graphiql: options.graphiql,
    ...options.api,
  });

  if (feed) await feed.start();
  await ownership.start();

  async function close(closeOptions: { flushTimeoutMs?: number } = {}) {
    clearInterval(ticker);
    clearInterval(refresher);
    clearInterval(retentionTimer);
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
    await gapRecorder.poll();
    // Written: the other replicas may take the instruments over now.
    await ownership.close();
    stopFollowingBars();
    stopFollowingTrades();
    stopFollowingRules();
    globalThis.removeEventListener("unhandledrejection", absorbConnectionLoss);
    await reloadingRules;
    await alerts.close();
    await retentionRun;
    http.closeSockets();
    lateBars.stop();
    await redis?.close();
    await db.close();
    return { unwritten };
  }

  return {
    db,
    store,
    queue,
    pubsub,
    liveBars,
    alerts,
    gaps,
    feed,
    http,
    migration,
    ownership,
    redis,
    health,
    close,
  };
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

/** One unit per venue holding all its symbols: what a single process ingests as one feed. */
function mergeUnits(units: readonly IngestUnit[]): IngestUnit[] {
  const byVenue = new Map<string, string[]>();
  for (const unit of units) {
    byVenue.set(unit.venue, [...byVenue.get(unit.venue) ?? [], ...unit.symbols]);
  }
  return [...byVenue].map(([venue, symbols]) => ingestUnit(venue, symbols));
}

/**
 * The newest stored bar of each instrument (or of those of `only`) and timeframe, to resume the
 * forming bars.
 */
async function latestBars(
  store: TradeStore,
  only?: IngestUnit,
): Promise<{ bar: Bar; timeframe: Timeframe }[]> {
  const seeds: { bar: Bar; timeframe: Timeframe }[] = [];
  const instruments = only
    ? only.symbols.map((symbol) => ({ venue: only.venue, symbol }))
    : await store.instruments();
  for (const instrument of instruments) {
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
