import assert from "node:assert/strict";
import { detectLayout, type Layout } from "./detect_layout.ts";

function layoutOf(...texts: string[]): Layout {
  return detectLayout(texts.map((text, index) => ({ number: index + 1, text })));
}

Deno.test("header-less Binance dumps are told apart by where their booleans sit", () => {
  const cases: [string, string, number, string][] = [
    [
      "5182005737,63943.90,0.003,191.8317,1721347022956,true",
      "a Binance futures trades dump",
      4,
      "binance-futures",
    ],
    [
      "4359935386,93576.00000000,0.00136000,127.26336000,1735689600010866,True,True",
      "a Binance spot trades dump",
      4,
      "binance-spot",
    ],
    [
      "52599685,49966.7,0.001,64902163,64902163,1618677448084,false",
      "a Binance futures aggTrades dump",
      5,
      "binance-futures",
    ],
    [
      "749094,2.276,21.963,1135632,1135632,1618677373912,False,True",
      "a Binance spot aggTrades dump",
      5,
      "binance-spot",
    ],
  ];
  for (const [row, description, timeColumn, venue] of cases) {
    const layout = layoutOf(row);
    assert.equal(layout.description, description);
    assert.ok(layout.kind === "trades");
    assert.equal(layout.columns.time, timeColumn);
    assert.equal(layout.venue, venue);
    assert.equal(layout.header, null);
  }
});

Deno.test("header-less klines have no booleans", () => {
  const layout = layoutOf(
    "1709251200000,61130.98,61250.00,61100.00,61150.01,834.12,1709251259999,51000000.1,12345,400.5,24480000.2,0",
  );
  assert.ok(layout.kind === "klines");
  assert.deepEqual(layout.columns, {
    openTime: 0,
    open: 1,
    high: 2,
    low: 3,
    close: 4,
    volume: 5,
    closeTime: 6,
    trades: 8,
  });
});

Deno.test("headers name the columns in any order and any spelling of case and underscores", () => {
  const generic = layoutOf("Symbol,QTY,price,time,trade_id,isBuyerMaker");
  assert.ok(generic.kind === "trades");
  assert.equal(generic.format, "generic-csv");
  assert.equal(generic.venue, null);
  assert.deepEqual(generic.columns, { time: 3, price: 2, qty: 1, id: 4, symbol: 0, buyerMaker: 5 });
  const futures = layoutOf(
    "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker",
  );
  assert.ok(futures.kind === "trades");
  assert.equal(futures.format, "binance-csv");
  assert.equal(futures.venue, "binance-futures");
  const coinMargined = layoutOf("id,price,qty,base_qty,time,is_buyer_maker");
  assert.ok(coinMargined.kind === "trades");
  assert.equal(coinMargined.venue, "binance-futures");
  const spot = layoutOf("id,price,qty,quoteQty,time,isBuyerMaker,isBestMatch");
  assert.ok(spot.kind === "trades");
  assert.equal(spot.venue, "binance-spot");
});

Deno.test("a first row that fits no layout lets a later sample line decide", () => {
  const layout = layoutOf("1,2", "5182005737,63943.90,0.003,191.8317,1721347022956,true");
  assert.equal(layout.description, "a Binance futures trades dump");
});

Deno.test("JSON lines are Binance messages unless declared otherwise", () => {
  assert.equal(layoutOf('{"e":"trade"}').kind, "messages");
  assert.throws(
    () => detectLayout([{ number: 3, text: '{"e":"trade"}' }], "generic-csv"),
    /line 3: the file holds JSON, not the generic-csv/,
  );
});
