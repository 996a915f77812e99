/**
 * Fuzzing the parsers that read what the outside world sends: the Binance WebSocket message parser,
 * the REST row parser and the recorded-file importers. Inputs are random bytes and real recorded
 * messages and lines (../shared/data) mutated at random, from a seed (FUZZ_SEED, default a fixed one;
 * FUZZ_CASES scales the count), printed with the failing input so any failure can be replayed.
 *
 * What must hold for every input: the parser throws nothing but its documented errors, every trade
 * it returns has a positive finite price and quantity, a positive whole trade time and a whole
 * non-negative id, and every input line is accounted for (a trade, a bar, a counted rejection with
 * its line number, or an ignored line), none silently dropped.
 */
import assert from "node:assert/strict";
import type { ImportedBar, Trade } from "../domain.ts";
import { parseBinanceMessage, parseBinanceRestTrade } from "./binance_messages.ts";
import { createSeededRandom, type SeededRandom } from "./seeded_random.ts";
import { readRecords } from "./replay/read_records.ts";
import type { ReplayRecord } from "./replay/replay_record.ts";
import { RECORDED_FILES, recordedMessages } from "../testing/recorded_trades.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261122);
const SCALE = Number(Deno.env.get("FUZZ_CASES") ?? 1);
const DATA = new URL("../../../shared/data/", import.meta.url);

/** Runs `body` for case `index`; a failure names the seed, the case and the input. */
function fuzzCase(index: number, input: unknown, body: () => void): void {
  try {
    body();
  } catch (error) {
    const shown = typeof input === "string" ? JSON.stringify(input.slice(0, 300)) : String(input);
    throw new Error(
      `Fuzz case ${index} failed (replay with FUZZ_SEED=${SEED}): ${
        error instanceof Error ? error.message : String(error)
      }\ninput: ${shown}`,
      { cause: error },
    );
  }
}

function pick<T>(random: SeededRandom, list: readonly T[]): T {
  return list[Math.floor(random.uniform() * list.length)];
}

const TOKENS = [
  '"',
  ",",
  "{",
  "}",
  "[",
  "]",
  ":",
  "-",
  "0",
  ".",
  "e",
  "1e309",
  "-1",
  "NaN",
  "Infinity",
  "null",
  "true",
  "\\u0000",
  "\u0000",
  "\n",
  "\r",
  "\uFEFF",
  "\uD800",
  "é",
  "9007199254740993",
  "0.000",
  " ",
];

/** A random edit of `text`: flip, delete, duplicate, insert a token, or truncate. */
function mutate(random: SeededRandom, text: string): string {
  let result = text;
  const edits = 1 + Math.floor(random.uniform() * 4);
  for (let edit = 0; edit < edits; edit++) {
    const at = Math.floor(random.uniform() * (result.length + 1));
    const choice = random.uniform();
    if (choice < 0.2) {
      const code = Math.floor(random.uniform() * 128);
      result = result.slice(0, at) + String.fromCharCode(code) + result.slice(at + 1);
    } else if (choice < 0.4) {
      result = result.slice(0, at) + result.slice(at + 1 + Math.floor(random.uniform() * 8));
    } else if (choice < 0.55) {
      const length = Math.floor(random.uniform() * 20);
      result = result.slice(0, at) + result.slice(at, at + length) + result.slice(at);
    } else if (choice < 0.9) {
      result = result.slice(0, at) + pick(random, TOKENS) + result.slice(at);
    } else {
      result = result.slice(0, at);
    }
  }
  return result;
}

/** A JSON value edit: a field of a real event replaced by a hostile value. */
function mutateField(random: SeededRandom, text: string): string {
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(text);
  } catch {
    return text;
  }
  const event =
    (typeof message.data === "object" && message.data !== null ? message.data : message) as Record<
      string,
      unknown
    >;
  const key = pick(random, [...Object.keys(event), "p", "q", "T", "a", "t", "s", "m", "X"]);
  event[key] = pick(random, [
    "0",
    "-1",
    "1e5",
    " 1",
    "",
    "NaN",
    0,
    -1,
    1.5,
    2 ** 60,
    Number.MAX_SAFE_INTEGER,
    null,
    true,
    [],
    {},
    "BTCUSDT",
    "0.00000000",
    "00001.5",
    "1.",
    ".5",
  ]);
  return JSON.stringify(message);
}

function randomBytes(random: SeededRandom, maxLength: number): Uint8Array {
  const bytes = new Uint8Array(Math.floor(random.uniform() * maxLength));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random.uniform() * 256);
  return bytes;
}

