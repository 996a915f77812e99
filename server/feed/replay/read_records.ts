/**
 * Reads a recorded data file (the import formats of CONTRACT.md) as a stream of records, one per
 * input line: trades, bars (kline files), rejects with the reason, and ignored lines (headers,
 * non-trade messages, empty lines). Nothing is held beyond one chunk, a few lines kept to detect
 * the format, and one line of at most `maxLineBytes`, so files of any size stream through.
 *
 * ```ts
 * for await (const record of readRecords("BTCUSDT-trades-2024-03-01.zip", { defaultVenue: "binance-futures" })) {
 *   if (record.kind === "trade") batch.push(record.trade);
 *   else if (record.kind === "reject") console.warn(record.reason); // "line 12: price is not a positive number: \"0\""
 * }
 * ```
 */
import type { Venue } from "../../domain.ts";
import { createBinanceMessageParser } from "./binance_message_rows.ts";
import { createCsvTradeParser } from "./csv_trade_rows.ts";
import { openDecompressed } from "./decompress.ts";
import {
  detectLayout,
  type KlineCsvLayout,
  type Layout,
  type SampleLine,
} from "./detect_layout.ts";
import { epochMicrosFromText } from "./epoch_time.ts";
import { csvCells } from "./csv_cells.ts";
import { type FileNameHints, hintsFromFileName } from "./file_name_hints.ts";
import { createKlineParser } from "./kline_rows.ts";
import { createLineSplitter, type SplitLine } from "./line_splitter.ts";
import {
  ignoredRecord,
  type LineParser,
  rejectRecord,
  type ReplayFormat,
  type ReplayRecord,
} from "./replay_record.ts";

export interface ReadProgress {
  /** Bytes read from the source so far (compressed bytes for a compressed file). */
  bytesRead: number;
  /** Lines read so far. */
  lines: number;
  /** The detected (or forced) format, once known. */
  format: ReplayFormat | null;
  /** True on the last call, after the whole input was read. */
  done: boolean;
}

export interface ReadRecordsOptions {
  /** The venue of files whose content does not tell (generic CSV, klines). Required. */
  defaultVenue: Venue;
  /** Overrides the venue for every record, whatever the file says. */
  venue?: Venue;
  /**
   * The symbol of files that hold none (Binance dumps, klines). A symbol column or a message's
   * `s` field wins over it. Default: read from the file name (`BTCUSDT-trades-2024-03-01.csv`).
   */
  symbol?: string;
  /** Skips format detection. Default: detected from the first non-empty lines. */
  format?: ReplayFormat;
  /** The name to read hints from and to show in messages. Default: `source` when it is a path. */
  fileName?: string;
  /** The timeframe of a kline file. Default: from the file name (`BTCUSDT-1m-...`), else `close_time - open_time`. */
  timeframe?: string;
  /** Longest accepted line in bytes; a longer one is rejected and reading goes on. Default 1 MiB. */
  maxLineBytes?: number;
  /** Decompressed-size limit for gzip and zip input. Default 16 GiB (see `decompress.ts`). */
  maxDecompressedBytes?: number;
  /** Decompressed/compressed ratio limit (past 16 MiB of output). Default 200. */
  maxCompressionRatio?: number;
  /** Called at most once per `progressIntervalMs`, and once more at the end. */
  progress?: (progress: ReadProgress) => void;
  /** Default 250 ms. */
  progressIntervalMs?: number;
  /** Stops reading (the iteration throws the signal's reason) and releases the source. */
  signal?: AbortSignal;
}

/** Lines looked at before deciding the format; a header or a single row decides in practice. */
const DETECTION_LINES = 5;
/** Empty or rejected lines among the first readable ones stop the wait for more samples here. */
const MAX_WAITING_LINES = 1000;

/**
 * The records of `source`, a file path or a byte stream (an upload), in line order. Throws a
 * `SyntaxError` when the file is no known format, a `RangeError` when it exceeds a decompression
 * limit, and an `Error` when the symbol or timeframe cannot be known (the message names the option).
 */
