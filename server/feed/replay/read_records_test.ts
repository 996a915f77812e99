import assert from "node:assert/strict";

import { zipSync } from "fflate";
import { readRecords, type ReadRecordsOptions } from "./read_records.ts";
import type { ReplayRecord } from "./replay_record.ts";

const DATA = "../shared/data";
const OPTIONS: ReadRecordsOptions = { defaultVenue: "imported" };

async function collect(
  source: string | ReadableStream<Uint8Array>,
  options: Partial<ReadRecordsOptions> = {},
): Promise<ReplayRecord[]> {
  const records: ReplayRecord[] = [];
  for await (const record of readRecords(source, { ...OPTIONS, ...options })) records.push(record);
  return records;
}

/** `content` as an upload would arrive: in chunks of `chunkBytes`, to cross line and magic-byte boundaries. */
function streamOf(content: string | Uint8Array, chunkBytes = 7): ReadableStream<Uint8Array> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function countKinds(records: ReplayRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) counts[record.kind] = (counts[record.kind] ?? 0) + 1;
  return counts;
}

function trades(records: ReplayRecord[]) {
  return records.flatMap((record) => record.kind === "trade" ? [record.trade] : []);
}

function reasons(records: ReplayRecord[]): string[] {
  return records.flatMap((record) =>
    record.kind === "reject" || record.kind === "ignored" ? [record.reason] : []
  );
}

/** Every input line has exactly one record, in order. */
function assertEveryLineOnce(records: ReplayRecord[], lineCount: number) {
  assert.equal(records.length, lineCount);
  records.forEach((record, index) => assert.equal(record.line, index + 1));
}

Deno.test("spot NDJSON recording yields its 34,419 trades and ignores book tickers and depth", async () => {
  const records = await collect(`${DATA}/binance-ws/spot-btcusdt-ethusdt-2024-08-08.ndjson.gz`);
  assert.deepEqual(countKinds(records), { trade: 34419, ignored: 5794 });
  assertEveryLineOnce(records, 40213);
  const all = trades(records);
  assert.ok(all.every((trade) => trade.venue === "binance-spot"));
  assert.deepEqual(new Set(all.map((trade) => trade.symbol)), new Set(["BTCUSDT", "ETHUSDT"]));
  // The first line, verbatim: {"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,
  // "p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}
  assert.deepEqual(all[0], {
    venue: "binance-spot",
    symbol: "BTCUSDT",
    tradeId: 3735683259,
    price: "61837.63000000",
    qty: "0.02000000",
    timeUs: 1723161255342000,
    receivedAtUs: 1723161255343000,
    buyerMaker: true,
  });
  const btcIds = all.filter((trade) => trade.symbol === "BTCUSDT").map((trade) => trade.tradeId);
  assert.equal(
    btcIds[btcIds.length - 1] - btcIds[0] + 1,
    btcIds.length,
    "BTCUSDT ids are contiguous",
  );
});

Deno.test("USD-M futures NDJSON recordings yield 24,356 and 35,389 trades on the futures venue", async () => {
  for (
    const [name, expected, lines] of [
      ["usdm-btcusdt-ethusdt-2024-07-18.ndjson.gz", 24356, 29055],
      ["usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz", 35389, 40717],
    ] as const
  ) {
    const records = await collect(`${DATA}/binance-ws/${name}`);
    assert.equal(countKinds(records).trade, expected, name);
    assert.equal(countKinds(records).reject, undefined, name);
    assertEveryLineOnce(records, lines);
    assert.ok(trades(records).every((trade) => trade.venue === "binance-futures"), name);
  }
});

Deno.test("the USD-M tick CSV yields 33,661 trades and rejects its 192 zero-price rows by line", async () => {
  const records = await collect(`${DATA}/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz`, {
    defaultVenue: "binance-futures",
  });
  assert.deepEqual(countKinds(records), { ignored: 1, trade: 33661, reject: 192 });
  assertEveryLineOnce(records, 33854);
  const rejects = records.filter((record) => record.kind === "reject");
  assert.ok(
    rejects.every((record) =>
      record.reason === `line ${record.line}: price is not a positive number: "0.0"`
    ),
  );
  const all = trades(records);
  // Line 2: 2025-12-16T16:44:10.614Z,BTCUSDT,87479.2,0.006 (no id column: id = timeMs * 1000 + 0).
  assert.deepEqual(all[0], {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId: 1765903450614000,
    price: "87479.2",
    qty: "0.006",
    timeUs: 1765903450614000,
    receivedAtUs: 1765903450614000,
    buyerMaker: null,
  });
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    const ids = all.filter((trade) => trade.symbol === symbol).map((trade) => trade.tradeId);
    assert.equal(new Set(ids).size, ids.length, `${symbol} derived ids are unique`);
  }
});

