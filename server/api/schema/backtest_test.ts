/**
 * Backtests through the public GraphQL surface, on real 1-minute klines imported as a user would.
 * Two kinds of check:
 * - the same answer as the analytics fed independently: closes read straight from the kline files
 *   (not from the database), `computePairAnalytics` / `walkForwardHedge` + `rollingZScore`, then
 *   `runBacktest` / `sweepBacktest`;
 * - agreement with the plain-Python backtest written from ANALYTICS.md in
 *   `server/analytics/fixtures/backtest_reference.json` (made by
 *   `/usr/bin/python3 server/analytics/fixtures/make_fixtures_stationarity.py`: statsmodels OLS
 *   spread, pandas rolling z-scores, numpy lstsq walk-forward fits, on the same klines).
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { importFile } from "../../ingest/import_file.ts";
import { type BacktestResult, runBacktest } from "../../analytics/backtest.ts";
import { sweepBacktest } from "../../analytics/backtest_sweep.ts";
import { fitHuber } from "../../analytics/huber.ts";
import { computePairAnalytics, type HedgeMethod } from "../../analytics/pair_analytics.ts";
import { rollingZScore } from "../../analytics/rolling.ts";
import { walkForwardHedge } from "../../analytics/walk_forward_hedge.ts";
import { assertClose } from "../../analytics/fixtures/assert_close.ts";
import { readKlineCloses } from "../../analytics/fixtures/klines.ts";
import reference from "../../analytics/fixtures/backtest_reference.json" with { type: "json" };

const KLINES = "../shared/data/spot-klines-1m-2018-06-18";

async function startWithKlines() {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-spot",
    maxPointsPerResponse: 5_000,
    log: () => {},
  });
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    await importFile(`${KLINES}/${symbol}-1m-octobot-20180618.csv`, app.store, {
      defaultVenue: "binance-spot",
    });
  }
  return app;
}

interface GraphQLAnswer {
  // deno-lint-ignore no-explicit-any -- GraphQL answers are checked field by field in each test
  data?: Record<string, any>;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

async function ask(app: Awaited<ReturnType<typeof createApp>>, query: string) {
  const response = await app.http.handle(
    new Request("http://local/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  return await response.json() as GraphQLAnswer;
}

const BACKTEST_FIELDS = `netPnl return sharpe maxDrawdown trades winRate avgHoldingBars exposure
  inSample method walkForward equity { time equity }
  tradeList { side entryTime exitTime bars pnl reason entryPriceY entryPriceX exitPriceY
    exitPriceX qtyY qtyX hedgeRatio fees }`;

const METRICS = [
  "netPnl",
  "return",
  "sharpe",
  "maxDrawdown",
  "winRate",
  "avgHoldingBars",
  "exposure",
] as const;

/** The klines of both legs read from the files, as bars a pair analysis takes. */
function klineLegs() {
  const { timesUs, closes } = readKlineCloses(["BTCUSDT", "ETHUSDT"]);
  const bars = (leg: number) =>
    timesUs.map((timeUs, index) => ({ timeUs, close: closes[leg][index] }));
  return {
    base: { symbol: "BTCUSDT", bars: bars(0) },
    quote: { symbol: "ETHUSDT", bars: bars(1) },
  };
}

/** `runBacktest` on the files' klines: the static (NONE) hedge of `method`. */
function independentBacktest(
  method: HedgeMethod,
  transform: "LOG" | "RAW",
  rules: { entry?: number; exit?: number; stop?: number | null; feeBps?: number },
  zWindow = 60,
): BacktestResult {
  const analysis = computePairAnalytics(klineLegs(), {
    method,
    priceTransform: transform,
    zWindow,
    barSeconds: 60,
  });
  return runBacktest({
    timesUs: analysis.grid.timesUs,
    priceY: analysis.grid.closeY,
    priceX: analysis.grid.closeX,
    zscore: analysis.points.map((point) => point.zscore),
    hedgeRatio: analysis.points.map((point) => point.hedgeRatio),
    transform,
    barSeconds: 60,
    inSample: ["OLS", "HUBER", "THEIL_SEN"].includes(method),
  }, rules);
}

