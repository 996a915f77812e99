/**
 * What reading a recorded data file yields: one record per input line, so that an import can say
 * exactly what happened to every line (stored, rejected and why, or ignored as not a trade).
 */
import type { ImportedBar, Trade } from "../../domain.ts";

export type { ImportedBar };

/** The file formats the replay reader understands (see `CONTRACT.md`, "Import formats"). */
export type ReplayFormat =
  /** NDJSON of Binance WebSocket messages, raw or combined-stream wrapped. */
  | "binance-ndjson"
  /** Binance public-data dumps of trades or aggTrades (data.binance.vision), spot or futures. */
  | "binance-csv"
  /** CSV with a header naming at least `time`, `price`, `qty` (and `symbol`, unless given otherwise). */
  | "generic-csv"
  /** Binance kline CSV: `open_time,open,high,low,close,volume[,close_time,...]`. */
  | "kline-csv";

export const REPLAY_FORMATS: readonly ReplayFormat[] = [
  "binance-ndjson",
  "binance-csv",
  "generic-csv",
  "kline-csv",
];

/** One input line's outcome. `line` is 1-based; `reason` starts with `line N: `. */
export type ReplayRecord =
  | { kind: "trade"; line: number; trade: Trade }
  | { kind: "bar"; line: number; bar: ImportedBar }
  | { kind: "reject"; line: number; reason: string }
  | { kind: "ignored"; line: number; reason: string };

/** A line that cannot be stored; `problem` names the field and shows the offending value. */
export function rejectRecord(line: number, problem: string): ReplayRecord {
  return { kind: "reject", line, reason: `line ${line}: ${problem}` };
}

/** A line that is readable but holds no trade or bar (a header, a book ticker, an empty line). */
export function ignoredRecord(line: number, why: string): ReplayRecord {
  return { kind: "ignored", line, reason: `line ${line}: ${why}` };
}

/** Parses one line of text into its record; created per file once its format is known. */
export type LineParser = (line: number, text: string) => ReplayRecord;
