import assert from "node:assert/strict";
import { createCsvTradeParser } from "./csv_trade_rows.ts";
import { detectLayout, type TradeCsvLayout } from "./detect_layout.ts";

function parserFor(firstLine: string, symbol: string | null) {
  const layout = detectLayout([{ number: 1, text: firstLine }]) as TradeCsvLayout;
  return createCsvTradeParser(layout, { venue: layout.venue ?? "imported", symbol });
}

Deno.test("a spot aggTrades dump row keeps its aggregate id and microsecond time", () => {
  const row =
    "3361316456,93576.01000000,0.00182000,4359935391,4359935391,1735689600266955,False,True";
  assert.deepEqual(parserFor(row, "BTCUSDT")(9, row), {
    kind: "trade",
    line: 9,
    trade: {
      venue: "binance-spot",
      symbol: "BTCUSDT",
      tradeId: 3361316456,
      price: "93576.01000000",
      qty: "0.00182000",
      timeUs: 1735689600266955,
      receivedAtUs: 1735689600266955,
      buyerMaker: false,
    },
  });
});

Deno.test("a repeated header is ignored and a dump row with a bad boolean rejected", () => {
  const header = "id,price,qty,quote_qty,time,is_buyer_maker";
  const parse = parserFor(header, "BTCUSDT");
  assert.deepEqual(parse(500, header), {
    kind: "ignored",
    line: 500,
    reason: "line 500: header row",
  });
  assert.deepEqual(parse(501, "1,2,3,6,1721347022956,maybe"), {
    kind: "reject",
    line: 501,
    reason: 'line 501: is_buyer_maker is not true or false: "maybe"',
  });
});

Deno.test("a generic CSV with an id column keeps the ids", () => {
  const parse = parserFor("time,symbol,price,qty,trade_id", null);
  const record = parse(2, "1709251200123,ethusdt,3400.5,2,77");
  assert.ok(record.kind === "trade");
  assert.equal(record.trade.tradeId, 77);
  assert.equal(record.trade.symbol, "ETHUSDT");
  assert.deepEqual(parse(3, "1709251200123,ETHUSDT,3400.5,2,-4"), {
    kind: "reject",
    line: 3,
    reason: 'line 3: id is not a non-negative integer below 2^53: "-4"',
  });
});
