/**
 * Live trades committed without waiting for the WAL flush and lost by a database crash are stored
 * again, after the ingest connection closed and before the next live write, without being
 * delivered twice.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Trade } from "../domain.ts";
import { createCommitRepair } from "./commit_repair.ts";
import { withServerDatabase } from "../testing/databases.ts";
import { serveApp } from "../testing/served_app.ts";
import { graphqlRequest, settle, subscribe } from "../testing/graphql_client.ts";
import { btcTrade } from "../testing/trade_batches.ts";

/** Trade `tradeId` of BTCUSDT, `second` seconds into 2024-08-08 23:00 UTC. */
function trade(tradeId: number, second: number, price: string, qty = "0.5"): Trade {
  return btcTrade(
    tradeId,
    1_723_158_000_000_000 + second * 1_000_000 + tradeId * 1_000,
    price,
    qty,
  );
}

Deno.test("after the ingest connection closes, the trades of the last window are written again before the next write, until the database takes them", async () => {
  let clock = 0;
  const writes: number[][] = [];
  let failures = 1;
  const repaired: [number, number][] = [];
  const repair = createCommitRepair(
    (trades) => {
      writes.push(trades.map((t) => t.tradeId));
      if (failures-- > 0) return Promise.reject(new Error("connection refused"));
      return Promise.resolve(trades.slice(1));
    },
    {
      windowMs: 5_000,
      now: () => clock,
      onRepaired: (restored, written) => repaired.push([restored.length, written]),
    },
  );
  await repair.writeLost();
  assert.deepEqual(writes, [], "nothing closed, nothing to write");
  repair.stored([trade(1, 0, "1")]);
  clock = 6_000;
  repair.stored([trade(2, 6, "1"), trade(3, 6, "1")]);
  clock = 7_000;
  repair.stored([trade(4, 7, "1")]);
  clock = 7_500;
  repair.connectionClosed();
  assert.equal(repair.pending(), 3, "trade 1 was committed 7.5 s before: outside the window");

  await assert.rejects(repair.writeLost(), /connection refused/);
  assert.equal(repair.pending(), 3, "kept for the next write");
  repair.connectionClosed(); // the failed attempt's connection closed too: nothing new to add
  await repair.writeLost();
  assert.deepEqual(writes, [[2, 3, 4], [2, 3, 4]]);
  assert.deepEqual(repaired, [[2, 3]]);
  assert.equal(repair.pending(), 0);
  await repair.writeLost();
  assert.equal(writes.length, 2, "written once");
});

const postgresUrl = Deno.env.get("TEST_DATABASE_URL");

Deno.test({
  name: "trades a crashed database lost after their delivery are stored again, with their bars, " +
    "and not delivered twice [postgres]",
  ignore: !postgresUrl,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withServerDatabase(postgresUrl!, {}, async (db) => {
      const logged: string[] = [];
      const served = await serveApp({
        databaseUrl: db.url,
        log: (line) => logged.push(line),
      });
      const admin = postgres(db.url, { max: 1, onnotice: () => {} });
      const live = subscribe<{ trades: { tradeId: string } }>(
        served.baseUrl,
        'subscription { trades(symbols: ["BTCUSDT"]) { tradeId } }',
      );
      const bars = async () => {
        const answer = await graphqlRequest<{ bars: unknown[] }>(
          served.baseUrl,
          `{ bars(symbol: "BTCUSDT", timeframe: S1, from: "2024-08-01T00:00:00Z") {
             time open high low close volume trades } }`,
        );
        assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
        return answer.data!.bars;
      };
      try {
        await settle(300); // the subscription is live
        const batch = [
          trade(1, 0, "60000.5", "0.25"),
          trade(2, 0, "60010", "1.5"),
          trade(3, 1, "59990.25", "0.125"),
          trade(4, 1, "60001", "2"),
          trade(5, 2, "60002.75", "0.5"),
        ];
        served.app.queue.push(batch);
        await served.app.queue.flush();
        await live.waitFor((events) => events.length === 5);
        const before = await bars();
        assert.equal(before.length, 3);

        // The crash: the last commit never reached the disk (its trades, bars and instrument
        // count are gone), and the connection it came through is closed.
        await admin.begin(async (tx) => {
          await tx`delete from trades where symbol = 'BTCUSDT'`;
          for (const table of ["bars_1s", "bars_1m", "bars_5m"]) {
            await tx`delete from ${tx(table)} where symbol = 'BTCUSDT'`;
          }
          await tx`delete from instruments where symbol = 'BTCUSDT'`;
        });
        const terminated = await admin`
          select pg_terminate_backend(pid) as done from pg_stat_activity
          where application_name = 'pairs-ingest' and datname = current_database()`;
        assert.equal(terminated.length, 1, "one ingest connection");
        await settle(200);

        // The next live write (another instrument) stores the lost trades first.
        served.app.queue.push([{ ...trade(6, 3, "3000.5"), symbol: "ETHUSDT" }]);
        await served.app.queue.flush();
        const counts = await admin`
          select symbol, count(*)::int as n from trades group by symbol order by symbol`;
        assert.deepEqual(counts.map((row) => [row.symbol, row.n]), [["BTCUSDT", 5], [
          "ETHUSDT",
          1,
        ]]);
        assert.deepEqual(await bars(), before, "the bars are those of the trades, once");
        assert.ok(
          logged.some((line) => /had lost 5 of the last 5 trades stored/.test(line)),
          logged.join("\n"),
        );
        await settle(300);
        assert.deepEqual(
          live.events.map((e) => e.trades.tradeId),
          ["1", "2", "3", "4", "5"],
          "delivered once",
        );
      } finally {
        await live.close();
        await admin.end({ timeout: 5 });
        await served.stop();
      }
    }),
});