/** A trade as the product may store it. */
function assertStorableTrade(trade: Trade): void {
  for (const [name, value] of [["price", trade.price], ["qty", trade.qty]] as const) {
    assert.equal(typeof value, "string", `${name} is a decimal string`);
    const number = Number(value);
    assert.ok(Number.isFinite(number) && number > 0, `${name} ${value} is positive and finite`);
  }
  assert.ok(Number.isSafeInteger(trade.timeUs) && trade.timeUs > 0, `time ${trade.timeUs}`);
  assert.ok(Number.isFinite(new Date(trade.timeUs / 1000).getTime()), "time is a date");
  assert.ok(Number.isSafeInteger(trade.tradeId) && trade.tradeId >= 0, `id ${trade.tradeId}`);
  assert.ok(typeof trade.symbol === "string" && trade.symbol.length > 0, "a symbol");
}

function assertStorableBar(bar: ImportedBar): void {
  for (const name of ["open", "high", "low", "close"] as const) {
    const number = Number(bar[name]);
    assert.ok(Number.isFinite(number) && number > 0, `${name} ${bar[name]} is positive and finite`);
  }
  const volume = Number(bar.volume);
  assert.ok(Number.isFinite(volume) && volume >= 0, `volume ${bar.volume}`);
  assert.ok(Number.isSafeInteger(bar.timeUs) && bar.timeUs > 0, `time ${bar.timeUs}`);
}

const realMessages = [
  ...(await recordedMessages(RECORDED_FILES.futures0808)).slice(0, 400),
  ...(await recordedMessages(RECORDED_FILES.spot)).slice(0, 400),
  ...(await Deno.readTextFile(new URL("edge-cases/real_message_samples.jsonl", DATA)))
    .split("\n").filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line).raw).filter((raw) => typeof raw === "string"),
];

Deno.test(`the WebSocket message parser on ${3_000 * SCALE} random and mutated messages (FUZZ_SEED=${SEED})`, () => {
  const random = createSeededRandom(SEED);
  const decoder = new TextDecoder();
  const counts = { trade: 0, rejected: 0, ignored: 0, serverShutdown: 0 };
  const cases = 3_000 * SCALE;
  for (let index = 0; index < cases; index++) {
    const kind = random.uniform();
    const input = kind < 0.2
      ? decoder.decode(randomBytes(random, 200))
      : kind < 0.6
      ? mutate(random, pick(random, realMessages))
      : mutateField(random, pick(random, realMessages));
    fuzzCase(index, input, () => {
      const parsed = parseBinanceMessage(input, { venue: "binance-futures", receivedAtUs: 1 });
      counts[parsed.kind]++;
      if (parsed.kind === "trade") assertStorableTrade(parsed.trade);
      if (parsed.kind === "rejected" || parsed.kind === "ignored") {
        assert.ok(parsed.reason.length > 0, "a rejection says why");
      }
    });
  }
  const accounted = counts.trade + counts.rejected + counts.ignored + counts.serverShutdown;
  assert.equal(accounted, cases, "every message has an outcome");
  // The mix exercises every outcome, or the fuzzing proves little.
  assert.ok(
    counts.trade > 100 && counts.rejected > 100 && counts.ignored > 100,
    JSON.stringify(counts),
  );
});

Deno.test(`the REST row parser on ${1_000 * SCALE} mutated rows: a trade, a rejection, or a TypeError (FUZZ_SEED=${SEED})`, () => {
  const random = createSeededRandom(SEED + 1);
  const rows = [
    '{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true}',
    '{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","time":1499865549590,"isBuyerMaker":true,"isBestMatch":true}',
  ];
  const outcomes = { trade: 0, rejected: 0, typeError: 0 };
  for (let index = 0; index < 1_000 * SCALE; index++) {
    const aggregate = random.uniform() < 0.5;
    const text = mutateField(random, rows[aggregate ? 0 : 1]);
    let row: unknown;
    try {
      row = JSON.parse(random.uniform() < 0.3 ? mutate(random, text) : text);
    } catch {
      row = text;
    }
    fuzzCase(index, JSON.stringify(row), () => {
      let parsed: ReturnType<typeof parseBinanceRestTrade>;
      try {
        parsed = parseBinanceRestTrade(row, {
          venue: "binance-futures",
          receivedAtUs: 1,
          symbol: "BTCUSDT",
          stream: aggregate ? "aggTrade" : "trade",
        });
      } catch (error) {
        assert.ok(error instanceof TypeError, `only a TypeError is thrown, got ${error}`);
        assert.match(error.message, /^Cannot parse REST/);
        outcomes.typeError++;
        return;
      }
      outcomes[parsed.kind]++;
      if (parsed.kind === "trade") assertStorableTrade(parsed.trade);
    });
  }
  assert.ok(
    outcomes.trade > 50 && outcomes.rejected > 50 && outcomes.typeError > 50,
    JSON.stringify(outcomes),
  );
});