Deno.test("re-reading a file without ids derives the same ids", async () => {
  const path = `${DATA}/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz`;
  const first = trades(await collect(path)).map((trade) => trade.tradeId);
  const second = trades(await collect(path)).map((trade) => trade.tradeId);
  assert.deepEqual(first, second);
});

Deno.test("each 1-minute kline file yields 1,000 bars named by its file", async () => {
  for await (const entry of Deno.readDir(`${DATA}/spot-klines-1m-2018-06-18`)) {
    const symbol = entry.name.split("-")[0];
    const records = await collect(`${DATA}/spot-klines-1m-2018-06-18/${entry.name}`, {
      defaultVenue: "binance-spot",
    });
    assert.deepEqual(countKinds(records), { ignored: 1, bar: 1000 }, entry.name);
    assertEveryLineOnce(records, 1001);
    const bars = records.flatMap((record) => record.kind === "bar" ? [record.bar] : []);
    assert.ok(
      bars.every((bar) =>
        bar.symbol === symbol && bar.timeframe === "1m" && bar.venue === "binance-spot"
      ),
    );
    const firstRow =
      (await Deno.readTextFile(`${DATA}/spot-klines-1m-2018-06-18/${entry.name}`)).split("\n")[1];
    assert.equal(bars[0].timeUs, Number(firstRow.split(",")[0]) * 1000, entry.name);
    assert.ok(
      bars.every((bar) => !/e/i.test(bar.open + bar.high + bar.low + bar.close + bar.volume)),
      entry.name,
    );
  }
});

Deno.test("kline prices written with exponents are expanded exactly", async () => {
  const records = await collect(`${DATA}/spot-klines-1m-2018-06-18/XRPBTC-1m-octobot-20180618.csv`);
  // Line 2: 1529297280000,8.141e-05,8.141e-05,8.129e-05,8.132e-05,3253.0,1529297339999
  assert.deepEqual(records[1], {
    kind: "bar",
    line: 2,
    bar: {
      venue: "imported",
      symbol: "XRPBTC",
      timeframe: "1m",
      timeUs: 1529297280000000,
      open: "0.00008141",
      high: "0.00008141",
      low: "0.00008129",
      close: "0.00008132",
      volume: "3253.0",
    },
  });
});

Deno.test("the 2025 spot trades dump excerpt yields 12 trades with microsecond times", async () => {
  const records = await collect(
    `${DATA}/edge-cases/origo_BTCUSDT-trades-2025-01-01_spot_first12rows.csv`,
  );
  assertEveryLineOnce(records, 12);
  const all = trades(records);
  assert.equal(all.length, 12);
  // Line 1: 4359935386,93576.00000000,0.00136000,127.26336000,1735689600010866,True,True
  assert.deepEqual(all[0], {
    venue: "binance-spot",
    symbol: "BTCUSDT",
    tradeId: 4359935386,
    price: "93576.00000000",
    qty: "0.00136000",
    timeUs: 1735689600010866,
    receivedAtUs: 1735689600010866,
    buyerMaker: true,
  });
  assert.equal(all[5].buyerMaker, false, "line 6 says False");
});

Deno.test("real message samples: venue follows the fields, non-trades are ignored, cut JSON rejected", async () => {
  const samples = (await Deno.readTextFile(`${DATA}/edge-cases/real_message_samples.jsonl`))
    .split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
  const ndjson = samples.map((sample) => sample.raw).join("\n");
  const records = await collect(streamOf(ndjson, 1000));
  assertEveryLineOnce(records, samples.length);
  records.forEach((record, index) => {
    const kind: string = samples[index].kind;
    const isTrade = /:(trade|aggTrade)$/.test(kind);
    // The samples keep the first 4,000 characters of REST depth snapshots: no longer JSON.
    const isCut = kind.endsWith("rest_depth_snapshot");
    assert.equal(record.kind, isTrade ? "trade" : isCut ? "reject" : "ignored", kind);
    if (record.kind !== "trade") return;
    const spot = /:spot:|:BINANCE:/.test(kind);
    assert.equal(record.trade.venue, spot ? "binance-spot" : "binance-futures", kind);
  });
});