/** `walkForwardHedge` + `rollingZScore` + `runBacktest` on the files' klines (LOG prices). */
function independentWalkForward(
  mode: "rolling" | "expanding",
  window: number,
  refitEvery: number,
  options: { fit?: "HUBER"; zWindow?: number } = {},
): BacktestResult {
  const legs = klineLegs();
  const priceY = legs.base.bars.map((bar) => bar.close);
  const priceX = legs.quote.bars.map((bar) => bar.close);
  const hedge = walkForwardHedge(priceY.map(Math.log), priceX.map(Math.log), {
    mode,
    window,
    refitEvery,
    fit: options.fit === "HUBER"
      ? (y, x) => {
        const line = fitHuber(y, x);
        return { hedgeRatio: line.slope, intercept: line.intercept };
      }
      : undefined,
  });
  const z = rollingZScore(hedge.spread.map((value) => value ?? NaN), options.zWindow ?? 60);
  return runBacktest({
    timesUs: legs.base.bars.map((bar) => bar.timeUs),
    priceY,
    priceX,
    zscore: Array.from(z, (value) => Number.isNaN(value) ? null : value),
    hedgeRatio: hedge.hedgeRatio,
    transform: "LOG",
    barSeconds: 60,
    inSample: false,
  });
}

// deno-lint-ignore no-explicit-any -- a GraphQL Backtest answer
function assertSameBacktest(actual: any, expected: BacktestResult, label: string) {
  for (const key of METRICS) {
    assertClose(actual[key], expected[key], 1e-12, `${label} ${key}`, 1e-9);
  }
  assert.equal(actual.trades, expected.trades, `${label} trades`);
  assert.equal(actual.inSample, expected.inSample, `${label} inSample`);
  assert.equal(actual.equity.length, expected.equity.length);
  expected.equity.forEach((point, index) => {
    assert.equal(Date.parse(actual.equity[index].time) * 1000, point.timeUs);
    assertClose(actual.equity[index].equity, point.equity, 1e-12, `${label} equity[${index}]`);
  });
  assert.equal(actual.tradeList.length, expected.tradeList.length, `${label} trade count`);
  expected.tradeList.forEach((trade, index) => {
    const got = actual.tradeList[index];
    assert.deepEqual(
      [got.side, Date.parse(got.entryTime) * 1000, Date.parse(got.exitTime) * 1000],
      [trade.side, trade.entryTimeUs, trade.exitTimeUs],
    );
    assert.deepEqual([got.bars, got.reason], [trade.bars, trade.reason]);
    for (const key of ["entryPriceY", "entryPriceX", "exitPriceY", "exitPriceX"] as const) {
      assert.equal(got[key], trade[key], `${label} trade ${index} ${key}`);
    }
    for (const key of ["qtyY", "qtyX", "hedgeRatio", "fees", "pnl"] as const) {
      assertClose(got[key], trade[key], 1e-12, `${label} trade ${index} ${key}`, 1e-6);
    }
  });
}

