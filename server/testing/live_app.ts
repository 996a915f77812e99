/**
 * The real app fed by the local Binance stand-in, for tests that inject faults and then check what a
 * user would see: every trade the stand-in published stored exactly once, and health telling what
 * happened. Test code only.
 */
import assert from "node:assert/strict";
import { type App, type AppOptions, createApp } from "../app.ts";
import { type BinanceFeedOptions, createBinanceFeed } from "../feed/binance.ts";
import {
  aggTradeEvent,
  type BinanceStandin,
  type BinanceStandinOptions,
  startBinanceStandin,
} from "./binance_standin.ts";
import { type DatabaseVariant, withServerDatabase } from "./databases.ts";

export const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
export const VENUE = "binance-futures";

/** Registers `name [variant]` for the embedded database and each configured server. */
export function liveAppTest(
  name: string,
  body: (databaseUrl: string, variant: DatabaseVariant) => Promise<void>,
  options: { only?: DatabaseVariant[] } = {},
): void {
  const wanted = (variant: DatabaseVariant) => !options.only || options.only.includes(variant);
  if (wanted("pglite")) {
    Deno.test({
      name: `${name} [pglite]`,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        // A directory rather than memory://, so that a test can restart the app on the same data.
        const dataDir = await Deno.makeTempDir({ prefix: "pairs-faults-" });
        try {
          await body(dataDir, "pglite");
        } finally {
          await Deno.remove(dataDir, { recursive: true });
        }
      },
    });
  }
  const servers: [DatabaseVariant, string | undefined][] = [
    ["postgres", Deno.env.get("TEST_DATABASE_URL")],
    ["timescaledb", Deno.env.get("TEST_TIMESCALE_URL")],
  ];
  for (const [variant, serverUrl] of servers) {
    if (!wanted(variant)) continue;
    Deno.test({
      name: `${name} [${variant}${serverUrl ? "" : ": skipped, no server configured"}]`,
      ignore: !serverUrl,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => withServerDatabase(serverUrl!, { migrate: false }, (db) => body(db.url, variant)),
    });
  }
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Interleaved aggTrade events of both symbols, ids `firstId..firstId+count-1`, 7 ms apart. */
export function tradeEvents(
  firstId: number,
  count: number,
  options: { startMs?: number; price?: (id: number, symbol: string) => string } = {},
): object[] {
  const startMs = options.startMs ?? Date.UTC(2026, 10, 1, 12, 0, 0);
  const events: object[] = [];
  for (let id = firstId; id < firstId + count; id++) {
    for (const symbol of SYMBOLS) {
      const base = symbol === "BTCUSDT" ? 90_000 + (id % 37) : 3_000 + (id % 11);
      events.push({
        stream: `${symbol.toLowerCase()}@aggTrade`,
        data: aggTradeEvent(symbol, id, {
          price: options.price?.(id, symbol) ?? `${base}.${id % 10}`,
          qty: `0.0${(id % 9) + 1}`,
          timeMs: startMs + id * 7,
        }),
      });
    }
  }
  return events;
}

export interface LiveApp {
  app: App;
  standin: BinanceStandin;
  /** `http://127.0.0.1:<port>` of the app's HTTP surface. */
  baseUrl: string;
  healthz(): Promise<Record<string, unknown>>;
  /** Stored trade ids per symbol, ascending. */
  storedIds(symbol: string): Promise<number[]>;
  storedCount(): Promise<number>;
  /** Waits until the stand-in's whole history is stored, then checks each id is there exactly once. */
  assertAllStoredOnce(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface LiveAppOptions {
  standin?: BinanceStandinOptions;
  /** An already running stand-in (e.g. across an app restart); not closed by `close()`. */
  existingStandin?: BinanceStandin;
  feed?: Partial<BinanceFeedOptions>;
  app?: Partial<AppOptions>;
  /** Called once the stand-in runs, before the app starts (history the app must catch up on). */
  before?: (standin: BinanceStandin) => void | Promise<void>;
  /** Wait for the feed to connect. Default true. */
  waitConnected?: boolean;
}

export async function startLiveApp(
  databaseUrl: string,
  options: LiveAppOptions = {},
): Promise<LiveApp> {
  const standin = options.existingStandin ?? startBinanceStandin({
    market: "futures",
    ...options.standin,
  });
  await options.before?.(standin);
  const app = await createApp({
    databaseUrl,
    defaultVenue: VENUE,
    log: () => {},
    ...options.app,
    createFeed: (sink, lastStoredTrade) =>
      createBinanceFeed("futures", {
        symbols: SYMBOLS,
        sink,
        lastStoredTrade,
        wsBaseUrl: standin.wsBaseUrl,
        restBaseUrl: standin.restBaseUrl,
        stream: "aggTrade",
        watchdogMs: 5_000,
        reorderGraceMs: 50,
        backoff: { initialMs: 20, maxMs: 200 },
        restLagDelayMs: 20,
        log: () => {},
        ...options.feed,
      }),
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.http.handle);
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  if (options.waitConnected !== false) {
    await waitFor(
      () => app.feed!.health().connected && standin.connections.some((c) => c.routed && c.live),
      "the feed to connect",
    );
  }

  async function storedIds(symbol: string): Promise<number[]> {
    const rows = await afterConnectionLoss(() =>
      app.db.sql<{ id: string }[]>`
      select trade_id::text as id from trades where venue = ${VENUE} and symbol = ${symbol}
      order by trade_id`
    );
    return rows.map((row) => Number(row.id));
  }
  async function storedCount(): Promise<number> {
    const [{ n }] = await afterConnectionLoss(() =>
      app.db.sql<{ n: number }[]>`select count(*)::int as n from trades`
    );
    return n;
  }
  return {
    app,
    standin,
    baseUrl,
    healthz: () => fetch(`${baseUrl}/healthz`).then((response) => response.json()),
    storedIds,
    storedCount,
    async assertAllStoredOnce(timeoutMs = 60_000) {
      const expected = SYMBOLS.reduce(
        (sum, symbol) => sum + standin.historyIds(symbol, "aggTrade").length,
        0,
      );
      await waitFor(
        async () => (await storedCount()) >= expected,
        `all ${expected} published trades to be stored`,
        timeoutMs,
      );
      await app.queue.flush();
      for (const symbol of SYMBOLS) {
        // The primary key forbids a doubled row; the count and the id list show nothing is missing
        // and nothing was added that the stand-in never published.
        assert.deepEqual(
          await storedIds(symbol),
          standin.historyIds(symbol, "aggTrade"),
          `${symbol}: stored ids equal the published ids`,
        );
      }
    },
    async close() {
      await app.close();
      await server.shutdown();
      if (!options.existingStandin) await standin.close();
    },
  };
}

/**
 * Runs a check's query again when it met a connection the database had just terminated (the fault
 * tests terminate every connection of the app, the pool's idle ones included), as a client would
 * after a database restart.
 */
async function afterConnectionLoss<T>(query: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await query();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (
        attempt === 5 || !["57P01", "CONNECTION_CLOSED", "CONNECTION_ENDED"].includes(String(code))
      ) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