Deno.test("futures dumps with and without header, and spot aggTrades, are read by their columns", async () => {
  const futuresTrades = "id,price,qty,quote_qty,time,is_buyer_maker\n" +
    "5182005737,63943.90,0.003,191.8317,1721347022956,true\n";
  const futuresAgg = "52599685,49966.7,0.001,64902163,64902163,1618677448084,false\n";
  const spotAgg = "749094,2.27600000,21.96300000,1135632,1135632,1618677373912,False,True\n";
  const [withHeader, agg, spot] = await Promise.all([
    collect(streamOf(futuresTrades), { fileName: "BTCUSDT-trades-2024-07-18.csv" }),
    collect(streamOf(futuresAgg), { fileName: "YFIUSDT-aggTrades-2021-04-17.csv" }),
    collect(streamOf(spotAgg), { symbol: "swrvbusd" }),
  ]);
  assert.deepEqual(reasons(withHeader), ["line 1: header row"]);
  assert.deepEqual(trades(withHeader)[0], {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId: 5182005737,
    price: "63943.90",
    qty: "0.003",
    timeUs: 1721347022956000,
    receivedAtUs: 1721347022956000,
    buyerMaker: true,
  });
  assert.deepEqual(trades(agg)[0], {
    venue: "binance-futures",
    symbol: "YFIUSDT",
    tradeId: 52599685,
    price: "49966.7",
    qty: "0.001",
    timeUs: 1618677448084000,
    receivedAtUs: 1618677448084000,
    buyerMaker: false,
  });
  assert.equal(trades(spot)[0].venue, "binance-spot");
  assert.equal(trades(spot)[0].symbol, "SWRVBUSD");
});

Deno.test("a zipped Binance dump is read, its symbol taken from the name inside the zip", async () => {
  const csv = "4359935386,93576.00000000,0.00136000,127.26336000,1735689600010866,True,True\n";
  const zip = zipSync({ "BTCUSDT-trades-2025-01-01.csv": new TextEncoder().encode(csv) });
  const records = await collect(streamOf(zip, 5));
  assert.equal(trades(records)[0].symbol, "BTCUSDT");
  assert.equal(trades(records)[0].timeUs, 1735689600010866);
});

Deno.test("a dump whose symbol cannot be known asks for --symbol", async () => {
  const csv = "5182005737,63943.90,0.003,191.8317,1721347022956,true\n";
  await assert.rejects(() => collect(streamOf(csv), { fileName: "upload.csv" }), /pass --symbol/);
});

Deno.test("a generic CSV in any column order, with extra columns, ISO or epoch times", async () => {
  const csv = "note,qty,price,symbol,time,is_buyer_maker\n" +
    "a,0.5,100.25,btcusdt,2024-03-01T00:00:00.123456Z,true\n" +
    "b,1e-3,100.5,BTCUSDT,1709251200123,\n" +
    "c,2,101,BTCUSDT,1709251200123,False\n";
  const all = trades(await collect(streamOf(csv)));
  assert.deepEqual(
    all.map((trade) => [trade.symbol, trade.price, trade.qty, trade.timeUs, trade.buyerMaker]),
    [
      ["BTCUSDT", "100.25", "0.5", 1709251200123456, true],
      ["BTCUSDT", "100.5", "0.001", 1709251200123000, null],
      ["BTCUSDT", "101", "2", 1709251200123000, false],
    ],
  );
  // Three rows in millisecond 1709251200123: ordinals 0, 1, 2.
  assert.deepEqual(all.map((trade) => trade.tradeId), [
    1709251200123000,
    1709251200123001,
    1709251200123002,
  ]);
});