/** Metrics to 1e-9, equity to 1e-9 and the same trades as the Python reference. */
function assertMatchesPython(
  // deno-lint-ignore no-explicit-any -- a GraphQL Backtest answer
  actual: any,
  expected: (typeof reference.cases)[number]["expected"],
  label: string,
) {
  const { timesUs } = readKlineCloses(["BTCUSDT", "ETHUSDT"]);
  for (const key of METRICS) {
    assertClose(actual[key], expected[key], 1e-9, `${label} ${key}`, 1e-9);
  }
  assert.equal(actual.trades, expected.trades, `${label} trades`);
  expected.equity.forEach((equity, index) =>
    assertClose(actual.equity[index].equity, equity, 1e-9, `${label} equity[${index}]`)
  );
  assert.deepEqual(
    // deno-lint-ignore no-explicit-any -- GraphQL trades
    actual.tradeList.map((trade: any) => [
      trade.side,
      Date.parse(trade.entryTime) * 1000,
      Date.parse(trade.exitTime) * 1000,
      trade.reason,
      trade.bars,
    ]),
    expected.tradeList.map((trade) => [
      trade.side,
      timesUs[trade.entryIndex],
      timesUs[trade.exitIndex],
      trade.reason,
      trade.bars,
    ]),
  );
  expected.tradeList.forEach((trade, index) => {
    assertClose(actual.tradeList[index].pnl, trade.pnl, 1e-9, `${label} trade ${index} pnl`, 1);
    assertClose(actual.tradeList[index].qtyX, trade.qtyX, 1e-9, `${label} trade ${index} qtyX`);
  });
}

const PAIR = `base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1`;

Deno.test("backtest equals runBacktest on the same klines for every hedge method and transform", async () => {
  const app = await startWithKlines();
  try {
    const methods: HedgeMethod[] = ["OLS", "HUBER", "THEIL_SEN", "ROLLING_OLS", "KALMAN"];
    for (const transform of ["LOG", "RAW"] as const) {
      const answer = await ask(
        app,
        `{ ${
          methods.map((method) =>
            `${method}: backtest(input: { pair: { ${PAIR}, method: ${method},
               priceTransform: ${transform} }, entry: 1.5, exit: 0.25 }) { ${BACKTEST_FIELDS} }`
          ).join("\n")
        } }`,
      );
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      for (const method of methods) {
        const actual = answer.data![method];
        assert.equal(actual.method, method);
        assert.equal(actual.walkForward, "NONE");
        const expected = independentBacktest(method, transform, { entry: 1.5, exit: 0.25 });
        assert.ok(expected.trades > 0, `${method} ${transform} trades at all`);
        assertSameBacktest(actual, expected, `${transform} ${method}`);
      }
    }
  } finally {
    await app.close();
  }
});

// The Python reference's BTCUSDT/ETHUSDT cases: static OLS spread, z window 60 (the PairInput
// default), notional 10,000 (the default).
for (const run of reference.cases.filter((run) => run.pair.y === "BTCUSDT")) {
  Deno.test(`backtest agrees with the Python reference: ${run.name}, ${JSON.stringify(run.rules)}`, async () => {
    const app = await startWithKlines();
    try {
      const { entry, exit, stop, feeBps } = run.rules;
      const answer = await ask(
        app,
        `{ backtest(input: { pair: { ${PAIR}, priceTransform: ${run.pair.transform}, method: OLS,
           zWindow: 60 }, entry: ${entry}, exit: ${exit}, stop: ${stop}, feeBps: ${feeBps} }) {
           ${BACKTEST_FIELDS} } }`,
      );
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      assert.equal(answer.data!.backtest.inSample, true);
      assertMatchesPython(answer.data!.backtest, run.expected, run.name);
    } finally {
      await app.close();
    }
  });
}

