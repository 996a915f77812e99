/**
 * CSV exports of real recorded data: the USD-M ticks (trades and bars) and the spot klines (pair
 * points and backtests), checked against the file itself and against the same numbers over GraphQL.
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { importFile } from "../ingest/import_file.ts";
import { graphqlRequest } from "../testing/graphql_client.ts";
import type { ApiContext } from "./context.ts";
import { handleExport } from "./export.ts";

const TICKS = "../shared/data/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz";
const KLINES = "../shared/data/spot-klines-1m-2018-06-18";

async function startWithData() {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    maxPointsPerResponse: 5_000,
    log: () => {},
  });
  await importFile(TICKS, app.store, { defaultVenue: "binance-futures" });
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    await importFile(`${KLINES}/${symbol}-1m-octobot-20180618.csv`, app.store, {
      defaultVenue: "binance-spot",
    });
  }
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const context: ApiContext = {
    store: app.store,
    pubsub: app.pubsub,
    liveBars: app.liveBars,
    defaultVenue: "binance-futures",
    maxPointsPerResponse: 5_000,
  };
  return {
    app,
    context,
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    stop: async () => {
      await app.close();
      await server.shutdown();
    },
  };
}

/** The BTCUSDT rows of the recorded file with a positive price, as `time,price,qty`. */
async function recordedBtcRows(): Promise<string[]> {
  const text = await new Response(
    (await Deno.open(TICKS)).readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return text.trim().split("\n").slice(1)
    .map((line) => line.split(","))
    .filter(([, symbol, price]) => symbol === "BTCUSDT" && Number(price) > 0)
    .map(([time, , price, qty]) => `${time},${price},${qty}`);
}

function csvRows(text: string): string[][] {
  return text.trimEnd().split("\n").map((line) => line.split(","));
}

Deno.test("trades.csv holds every stored trade of the range with the file's exact prices and quantities", async () => {
  const { baseUrl, stop } = await startWithData();
  try {
    const response = await fetch(`${baseUrl}/export/trades.csv?symbol=BTCUSDT`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.match(
      response.headers.get("content-disposition")!,
      /^attachment; filename="trades-binance-futures-BTCUSDT-2025-12-16T16-44-10Z-2025-12-16T19-\d\d-\d\dZ\.csv"$/,
    );
    const [header, ...rows] = csvRows(await response.text());
    assert.deepEqual(header, [
      "time",
      "venue",
      "symbol",
      "trade_id",
      "price",
      "qty",
      "buyer_maker",
      "received_at",
    ]);
    const exported = rows.map(([time, , , , price, qty]) => `${time},${price},${qty}`);
    // The recorder kept one trade per millisecond, so (time, price, qty) identifies a row.
    assert.deepEqual(exported.toSorted(), (await recordedBtcRows()).toSorted());
    const times = rows.map((row) => row[0]);
    assert.deepEqual(times, times.toSorted(), "oldest first");
    assert.ok(rows.every((row) => row[1] === "binance-futures" && row[2] === "BTCUSDT"));

    const minute = await fetch(
      `${baseUrl}/export/trades.csv?symbol=BTCUSDT&from=2025-12-16T17:00:00Z&to=2025-12-16T17:01:00Z`,
    );
    const inMinute = csvRows(await minute.text()).slice(1);
    assert.ok(inMinute.length > 10);
    assert.ok(inMinute.every(([time]) => time.startsWith("2025-12-16T17:00:")));
  } finally {
    await stop();
  }
});

Deno.test("trades.csv reads one page at a time, only as fast as the client takes it", async () => {
  const { context, stop } = await startWithData();
  try {
    let pagesRead = 0;
    const counted: ApiContext = {
      ...context,
      store: {
        ...context.store,
        async *trades(query) {
          for await (const page of context.store.trades(query)) {
            pagesRead += 1;
            yield page;
          }
        },
      },
    };
    const response = await handleExport(
      new Request("http://x/export/trades.csv?symbol=BTCUSDT"),
      counted,
      { pageRows: 500 },
    );
    const reader = response.body!.getReader();
    await reader.read(); // the header
    await reader.read(); // the first page
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(pagesRead <= 2, `${pagesRead} pages read for one taken`);
    let rows = 500;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      rows += new TextDecoder().decode(value).split("\n").length - 1;
    }
    const total = (await recordedBtcRows()).length;
    assert.equal(rows, total);
    assert.equal(pagesRead, Math.ceil(total / 500));
  } finally {
    await stop();
  }
});

Deno.test("a trades range over the limit, or bad parameters, answer 400 naming the parameter", async () => {
  const { baseUrl, context, stop } = await startWithData();
  try {
    const wide = await handleExport(
      new Request("http://x/export/trades.csv?symbol=BTCUSDT"),
      context,
      { maxTradeRangeUs: 3_600_000_000 },
    );
    assert.equal(wide.status, 400);
    assert.match(await wide.text(), /spans 0\.1 days of trades; one trades export covers at most/);

    const cases: [string, number, RegExp][] = [
      ["trades.csv", 400, /^symbol is required/],
      ["trades.csv?symbol=BTCUSDT&from=yesterday", 400, /^from "yesterday" is not a time/],
      [
        "trades.csv?symbol=BTCUSDT&from=2025-12-16T18:00:00Z&to=2025-12-16T17:00:00Z",
        400,
        /^from .* must be before to/,
      ],
      ["trades.csv?symbol=DOGEUSDT", 404, /^No data for binance-futures:DOGEUSDT/],
      ["bars.csv?symbol=BTCUSDT&timeframe=H1", 400, /^timeframe "H1" is not one of S1, M1, M5/],
      ["bars.csv?symbol=BTCUSDT", 400, /^timeframe is required/],
      ["pair.csv?base=BTCUSDT&quote=ETHUSDT&venue=binance-spot", 400, /^timeframe is required/],
      [
        "pair.csv?base=BTCUSDT&quote=ETHUSDT&venue=binance-spot&timeframe=M1&method=LASSO",
        400,
        /^method "LASSO" is not one of/,
      ],
      [
        "pair.csv?base=BTCUSDT&quote=ETHUSDT&venue=binance-spot&timeframe=M1&zWindow=ten",
        400,
        /^zWindow "ten" is not a number/,
      ],
      ["pair.csv?base=BTCUSDT&quote=XRPUSDT&venue=binance-spot&timeframe=M1", 404, /XRPUSDT/],
      ["nothing.csv", 404, /^No export at \/export\/nothing\.csv/],
    ];
    for (const [path, status, message] of cases) {
      const response = await fetch(`${baseUrl}/export/${path}`);
      assert.equal(response.status, status, path);
      assert.match(await response.text(), message, path);
    }
  } finally {
    await stop();
  }
});

Deno.test("bars.csv has the bars the GraphQL bars query answers, page by page", async () => {
  const { baseUrl, context, stop } = await startWithData();
  try {
    const graphql = await graphqlRequest<{ bars: Record<string, number | string>[] }>(
      baseUrl,
      `{ bars(symbol: "BTCUSDT", timeframe: M1) { time open high low close volume trades } }`,
    );
    const expected = graphql.data!.bars.map((bar) =>
      [
        bar.time,
        "binance-futures",
        "BTCUSDT",
        "1m",
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        bar.trades,
      ].map(String)
    );
    assert.equal(expected.length, 38);
    const response = await fetch(`${baseUrl}/export/bars.csv?symbol=BTCUSDT&timeframe=M1`);
    assert.match(response.headers.get("content-disposition")!, /bars-binance-futures-BTCUSDT-1m-/);
    const [header, ...rows] = csvRows(await response.text());
    assert.deepEqual(header, [
      "time",
      "venue",
      "symbol",
      "timeframe",
      "open",
      "high",
      "low",
      "close",
      "volume",
      "trades",
    ]);
    assert.deepEqual(rows, expected);
    // Windows of 3 buckets give the same rows.
    const paged = await handleExport(
      new Request("http://x/export/bars.csv?symbol=BTCUSDT&timeframe=M1"),
      context,
      { pageRows: 3 },
    );
    assert.deepEqual(csvRows(await paged.text()).slice(1), expected);
    // Imported klines have no trades to bound the range: from and to are asked for.
    const klines = await fetch(
      `${baseUrl}/export/bars.csv?symbol=BTCUSDT&venue=binance-spot&timeframe=M1`,
    );
    assert.equal(klines.status, 400);
    assert.match(await klines.text(), /no trades to bound the range: give from and to/);
    const ranged = await fetch(
      `${baseUrl}/export/bars.csv?symbol=BTCUSDT&venue=binance-spot&timeframe=M1` +
        "&from=2018-06-18T05:00:00Z&to=2018-06-18T06:00:00Z",
    );
    const klineRows = csvRows(await ranged.text()).slice(1);
    assert.equal(klineRows.length, 60);
    assert.equal(klineRows[0][0], "2018-06-18T05:00:00.000Z");
  } finally {
    await stop();
  }
});

Deno.test("pair.csv and the backtest CSVs carry the numbers of pairAnalytics and backtest", async () => {
  const { baseUrl, stop } = await startWithData();
  try {
    const pair = `base: "BTCUSDT", quote: "ETHUSDT", venue: "binance-spot", timeframe: M1,
      method: KALMAN, zWindow: 30`;
    const graphql = await graphqlRequest<{
      pairAnalytics: { points: Record<string, number | string | null>[] };
      backtest: {
        equity: { time: string; equity: number }[];
        tradeList: Record<string, string | number>[];
      };
    }>(
      baseUrl,
      `{ pairAnalytics(input: { ${pair} }) {
           points { time y x hedgeRatio spread zscore correlation } }
         backtest(input: { pair: { ${pair} }, entry: 1.5, exit: 0.25, stop: null }) {
           equity { time equity } tradeList { side entryTime exitTime bars pnl reason } } }`,
    );
    assert.equal(graphql.errors, undefined, JSON.stringify(graphql.errors));
    const query = "base=BTCUSDT&quote=ETHUSDT&venue=binance-spot&timeframe=M1&method=KALMAN" +
      "&zWindow=30";

    const pairCsv = await fetch(`${baseUrl}/export/pair.csv?${query}`);
    assert.match(
      pairCsv.headers.get("content-disposition")!,
      /filename="pair-BTCUSDT-ETHUSDT-1m-KALMAN\.csv"/,
    );
    const [pairHeader, ...points] = csvRows(await pairCsv.text());
    assert.deepEqual(pairHeader, [
      "time",
      "y",
      "x",
      "hedge_ratio",
      "spread",
      "zscore",
      "correlation",
    ]);
    const cell = (value: unknown) => value === null ? "" : String(value);
    assert.deepEqual(
      points,
      graphql.data!.pairAnalytics.points.map((p) =>
        [p.time, p.y, p.x, p.hedgeRatio, p.spread, p.zscore, p.correlation].map(cell)
      ),
    );
    assert.ok(points.length > 900);
    assert.equal(points[0][6], "", "no correlation before its window fills");

    const backtestQuery = `${query}&entry=1.5&exit=0.25&stop=none`;
    const equityCsv = await fetch(`${baseUrl}/export/backtest-equity.csv?${backtestQuery}`);
    assert.equal(equityCsv.status, 200);
    const [equityHeader, ...equity] = csvRows(await equityCsv.text());
    assert.deepEqual(equityHeader, ["time", "equity"]);
    assert.deepEqual(
      equity,
      graphql.data!.backtest.equity.map((point) => [point.time, String(point.equity)]),
    );
    const tradesCsv = await fetch(`${baseUrl}/export/backtest-trades.csv?${backtestQuery}`);
    const [tradeHeader, ...trades] = csvRows(await tradesCsv.text());
    const column = (name: string) => tradeHeader.indexOf(name);
    const expectedTrades = graphql.data!.backtest.tradeList;
    assert.ok(expectedTrades.length > 0);
    assert.deepEqual(
      trades.map((row) =>
        ["side", "entryTime", "exitTime", "bars", "pnl", "reason"].map((name) => row[column(name)])
      ),
      expectedTrades.map((trade) =>
        [trade.side, trade.entryTime, trade.exitTime, trade.bars, trade.pnl, trade.reason].map(
          String,
        )
      ),
    );
    const badStop = await fetch(`${baseUrl}/export/backtest-trades.csv?${query}&entry=5&stop=4`);
    assert.equal(badStop.status, 400);
    assert.match(await badStop.text(), /^stop \(4\) must be above entry \(5\)/);
  } finally {
    await stop();
  }
});