Deno.test("rows with wrong columns or bad values are rejected with the field named, the rest read", async () => {
  const csv = "time,symbol,price,qty\n" +
    "2024-03-01T00:00:00Z,BTCUSDT,100\n" +
    "2024-03-01T00:00:00Z,BTCUSDT,-1,1\n" +
    "2024-03-01T00:00:00Z,BTCUSDT,NaN,1\n" +
    "2024-03-01T00:00:00Z,BTCUSDT,Infinity,1\n" +
    "2024-03-01T00:00:00Z,BTCUSDT,100,\n" +
    "2024-03-01 00:00:00,BTCUSDT,100,1\n" +
    "2024-03-01T00:00:00Z,BTCUSDT,100,1\n";
  const records = await collect(streamOf(csv));
  assert.deepEqual(reasons(records), [
    "line 1: header row",
    "line 2: expected 4 columns (as in the header), found 3",
    'line 3: price is not a positive number: "-1"',
    'line 4: price is not a decimal number: "NaN"',
    'line 5: price is not a decimal number: "Infinity"',
    "line 6: qty is missing",
    'line 7: time has no UTC offset (append Z for UTC): "2024-03-01 00:00:00"',
  ]);
  assert.equal(trades(records).length, 1);
});

Deno.test("a header without the needed columns is refused, naming them", async () => {
  await assert.rejects(
    () => collect(streamOf("when,symbol,price,amount\n2024-03-01T00:00:00Z,BTCUSDT,1,1\n")),
    (error: unknown) =>
      error instanceof SyntaxError && /names no time, qty column/.test(error.message),
  );
  await assert.rejects(
    () => collect(streamOf("open_time,open,high,close,volume\n1,2,3,4,5\n"), { symbol: "BTCUSDT" }),
    (error: unknown) =>
      error instanceof SyntaxError && /kline header lacks low/.test(error.message),
  );
  await assert.rejects(
    () => collect(streamOf("1,2,3\n")),
    (error: unknown) =>
      error instanceof SyntaxError && /cannot recognise 3 columns/.test(error.message),
  );
});

Deno.test("broken UTF-8 rejects that line only", async () => {
  const before = new TextEncoder().encode(
    "time,symbol,price,qty\n2024-03-01T00:00:00Z,BTCUSDT,1,1\n",
  );
  const broken = new Uint8Array([0x32, 0x30, 0xff, 0xfe, 0x2c, 0x0a]);
  const after = new TextEncoder().encode("2024-03-01T00:00:01Z,BTCUSDT,2,1\n");
  const records = await collect(streamOf(new Uint8Array([...before, ...broken, ...after])));
  assert.deepEqual(records.map((record) => record.kind), ["ignored", "trade", "reject", "trade"]);
  assert.deepEqual(reasons(records)[1], "line 3: is not valid UTF-8 text");
});

Deno.test("a gigantic line is rejected by number and reading goes on", async () => {
  const huge = `{"e":"trade","pad":"${"x".repeat(3 * 1024 * 1024)}"}`;
  const trade =
    '{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":1721347022956,"m":true}';
  const records = await collect(streamOf(`${trade}\n${huge}\n${trade}\n`, 64 * 1024));
  assert.deepEqual(
    records.map((record) => record.kind),
    ["reject", "reject", "reject"].map((kind, index) => index === 1 ? kind : kind),
  );
  assert.equal(reasons(records)[1], "line 2: is longer than the 1048576-byte line limit");
});

Deno.test("a gzip bomb is refused with a clear error before it fills memory", async () => {
  const bomb = await gzip(new Uint8Array(64 * 1024 * 1024));
  await assert.rejects(
    () => collect(streamOf(bomb, 64 * 1024)),
    (error: unknown) => error instanceof RangeError && /possible gzip bomb/.test(error.message),
  );
  const zipBomb = zipSync({ "BTCUSDT-trades-2024-03-01.csv": new Uint8Array(4 * 1024 * 1024) });
  await assert.rejects(
    () => collect(streamOf(zipBomb, 64 * 1024), { maxDecompressedBytes: 1024 * 1024 }),
    (error: unknown) =>
      error instanceof RangeError && /more than 1048576 bytes/.test(error.message),
  );
});

Deno.test("a truncated gzip yields the lines before the cut, then a clear error", async () => {
  const lines = Array.from(
    { length: 20000 },
    (_, index) => `2024-03-01T00:00:00Z,BTCUSDT,${100 + index},1`,
  );
  const compressed = await gzip(
    new TextEncoder().encode(`time,symbol,price,qty\n${lines.join("\n")}\n`),
  );
  const records: ReplayRecord[] = [];
  await assert.rejects(
    async () => {
      const source = streamOf(compressed.slice(0, Math.floor(compressed.length / 2)), 4096);
      for await (const record of readRecords(source, OPTIONS)) records.push(record);
    },
    (error: unknown) =>
      error instanceof SyntaxError && /gzip data is corrupt or truncated/.test(error.message),
  );
  assert.ok(records.length > 1000, `read ${records.length} lines before the cut`);
});

