import assert from "node:assert/strict";
import { createBinanceMessageParser } from "./binance_message_rows.ts";

const parse = createBinanceMessageParser();

Deno.test("a futures trade wrapped in a combined stream becomes a futures trade received at E", () => {
  // Verbatim from usdm-btcusdt-ethusdt-2024-07-18.ndjson.gz, line 1.
  const line =
    '{"stream":"ethusdt@trade","data":{"e":"trade","E":1721347022708,"T":1721347022707,"s":"ETHUSDT","t":4217896584,"p":"3424.98","q":"0.007","X":"MARKET","m":true}}';
  assert.deepEqual(parse(1, line), {
    kind: "trade",
    line: 1,
    trade: {
      venue: "binance-futures",
      symbol: "ETHUSDT",
      tradeId: 4217896584,
      price: "3424.98",
      qty: "0.007",
      timeUs: 1721347022707000,
      receivedAtUs: 1721347022708000,
      buyerMaker: true,
    },
  });
});

Deno.test("a raw spot aggTrade takes its id from a and its venue from M", () => {
  const line =
    '{"e":"aggTrade","E":1618677373913,"s":"SWRVBUSD","a":749094,"p":"2.27600000","q":"21.96300000","f":1135632,"l":1135632,"T":1618677373912,"m":false,"M":true}';
  const record = parse(7, line);
  assert.ok(record.kind === "trade");
  assert.equal(record.trade.tradeId, 749094);
  assert.equal(record.trade.venue, "binance-spot");
  const forced = createBinanceMessageParser({ venue: "replayed" })(7, line);
  assert.ok(forced.kind === "trade");
  assert.equal(forced.trade.venue, "replayed");
});

Deno.test('futures "X":"NA" records and zero prices are rejected', () => {
  const na =
    '{"e":"trade","E":1765903450614,"T":1765903450614,"s":"BTCUSDT","t":6900000000,"p":"0","q":"0","X":"NA","m":false}';
  assert.deepEqual(parse(12, na), {
    kind: "reject",
    line: 12,
    reason: 'line 12: p (price) is not a positive number: "0"',
  });
  const naWithPrice = na.replace('"p":"0","q":"0"', '"p":"1","q":"1"');
  assert.deepEqual(parse(13, naWithPrice), {
    kind: "reject",
    line: 13,
    reason: 'line 13: X (execution type) is "NA": not a market trade',
  });
});

Deno.test("broken or incomplete messages are rejected naming the field", () => {
  const cases: [string, string][] = [
    [
      '{"e":"trade","E":1721347022708,"T":1721347022707,"s":"BTCUSDT","p":"1","q":"1"}',
      "t (trade id) is missing",
    ],
    [
      '{"e":"trade","T":17213470227,"s":"BTCUSDT","t":1,"p":"1","q":"1"}',
      "T (trade time) is not epoch",
    ],
    ['{"e":"trade","T":1721347022707,"t":1,"p":"1","q":"1"}', "s (symbol) is missing"],
    [
      '{"e":"trade","T":1721347022707,"s":"BTCUSDT","t":1,"p":"1","q":"1","m":"yes"}',
      "m (buyer is maker) is not true or false",
    ],
    ['{"e":"trade",', "is not valid JSON"],
    ["[1,2]", "is not a JSON object"],
  ];
  for (const [line, problem] of cases) {
    const record = parse(3, line);
    assert.ok(
      record.kind === "reject" && record.reason.startsWith(`line 3: ${problem}`),
      `${line}: ${JSON.stringify(record)}`,
    );
  }
});

Deno.test("microsecond trade times (spot timeUnit=MICROSECOND) are kept to the microsecond", () => {
  const record = parse(
    1,
    '{"e":"trade","E":1735689600010900,"T":1735689600010866,"s":"BTCUSDT","t":1,"p":"1","q":"1","M":true}',
  );
  assert.ok(record.kind === "trade");
  assert.equal(record.trade.timeUs, 1735689600010866);
  assert.equal(record.trade.buyerMaker, null);
});

Deno.test("non-trade messages are ignored and say what they were", () => {
  const cases: [string, string][] = [
    [
      '{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"}}',
      "a btcusdt@bookTicker message",
    ],
    ['{"e":"depthUpdate","E":1,"s":"BTCUSDT"}', "a depthUpdate event"],
    ['{"result":null,"id":1}', "an answer to a control request"],
    ['{"lastUpdateId":1,"bids":[],"asks":[]}', "a depth snapshot"],
  ];
  for (const [line, what] of cases) {
    assert.deepEqual(parse(5, line), {
      kind: "ignored",
      line: 5,
      reason: `line 5: ${what} is not a trade`,
    });
  }
});
