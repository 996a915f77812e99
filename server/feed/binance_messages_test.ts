import assert from "node:assert/strict";
import { parseBinanceMessage, parseBinanceRestTrade } from "./binance_messages.ts";
import { readNdjsonLines } from "../testing/binance_standin.ts";

const context = { venue: "binance-futures", receivedAtUs: 1_700_000_000_000_000 };

Deno.test("every trade and aggTrade sample from real Binance streams parses; book, depth and kline messages are ignored", async () => {
  const text = await Deno.readTextFile("../shared/data/edge-cases/real_message_samples.jsonl");
  const samples = text.trim().split("\n").map((line) =>
    JSON.parse(line) as { kind: string; raw: string }
  );
  assert.equal(samples.length, 24);
  const kinds = { trade: 0, ignored: 0, rejected: 0 };
  for (const sample of samples) {
    const parsed = parseBinanceMessage(sample.raw, context);
    const expected = /:(trade|aggTrade)$/.test(sample.kind)
      ? "trade"
      // The sample file cuts REST depth snapshots at 4,000 characters: truncated JSON must be refused.
      : sample.kind.endsWith("rest_depth_snapshot")
      ? "rejected"
      : "ignored";
    assert.equal(parsed.kind, expected, `${sample.kind}: ${JSON.stringify(parsed).slice(0, 200)}`);
    kinds[expected]++;
  }
  assert.deepEqual(kinds, { trade: 6, ignored: 15, rejected: 3 });
});

Deno.test("a futures aggTrade keeps Binance's decimal strings, its id and both exchange and receipt time", () => {
  const raw =
    '{"stream":"yfiusdt@aggTrade","data":{"e":"aggTrade","E":1618677448238,"a":52599685,"s":"YFIUSDT","p":"49966.7","q":"0.001","f":64902163,"l":64902163,"T":1618677448084,"m":false}}';
  assert.deepEqual(parseBinanceMessage(raw, context), {
    kind: "trade",
    trade: {
      venue: "binance-futures",
      symbol: "YFIUSDT",
      tradeId: 52599685,
      price: "49966.7",
      qty: "0.001",
      timeUs: 1618677448084000,
      receivedAtUs: context.receivedAtUs,
      buyerMaker: false,
    },
  });
});

Deno.test("a raw (unwrapped) spot trade message parses the same as a wrapped one", () => {
  const data =
    '{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}';
  const raw = parseBinanceMessage(data, context);
  const wrapped = parseBinanceMessage(`{"stream":"btcusdt@trade","data":${data}}`, context);
  assert.deepEqual(raw, wrapped);
  assert.equal(raw.kind === "trade" && raw.trade.price, "61837.63000000");
});

Deno.test("every message of the recorded WebSocket sessions parses: trades counted, the rest ignored, none rejected", async () => {
  const expected: Record<string, number> = {
    "spot-btcusdt-ethusdt-2024-08-08.ndjson.gz": 34_419,
    "usdm-btcusdt-ethusdt-2024-07-18.ndjson.gz": 24_356,
    "usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz": 35_389,
  };
  for (const [file, tradeCount] of Object.entries(expected)) {
    const counts = { trade: 0, ignored: 0, rejected: 0, serverShutdown: 0 };
    for (const line of await readNdjsonLines(`../shared/data/binance-ws/${file}`)) {
      counts[parseBinanceMessage(line, context).kind]++;
    }
    assert.equal(counts.trade, tradeCount, file);
    assert.equal(counts.rejected, 0, file);
    assert.ok(counts.ignored > 0, file);
  }
});

Deno.test("zero, negative and non-numeric prices or quantities are rejected with the field named", () => {
  const event = (p: unknown, q: unknown) =>
    JSON.stringify({
      e: "aggTrade",
      E: 1,
      a: 7,
      s: "BTCUSDT",
      p,
      q,
      f: 1,
      l: 1,
      T: 1700000000000,
      m: true,
    });
  const cases: [unknown, unknown, RegExp][] = [
    ["0.00", "1", /"p" \(price\) is zero/],
    ["-5.0", "1", /"p" \(price\) is not a decimal number/],
    ["NaN", "1", /"p" \(price\) is not a decimal number/],
    [61000.5, "1", /"p" \(price\) is not a decimal string/],
    ["61000.5", "0", /"q" \(quantity\) is zero/],
    ["61000.5", undefined, /"q" \(quantity\) is missing/],
  ];
  for (const [p, q, reason] of cases) {
    const parsed = parseBinanceMessage(event(p, q), context);
    assert.equal(parsed.kind, "rejected");
    assert.match(parsed.kind === "rejected" ? parsed.reason : "", reason);
    assert.equal(
      parsed.kind === "rejected" && parsed.tradeId,
      7,
      "the id is kept so the sequence can move on",
    );
    assert.equal(parsed.kind === "rejected" && parsed.symbol, "BTCUSDT");
  }
});

