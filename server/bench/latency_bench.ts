/**
 * Latency from a trade message leaving the local Binance stand-in to a graphql-ws `trades`
 * subscriber, at a steady message rate: the whole live path (WebSocket, parse, order, queue, store,
 * pubsub, GraphQL over WebSocket). Stand-in, server and subscriber share this process (one event loop),
 * so the figures include their contention; the database is the embedded one or PostgreSQL.
 */
import { createApp } from "../app.ts";
import { createBinanceFeed } from "../feed/binance.ts";
import { aggTradeEvent, startBinanceStandin } from "../testing/binance_standin.ts";
import { withServerDatabase } from "../testing/databases.ts";
import { subscribe } from "../testing/graphql_client.ts";

export interface LatencyBenchOptions {
  /** Messages per second (both symbols together). Default 2,000. */
  rate?: number;
  /** Seconds of streaming measured. Default 10. */
  seconds?: number;
  postgresUrl?: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(databaseUrl: string, rate: number, seconds: number) {
  const standin = startBinanceStandin({ market: "futures" });
  const app = await createApp({
    databaseUrl,
    defaultVenue: "binance-futures",
    log: () => {},
    createFeed: (sink, lastStoredTrade) =>
      createBinanceFeed("futures", {
        symbols: ["BTCUSDT", "ETHUSDT"],
        sink,
        lastStoredTrade,
        wsBaseUrl: standin.wsBaseUrl,
        restBaseUrl: standin.restBaseUrl,
        log: () => {},
      }),
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const subscription = subscribe<{ trades: { symbol: string; tradeId: string } }>(
    `http://127.0.0.1:${server.addr.port}`,
    "subscription { trades { symbol tradeId } }",
  );
  try {
    while (!app.feed!.health().connected) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const total = rate * seconds;
    const perTick = Math.max(1, Math.round(rate / 200));
    const start = performance.now();
    let sent = 0;
    let id = 1;
    const consumed = subscription.events;
    let read = 0;
    const drain = () => {
      for (; read < consumed.length; read++) {
        const event = consumed[read].trades;
        const key = `${event.symbol}:${event.tradeId}`;
        const at = sentAt.get(key);
        if (at !== undefined) latencies.push(performance.now() - at);
      }
    };
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) {
        const symbol = sent % 2 === 0 ? "BTCUSDT" : "ETHUSDT";
        const event = aggTradeEvent(symbol, id, { timeMs: Date.now(), price: "100.5", qty: "1" });
        // The first second warms up (connections, the feed's start-up reorder grace): not measured.
        if (performance.now() - start > 1_000) sentAt.set(`${symbol}:${id}`, performance.now());
        standin.publish([{ stream: `${symbol.toLowerCase()}@aggTrade`, data: event }]);
        if (symbol === "ETHUSDT") id++;
        sent++;
        if (sent % perTick === 0) break;
      }
      drain();
      await new Promise((r) => setTimeout(r, 1));
    }
    const deadline = Date.now() + 10_000;
    while (latencies.length < sentAt.size && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      drain();
    }
    const elapsed = (performance.now() - start) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      sent: total,
      measured: sentAt.size,
      received: latencies.length,
      achievedRate: Math.round(total / elapsed),
      p50Ms: Math.round(percentile(sorted, 50) * 100) / 100,
      p99Ms: Math.round(percentile(sorted, 99) * 100) / 100,
      maxMs: Math.round(sorted[sorted.length - 1] * 100) / 100,
    };
  } finally {
    await subscription.close();
    await app.close();
    await server.shutdown();
    await standin.close();
  }
}

export async function* latencyBench(options: LatencyBenchOptions = {}) {
  const rate = options.rate ?? 2_000;
  const seconds = options.seconds ?? 10;
  const targets: [string, (run: (url: string) => Promise<void>) => Promise<void>][] = [
    ["pglite", (run) => run("memory://")],
  ];
  if (options.postgresUrl) {
    const serverUrl = options.postgresUrl;
    targets.push([
      "postgres",
      (run) => withServerDatabase(serverUrl, { migrate: false }, (db) => run(db.url)),
    ]);
  }
  for (const [database, around] of targets) {
    let result: Record<string, number> = {};
    await around(async (url) => {
      result = await measure(url, rate, seconds);
    });
    yield {
      bench: "latency",
      measurement: "stand-in send -> graphql-ws trades subscriber",
      database,
      rate,
      seconds,
      ...result,
      target: "p99 < 20 ms",
      targetMet: result.p99Ms < 20,
    };
  }
}