export async function* readRecords(
  source: string | ReadableStream<Uint8Array>,
  options: ReadRecordsOptions,
): AsyncGenerator<ReplayRecord, void, undefined> {
  const fileName = options.fileName ?? (typeof source === "string" ? source : null);
  const label = fileName ?? "the input";
  const opened = typeof source === "string" ? (await Deno.open(source)).readable : source;
  let bytesRead = 0;
  const counted = opened.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const input = await openDecompressed(counted, {
    label,
    maxDecompressedBytes: options.maxDecompressedBytes,
    maxCompressionRatio: options.maxCompressionRatio,
  });
  const reader = input.chunks.getReader();
  const splitter = createLineSplitter({ maxLineBytes: options.maxLineBytes });
  const intervalMs = options.progressIntervalMs ?? 250;
  let lastReportMs = performance.now();
  let linesRead = 0;
  let format: ReplayFormat | null = null;
  let parse: LineParser | null = null;
  // Lines read before the format is known (from the first readable one on); emptied once it is.
  const waiting: SplitLine[] = [];
  let waitingSamples = 0;

  const decide = () => {
    const sample = waiting.filter(isDetectionLine).slice(0, DETECTION_LINES);
    if (sample.length === 0) return;
    const layout = detectLayout(sample, options.format);
    format = layout.format;
    parse = parserFor(layout, sample, options, [fileName, input.entryName()], label);
  };

  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const { done, value } = await reader.read();
      const lines = done ? splitter.finish() : splitter.push(value);
      for (const line of lines) {
        linesRead = line.number;
        if (parse !== null) {
          yield recordOf(line, parse);
          continue;
        }
        // Empty or unreadable lines ahead of the first readable one need no format: out at once.
        if (waiting.length === 0 && !isDetectionLine(line)) {
          yield recordOf(line, null);
          continue;
        }
        waiting.push(line);
        if (isDetectionLine(line)) waitingSamples += 1;
        if (waitingSamples < DETECTION_LINES && waiting.length < MAX_WAITING_LINES) continue;
        decide();
        for (const held of waiting.splice(0)) yield recordOf(held, parse);
      }
      if (done) break;
      if (options.progress && performance.now() - lastReportMs >= intervalMs) {
        lastReportMs = performance.now();
        options.progress({ bytesRead, lines: linesRead, format, done: false });
      }
    }
    if (parse === null) decide();
    for (const held of waiting.splice(0)) yield recordOf(held, parse);
    options.progress?.({ bytesRead, lines: linesRead, format, done: true });
  } finally {
    // Releases the file (or the upload) when the caller stops early or reading failed.
    await reader.cancel().catch(() => {});
  }
}

function isDetectionLine(line: SplitLine): line is SampleLine {
  return "text" in line && line.text.trim() !== "";
}

function recordOf(line: SplitLine, parse: LineParser | null): ReplayRecord {
  if ("problem" in line) return rejectRecord(line.number, line.problem);
  if (line.text.trim() === "") return ignoredRecord(line.number, "empty line");
  if (parse === null) {
    throw new Error(`line ${line.number} arrived before the file format was known`);
  }
  return parse(line.number, line.text);
}

function parserFor(
  layout: Layout,
  sample: SampleLine[],
  options: ReadRecordsOptions,
  names: (string | null)[],
  label: string,
): LineParser {
  if (layout.kind === "messages") return createBinanceMessageParser({ venue: options.venue });
  const hints = names.filter((name) => name !== null).map(hintsFromFileName);
  const fromName = (key: "symbol" | "interval") =>
    hints.map((hint: FileNameHints) => hint[key]).find((v) => v !== null) ?? null;
  const symbol = options.symbol?.trim().toUpperCase() ?? fromName("symbol");
  const unknownSymbol = () =>
    new Error(
      `Cannot tell the symbol of ${label}: it is ${layout.description}, which names no symbol inside; ` +
        "pass --symbol (the symbol option) or keep Binance's file name, e.g. BTCUSDT-trades-2024-03-01.csv",
    );
  if (layout.kind === "trades") {
    if (layout.columns.symbol === null && symbol === null) throw unknownSymbol();
    const venue = options.venue ?? layout.venue ?? options.defaultVenue;
    return createCsvTradeParser(layout, {
      venue,
      symbol: layout.columns.symbol === null ? symbol : null,
    });
  }
  if (symbol === null) throw unknownSymbol();
  const timeframe = options.timeframe ?? fromName("interval") ??
    timeframeFromCloseTime(layout, sample);
  if (timeframe === null) {
    throw new Error(
      `Cannot tell the timeframe of ${label}: neither its name (e.g. BTCUSDT-1m-2024-03-01.csv) nor a ` +
        "close_time column tells; pass the timeframe option",
    );
  }
  return createKlineParser(layout, {
    venue: options.venue ?? options.defaultVenue,
    symbol,
    timeframe,
  });
}

/**
 * Binance kline rows close one unit before the next opens (`close_time = open_time + interval - 1`
 * in the file's unit), so the interval is the difference rounded to whole seconds.
 */
function timeframeFromCloseTime(layout: KlineCsvLayout, sample: SampleLine[]): string | null {
  const { openTime, closeTime } = layout.columns;
  if (closeTime === null) return null;
  for (const line of sample) {
    if (line.text.trim() === layout.header) continue;
    const cells = csvCells(line.text);
    try {
      const spanUs = epochMicrosFromText(cells[closeTime] ?? "", "close_time") -
        epochMicrosFromText(cells[openTime] ?? "", "open_time");
      return intervalName(Math.round(spanUs / 1_000_000));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return null;
}

/** Seconds as Binance names an interval: 60 -> `1m`, 3600 -> `1h`, 604800 -> `1w`. */
function intervalName(seconds: number): string | null {
  if (seconds <= 0) return null;
  const units: [number, string][] = [[604_800, "w"], [86_400, "d"], [3_600, "h"], [60, "m"], [
    1,
    "s",
  ]];
  for (const [size, unit] of units) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return null;
}