Deno.test('a futures "X":"NA" record is rejected as no trade but keeps its id and symbol', () => {
  const raw =
    '{"stream":"btcusdt@trade","data":{"e":"trade","E":1765903440000,"T":1765903440000,"s":"BTCUSDT","t":6800000001,"p":"0","q":"0","X":"NA","m":false}}';
  const parsed = parseBinanceMessage(raw, context);
  assert.equal(parsed.kind, "rejected");
  assert.match(parsed.kind === "rejected" ? parsed.reason : "", /"X":"NA"/);
  assert.equal(parsed.kind === "rejected" && parsed.tradeId, 6800000001);
  assert.equal(parsed.kind === "rejected" && parsed.symbol, "BTCUSDT");
});

Deno.test("broken JSON, missing ids, times or symbols are rejected; control answers and unknown events are ignored", () => {
  const rejected = [
    ['{"stream":"btcusdt@aggTrade","data":{"e":"aggTr', /not JSON/],
    ["[1,2]", /not a JSON object/],
    [
      '{"e":"aggTrade","s":"BTCUSDT","p":"1","q":"1","T":1700000000000,"m":true}',
      /"a" \(trade id\) is missing/,
    ],
    ['{"e":"aggTrade","s":"BTCUSDT","a":-1,"p":"1","q":"1","T":1700000000000}', /"a" \(trade id\)/],
    [
      '{"e":"aggTrade","a":1,"p":"1","q":"1","T":1700000000000,"m":true}',
      /"s" \(symbol\) is missing/,
    ],
    ['{"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"1","m":true}', /"T" \(trade time\)/],
    [
      '{"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"1","T":1700000000000,"m":"yes"}',
      /"m" \(buyer is maker\)/,
    ],
  ] as const;
  for (const [raw, reason] of rejected) {
    const parsed = parseBinanceMessage(raw, context);
    assert.equal(parsed.kind, "rejected", raw);
    assert.match(parsed.kind === "rejected" ? parsed.reason : "", reason);
  }
  assert.equal(parseBinanceMessage('{"result":null,"id":1}', context).kind, "ignored");
  assert.equal(
    parseBinanceMessage('{"result":["btcusdt@aggTrade"],"id":3}', context).kind,
    "ignored",
  );
  assert.equal(
    parseBinanceMessage('{"e":"serverShutdown","E":1730000000000}', context).kind,
    "serverShutdown",
  );
  assert.deepEqual(parseBinanceMessage('{"e":"markPriceUpdate","s":"BTCUSDT"}', context), {
    kind: "ignored",
    reason: "markPriceUpdate is not a trade event",
  });
});

Deno.test("REST aggTrades and historicalTrades rows become trades of the requested symbol", () => {
  const aggRow = {
    a: 26129,
    p: "0.01633102",
    q: "4.70443515",
    f: 27781,
    l: 27781,
    T: 1498793709153,
    m: true,
    M: true,
  };
  const agg = parseBinanceRestTrade(aggRow, { ...context, symbol: "ETHBTC", stream: "aggTrade" });
  assert.equal(agg.kind, "trade");
  assert.equal(agg.kind === "trade" && agg.trade.timeUs, 1498793709153000);
  assert.equal(agg.kind === "trade" && agg.trade.symbol, "ETHBTC");
  const tradeRow = {
    id: 28457,
    price: "4.00000100",
    qty: "12.00000000",
    quoteQty: "48.000012",
    time: 1499865549590,
    isBuyerMaker: true,
    isBestMatch: true,
  };
  const single = parseBinanceRestTrade(tradeRow, { ...context, symbol: "BNBBTC", stream: "trade" });
  assert.deepEqual(single.kind === "trade" && single.trade, {
    venue: "binance-futures",
    symbol: "BNBBTC",
    tradeId: 28457,
    price: "4.00000100",
    qty: "12.00000000",
    timeUs: 1499865549590000,
    receivedAtUs: context.receivedAtUs,
    buyerMaker: true,
  });
  const zero = parseBinanceRestTrade({ ...tradeRow, price: "0" }, {
    ...context,
    symbol: "BNBBTC",
    stream: "trade",
  });
  assert.equal(zero.kind, "rejected");
  assert.equal(zero.tradeId, 28457);
  assert.throws(
    () => parseBinanceRestTrade({ p: "1" }, { ...context, symbol: "BNBBTC", stream: "aggTrade" }),
    /Cannot parse REST aggTrade row for BNBBTC: trade without id of BNBBTC: "a" \(trade id\) is missing/,
  );
});
