import assert from "node:assert/strict";
import { detectLayout, type KlineCsvLayout } from "./detect_layout.ts";
import { createKlineParser } from "./kline_rows.ts";

const BINANCE_ROW =
  "1709251200000,61130.98,61250.00,61100.00,61150.01,834.12,1709251259999,51000000.1,12345,400.5,24480000.2,0";
const layout = detectLayout([{ number: 1, text: BINANCE_ROW }]) as KlineCsvLayout;
const parse = createKlineParser(layout, {
  venue: "binance-spot",
  symbol: "BTCUSDT",
  timeframe: "1m",
});

Deno.test("a Binance kline row becomes a bar with its trade count", () => {
  assert.deepEqual(parse(1, BINANCE_ROW), {
    kind: "bar",
    line: 1,
    bar: {
      venue: "binance-spot",
      symbol: "BTCUSDT",
      timeframe: "1m",
      timeUs: 1709251200000000,
      open: "61130.98",
      high: "61250.00",
      low: "61100.00",
      close: "61150.01",
      volume: "834.12",
      trades: 12345,
    },
  });
});

Deno.test("a bar whose high is below its open, or with a zero price, is rejected", () => {
  const highBelow = BINANCE_ROW.replace("61250.00", "61000.00");
  assert.deepEqual(parse(4, highBelow), {
    kind: "reject",
    line: 4,
    reason: "line 4: high 61000.00 is below open, low or close",
  });
  const zeroOpen = BINANCE_ROW.replace("61130.98", "0");
  assert.deepEqual(parse(5, zeroOpen), {
    kind: "reject",
    line: 5,
    reason: 'line 5: open is not a positive number: "0"',
  });
  assert.deepEqual(parse(6, "1709251200000,1,1,1,1"), {
    kind: "reject",
    line: 6,
    reason: "line 6: expected 12 columns, found 5",
  });
});

Deno.test("a minute without trades, volume 0, is a bar", () => {
  const quiet = "1709251200000,5,5,5,5,0,1709251259999,0,0,0,0,0";
  const record = parse(2, quiet);
  assert.ok(record.kind === "bar");
  assert.equal(record.bar.volume, "0");
  assert.equal(record.bar.trades, 0);
});