/** Real lines of each import format, to mutate. */
async function realFiles(): Promise<{ name: string; lines: string[] }[]> {
  const gunzipLines = async (path: URL, count: number) => {
    const file = await Deno.open(path);
    const text = await new Response(file.readable.pipeThrough(new DecompressionStream("gzip")))
      .text();
    return text.split("\n").slice(0, count);
  };
  return [
    {
      name: "session.ndjson",
      lines: (await recordedMessages(RECORDED_FILES.futures0718)).slice(0, 30),
    },
    {
      name: "BTCUSDT-trades-2025-01-01.csv",
      lines: (await Deno.readTextFile(
        new URL("edge-cases/origo_BTCUSDT-trades-2025-01-01_spot_first12rows.csv", DATA),
      )).split("\n"),
    },
    {
      name: "ticks.csv",
      lines: await gunzipLines(
        new URL("usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz", DATA),
        30,
      ),
    },
    {
      name: "BTCUSDT-1m-2018-06-18.csv",
      lines: (await Deno.readTextFile(
        new URL("spot-klines-1m-2018-06-18/BTCUSDT-1m-octobot-20180618.csv", DATA),
      )).split("\n").slice(0, 30),
    },
  ];
}

/** Lines as the importer counts them: split at \n, a final empty piece after a last \n is no line. */
function lineCount(bytes: Uint8Array): number {
  let lines = 0;
  for (const byte of bytes) if (byte === 0x0a) lines++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? lines + 1 : lines;
}

Deno.test(`the importers on ${400 * SCALE} random and mutated files: every line accounted for, only documented errors (FUZZ_SEED=${SEED})`, async () => {
  const random = createSeededRandom(SEED + 2);
  const files = await realFiles();
  const encoder = new TextEncoder();
  const outcomes = { trade: 0, bar: 0, reject: 0, ignored: 0, refusedFile: 0 };
  for (let index = 0; index < 400 * SCALE; index++) {
    const file = pick(random, files);
    let bytes: Uint8Array;
    if (random.uniform() < 0.15) {
      bytes = randomBytes(random, 2_000);
    } else {
      const lines = file.lines.map((line) => random.uniform() < 0.3 ? mutate(random, line) : line);
      bytes = encoder.encode(lines.join(random.uniform() < 0.1 ? "\r\n" : "\n"));
    }
    const records: ReplayRecord[] = [];
    let refused: unknown = null;
    try {
      for await (
        const record of readRecords(ReadableStream.from([bytes]), {
          defaultVenue: "binance-futures",
          fileName: file.name,
          maxLineBytes: 4_096,
        })
      ) records.push(record);
    } catch (error) {
      refused = error;
    }
    fuzzCase(index, new TextDecoder().decode(bytes.slice(0, 300)), () => {
      if (refused !== null) {
        // The whole file refused: no known format, or its symbol or timeframe cannot be known.
        assert.ok(refused instanceof Error, `an Error, got ${refused}`);
        assert.ok(
          refused instanceof SyntaxError ||
            /^Cannot tell the (symbol|timeframe)/.test(refused.message),
          `a documented refusal, got ${refused.constructor.name}: ${refused.message}`,
        );
        outcomes.refusedFile++;
        return;
      }
      assert.deepEqual(
        records.map((record) => record.line),
        Array.from({ length: lineCount(bytes) }, (_, i) => i + 1),
        "one record per line, in order",
      );
      for (const record of records) {
        outcomes[record.kind]++;
        if (record.kind === "trade") assertStorableTrade(record.trade);
        if (record.kind === "bar") assertStorableBar(record.bar);
        if (record.kind === "reject" || record.kind === "ignored") {
          assert.ok(record.reason.startsWith(`line ${record.line}: `), record.reason);
        }
      }
    });
  }
  assert.ok(
    outcomes.trade > 100 && outcomes.bar > 100 && outcomes.reject > 100 && outcomes.refusedFile > 5,
    JSON.stringify(outcomes),
  );
});