Deno.test("an empty file yields no records", async () => {
  assert.deepEqual(await collect(streamOf("")), []);
  assert.deepEqual(await collect(streamOf(await gzip(new Uint8Array(0)))), []);
});

Deno.test("empty lines are ignored, each accounted for", async () => {
  const records = await collect(
    streamOf("\n\ntime,symbol,price,qty\n\n2024-03-01T00:00:00Z,BTCUSDT,1,1\n\n"),
  );
  assertEveryLineOnce(records, 6);
  assert.deepEqual(records.map((record) => record.kind), [
    "ignored",
    "ignored",
    "ignored",
    "ignored",
    "trade",
    "ignored",
  ]);
});

Deno.test("many empty lines around the first rows do not hold up or break detection", async () => {
  const text = "\n".repeat(5000) + "time,symbol,price,qty\n" + "\n".repeat(5000) +
    "2024-03-01T00:00:00Z,BTCUSDT,1,1\n";
  const records = await collect(streamOf(text, 4096));
  assertEveryLineOnce(records, 10002);
  assert.deepEqual(countKinds(records), { ignored: 10001, trade: 1 });
});

Deno.test("CRLF line endings and a byte-order mark are read as plain lines", async () => {
  const text =
    "\uFEFFopen_time,open,high,low,close,volume\r\n1529297280000,6412.5,6414.4,6410.55,6412.46,15.085915\r\n";
  const records = await collect(streamOf(text, 3), { symbol: "BTCUSDT", timeframe: "1m" });
  assert.deepEqual(records.map((record) => record.kind), ["ignored", "bar"]);
  const bar = records[1].kind === "bar" ? records[1].bar : null;
  assert.equal(bar?.volume, "15.085915");
});

Deno.test("a header-less Binance kline file gets its timeframe from close_time", async () => {
  const csv =
    "1709251200000,61130.98,61250.00,61100.00,61150.01,834.12,1709254799999,51000000.1,12345,400.5,24480000.2,0\n";
  const records = await collect(streamOf(csv), { symbol: "BTCUSDT" });
  assert.equal(records[0].kind === "bar" ? records[0].bar.timeframe : null, "1h");
  await assert.rejects(() => collect(streamOf(csv), { fileName: "klines.csv" }), /pass --symbol/);
});

Deno.test("a trade CSV without a symbol column takes --symbol", async () => {
  const records = await collect(streamOf("time,price,qty\n2024-03-01T00:00:00Z,1,1\n"), {
    symbol: "ethusdt",
  });
  assert.equal(trades(records)[0].symbol, "ETHUSDT");
  await assert.rejects(
    () => collect(streamOf("time,price,qty\n2024-03-01T00:00:00Z,1,1\n")),
    /pass --symbol/,
  );
});

Deno.test("a forced format that does not fit the file is refused", async () => {
  await assert.rejects(
    () => collect(streamOf("time,symbol,price,qty\n"), { format: "kline-csv" }),
    /looks like a trade CSV with a header, not the kline-csv/,
  );
});

Deno.test("progress reports the bytes read and lines, with a final call", async () => {
  const path = `${DATA}/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz`;
  const reports: { bytesRead: number; lines: number; done: boolean }[] = [];
  await collect(path, { progress: (progress) => reports.push(progress), progressIntervalMs: 0 });
  const last = reports[reports.length - 1];
  assert.deepEqual(last, {
    bytesRead: (await Deno.stat(path)).size,
    lines: 33854,
    format: "generic-csv",
    done: true,
  });
  assert.ok(reports.length > 1);
});

Deno.test("an aborted read stops with the signal's reason", async () => {
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(async () => {
    const path = `${DATA}/binance-ws/spot-btcusdt-ethusdt-2024-08-08.ndjson.gz`;
    for await (const _ of readRecords(path, { ...OPTIONS, signal: controller.signal })) {
      seen += 1;
      if (seen === 10) controller.abort(new Error("stopped by the user"));
    }
  }, /stopped by the user/);
  assert.ok(seen < 40213);
});