Deno.test("stop: null turns the stop off", async () => {
  const app = await startWithKlines();
  try {
    const answer = await ask(
      app,
      `{ withStop: backtest(input: { pair: { ${PAIR} } }) { ${BACKTEST_FIELDS} }
         noStop: backtest(input: { pair: { ${PAIR} }, stop: null }) { ${BACKTEST_FIELDS} } }`,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const { withStop, noStop } = answer.data!;
    // deno-lint-ignore no-explicit-any -- GraphQL trades
    const reasons = (backtest: any) => backtest.tradeList.map((trade: any) => trade.reason);
    // The default stop of 4 is hit once on this day (see the Python reference's first case).
    assert.equal(reasons(withStop).filter((reason: string) => reason === "STOP").length, 1);
    assert.equal(reasons(noStop).includes("STOP"), false);
    assertSameBacktest(noStop, independentBacktest("OLS", "LOG", { stop: null }), "stop null");
    assert.notEqual(noStop.netPnl, withStop.netPnl);
  } finally {
    await app.close();
  }
});

Deno.test("walk-forward backtests are out of sample and agree with numpy walk-forward fits", async () => {
  const app = await startWithKlines();
  try {
    const [rolling, expanding] = reference.walkForward;
    const answer = await ask(
      app,
      `{ static: backtest(input: { pair: { ${PAIR} } }) { ${BACKTEST_FIELDS} }
         rolling: backtest(input: { pair: { ${PAIR} }, walkForward: ROLLING,
           walkForwardWindow: ${rolling.window}, refitEvery: ${rolling.refitEvery} }) {
           ${BACKTEST_FIELDS} }
         expanding: backtest(input: { pair: { ${PAIR}, hedgeWindow: ${expanding.window} },
           walkForward: EXPANDING, refitEvery: ${expanding.refitEvery} }) { ${BACKTEST_FIELDS} }
         huber: backtest(input: { pair: { ${PAIR}, method: HUBER }, walkForward: ROLLING,
           walkForwardWindow: 200, refitEvery: 5 }) { ${BACKTEST_FIELDS} } }`,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const { data } = answer;
    assert.equal(data!.static.inSample, true);
    for (const name of ["rolling", "expanding", "huber"]) {
      assert.equal(data![name].inSample, false, name);
      assert.equal(data![name].walkForward, name === "expanding" ? "EXPANDING" : "ROLLING");
      assert.notEqual(data![name].netPnl, data!.static.netPnl, `${name} differs from in-sample`);
    }
    assertMatchesPython(data!.rolling, rolling.expected, rolling.name);
    assertMatchesPython(data!.expanding, expanding.expected, expanding.name);
    assertSameBacktest(data!.rolling, independentWalkForward("rolling", 120, 1), "rolling");
    assertSameBacktest(data!.expanding, independentWalkForward("expanding", 100, 10), "expanding");
    assertSameBacktest(
      data!.huber,
      independentWalkForward("rolling", 200, 5, { fit: "HUBER" }),
      "huber walk-forward",
    );
    // No bar before the first fit (bar 120) carries a hedge, so no trade is entered before it.
    const firstEntry = Date.parse(data!.rolling.tradeList[0].entryTime) * 1000;
    assert.ok(firstEntry > readKlineCloses(["BTCUSDT"]).timesUs[120]);
  } finally {
    await app.close();
  }
});

Deno.test("backtestSweep cells equal single backtests and the Python threshold grid", async () => {
  const app = await startWithKlines();
  try {
    const grid = reference.sweep;
    const answer = await ask(
      app,
      `{ backtestSweep(input: { pair: { ${PAIR} }, entries: [1.5, 2, 2.5], exits: [0, 0.5, 1],
           zWindows: [${grid.windows}], stop: ${grid.stop}, feeBps: ${grid.feeBps} }) {
           entry exit zWindow inSample netPnl return sharpe maxDrawdown trades winRate
           avgHoldingBars exposure }
         single: backtest(input: { pair: { ${PAIR}, zWindow: 120 }, entry: 2.5, exit: 0.5,
           stop: ${grid.stop}, feeBps: ${grid.feeBps} }) { ${BACKTEST_FIELDS} } }`,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const cells = answer.data!.backtestSweep;
    assert.equal(cells.length, grid.cells.length);
    grid.cells.forEach((expected, index) => {
      const cell = cells[index];
      const label = `cell z${expected.window} ${expected.entry}/${expected.exit}`;
      assert.deepEqual([cell.zWindow, cell.entry, cell.exit], [
        expected.window,
        expected.entry,
        expected.exit,
      ]);
      assert.equal(cell.inSample, true);
      assert.equal(cell.trades, expected.metrics.trades, label);
      for (const key of METRICS) {
        assertClose(cell[key], expected.metrics[key], 1e-9, `${label} ${key}`, 1e-9);
      }
    });
    // deno-lint-ignore no-explicit-any -- GraphQL cells
    const cell = cells.find((c: any) => c.zWindow === 120 && c.entry === 2.5 && c.exit === 0.5);
    const single = answer.data!.single;
    for (const key of [...METRICS, "trades"] as const) assert.equal(cell[key], single[key], key);
    // And the analytics sweep on the files' klines gives the same cell.
    const analysis = computePairAnalytics(klineLegs(), { zWindow: 120, barSeconds: 60 });
    const [independent] = sweepBacktest({
      timesUs: analysis.grid.timesUs,
      priceY: analysis.grid.closeY,
      priceX: analysis.grid.closeX,
      hedgeRatio: analysis.points.map((point) => point.hedgeRatio),
      transform: "LOG",
      barSeconds: 60,
      inSample: true,
      zscores: [{ window: 120, zscore: analysis.points.map((point) => point.zscore) }],
    }, { entries: [2.5], exits: [0.5], stop: grid.stop, feeBps: grid.feeBps });
    for (const key of METRICS) assertClose(cell[key], independent.metrics[key], 1e-12, key, 1e-9);
  } finally {
    await app.close();
  }
});

Deno.test("a walk-forward sweep cell equals the walk-forward backtest; exit >= entry is left out", async () => {
  const app = await startWithKlines();
  try {
    const answer = await ask(
      app,
      `{ backtestSweep(input: { pair: { ${PAIR} }, entries: [1, 2], exits: [0.5, 1.5],
           stop: null, walkForward: EXPANDING, walkForwardWindow: 150 }) {
           entry exit zWindow inSample netPnl sharpe trades }
         single: backtest(input: { pair: { ${PAIR} }, entry: 2, exit: 1.5, stop: null,
           walkForward: EXPANDING, walkForwardWindow: 150 }) { netPnl sharpe trades } }`,
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const cells = answer.data!.backtestSweep;
    // (1, 1.5) breaks exit < entry and is left out.
    // deno-lint-ignore no-explicit-any -- GraphQL cells
    assert.deepEqual(cells.map((cell: any) => [cell.entry, cell.exit, cell.zWindow]), [
      [1, 0.5, 60],
      [2, 0.5, 60],
      [2, 1.5, 60],
    ]);
    // deno-lint-ignore no-explicit-any -- GraphQL cells
    assert.ok(cells.every((cell: any) => cell.inSample === false));
    const { single } = answer.data!;
    assert.deepEqual([cells[2].netPnl, cells[2].sharpe, cells[2].trades], [
      single.netPnl,
      single.sharpe,
      single.trades,
    ]);
  } finally {
    await app.close();
  }
});

Deno.test("backtest and backtestSweep arguments are checked with messages that say what to fix", async () => {
  const app = await startWithKlines();
  try {
    const error = async (field: string, input: string) => {
      const answer = await ask(
        app,
        `{ ${field}(input: { pair: { ${PAIR} }, ${input} }) {
        ${field === "backtest" ? "netPnl" : "entry"} } }`,
      );
      assert.ok(answer.errors, `${input} should fail`);
      assert.equal(answer.errors[0].extensions?.code, "BAD_USER_INPUT", answer.errors[0].message);
      return answer.errors[0].message;
    };
    const backtest = (input: string) => error("backtest", input);
    const sweep = (input: string) => error("backtestSweep", input);
    assert.match(await backtest("entry: 1, exit: 1"), /exit \(1\) must be below entry \(1\)/);
    assert.match(await backtest("exit: -0.5"), /exit must be a z-score of at least 0/);
    assert.match(await backtest("entry: 0, exit: 0"), /entry must be a positive z-score/);
    assert.match(await backtest("entry: 4.5"), /stop \(4\) must be above entry \(4.5\)/);
    assert.match(await backtest("notional: 0"), /notional must be a positive amount, got 0/);
    assert.match(await backtest("feeBps: 1000"), /feeBps must be at least 0 and below 1000/);
    assert.match(await backtest("feeBps: -1"), /feeBps must be at least 0/);
    assert.match(
      await backtest("walkForwardWindow: 50"),
      /walkForwardWindow applies only with walkForward ROLLING or EXPANDING/,
    );
    assert.match(
      await backtest("walkForward: ROLLING, walkForwardWindow: 1"),
      /walkForwardWindow must be a whole number of at least 2/,
    );
    assert.match(
      await backtest("walkForward: ROLLING, walkForwardWindow: 1000"),
      /walkForwardWindow 1000 leaves no bar to trade: the range has 1000 points/,
    );
    assert.match(
      await backtest("walkForward: ROLLING, refitEvery: 0"),
      /refitEvery must be a whole number >= 1/,
    );
    const kalman = await ask(
      app,
      `{ backtest(input: { pair: { ${PAIR}, method: KALMAN }, walkForward: EXPANDING }) {
         netPnl } }`,
    );
    assert.match(kalman.errors![0].message, /walkForward applies to the static methods/);
    const tooMany = Array.from({ length: 21 }, (_, index) => 1 + index / 10);
    assert.match(
      await sweep(`entries: [${tooMany}], exits: [${tooMany.map((value) => value - 1)}]`),
      /The sweep has 441 cells .* over the limit of 400 per request/,
    );
    assert.match(await sweep("entries: [], exits: [0]"), /entries needs at least one value/);
    assert.match(await sweep("entries: [2, -1], exits: [0]"), /entries\[1\] must be a positive/);
    assert.match(
      await sweep("entries: [2, 5], exits: [0]"),
      /stop \(4\) must be above entries\[1\]/,
    );
    assert.match(await sweep("entries: [2], exits: [3]"), /No combination has exit below entry/);
    assert.match(
      await sweep("entries: [2], exits: [0], zWindows: [60, 1]"),
      /zWindows\[1\] must be a whole number of at least 2/,
    );
    assert.match(
      await sweep("entries: [2], exits: [0], zWindows: [2000]"),
      /zWindow 2000 is larger than the range \(1000 points\)/,
    );
  } finally {
    await app.close();
  }
});

Deno.test("a walk-forward Theil-Sen fit estimated over the time limit is refused with the refitEvery that fits", async () => {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    maxPointsPerResponse: 10_000,
    log: () => {},
  });
  try {
    await importFile(
      "../shared/data/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz",
      app.store,
      { defaultVenue: "binance-futures" },
    );
    const pair = `base: "BTCUSDT", quote: "ETHUSDT", timeframe: S1, method: THEIL_SEN`;
    const costly = await ask(
      app,
      `{ backtest(input: { pair: { ${pair} }, walkForward: EXPANDING, walkForwardWindow: 10 }) {
         netPnl } }`,
    );
    assert.equal(costly.errors?.[0].extensions?.code, "BAD_USER_INPUT");
    const message = costly.errors![0].message;
    assert.match(message, /over the limit of 5 s: set refitEvery to (\d+) or more/);
    const refitEvery = Number(message.match(/set refitEvery to (\d+)/)![1]);
    // The suggested refitEvery is accepted, and the backtest is out of sample.
    const accepted = await ask(
      app,
      `{ backtest(input: { pair: { ${pair} }, walkForward: EXPANDING, walkForwardWindow: 10,
         refitEvery: ${refitEvery} }) { inSample trades } }`,
    );
    assert.equal(accepted.errors, undefined, JSON.stringify(accepted.errors));
    assert.equal(accepted.data!.backtest.inSample, false);
  } finally {
    await app.close();
  }
});
