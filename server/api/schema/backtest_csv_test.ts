import assert from "node:assert/strict";
import { runBacktest } from "../../analytics/backtest.ts";
import {
  BACKTEST_TRADE_COLUMNS,
  backtestEquityCsvRows,
  backtestTradesCsvRows,
} from "./backtest_csv.ts";

// The LONG trade of server/analytics/backtest_test.ts: z_1 = -2.5 enters at bar 2 (P^y 100,
// P^x 50, beta 0.5: qty_y = 100, qty_x = 0.5 * 10000 / 50 = 100), z_3 = 0 exits at bar 4 (P^y 120,
// P^x 40); no fees: pnl = 100 * 20 - 100 * (40 - 50) = 3000.
const START_US = Date.parse("2024-03-01T00:00:00Z") * 1000;
const result = runBacktest({
  timesUs: [0, 1, 2, 3, 4, 5].map((index) => START_US + index * 60_000_000),
  priceY: [100, 100, 100, 110, 120, 120],
  priceX: [50, 50, 50, 50, 40, 40],
  zscore: [0, -2.5, -1, 0, 0, 0],
  hedgeRatio: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
  transform: "LOG",
  barSeconds: 60,
  inSample: true,
}, { stop: null, feeBps: 0 });

Deno.test("the equity CSV has a header and one row per bar with UTC times", () => {
  assert.deepEqual(backtestEquityCsvRows(result), [
    ["time", "equity"],
    ["2024-03-01T00:00:00.000Z", "10000"],
    ["2024-03-01T00:01:00.000Z", "10000"],
    ["2024-03-01T00:02:00.000Z", "10000"],
    ["2024-03-01T00:03:00.000Z", "11000"],
    ["2024-03-01T00:04:00.000Z", "13000"],
    ["2024-03-01T00:05:00.000Z", "13000"],
  ]);
});

Deno.test("the trades CSV lists each trade's fills, quantities, fees, pnl and reason", () => {
  assert.deepEqual(backtestTradesCsvRows(result), [
    [
      "side",
      "entryTime",
      "exitTime",
      "bars",
      "entryPriceY",
      "entryPriceX",
      "exitPriceY",
      "exitPriceX",
      "qtyY",
      "qtyX",
      "hedgeRatio",
      "fees",
      "pnl",
      "reason",
    ],
    [
      "LONG",
      "2024-03-01T00:02:00.000Z",
      "2024-03-01T00:04:00.000Z",
      "2",
      "100",
      "50",
      "120",
      "40",
      "100",
      "100",
      "0.5",
      "0",
      "3000",
      "EXIT",
    ],
  ]);
});

Deno.test("a backtest without trades gives the header alone", () => {
  assert.deepEqual(backtestTradesCsvRows({ tradeList: [] }), [[...BACKTEST_TRADE_COLUMNS]]);
});
