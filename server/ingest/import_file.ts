/**
 * Loads a recorded data file through the same ingest path as the live feed (the bounded queue, bulk
 * writes, dedupe on (venue, symbol, trade id), bars folded per batch) and reports what happened to
 * every line: read, stored, duplicates, rejected (with line numbers and reasons) and ignored.
 */
import type { Trade } from "../domain.ts";
import { type ReadProgress, readRecords } from "../feed/replay/read_records.ts";
import type { ImportedBar, ReplayFormat } from "../feed/replay/replay_record.ts";
import type { TradeStore } from "../store/trade_store.ts";
import { createIngestQueue } from "./ingest_queue.ts";

export interface ImportOptions {
  /** The venue of files whose content does not tell (generic CSV, klines). */
  defaultVenue: string;
  venue?: string;
  symbol?: string;
  format?: ReplayFormat;
  /** Name shown in messages and read for hints (symbol, timeframe) when `source` is a stream. */
  fileName?: string;
  /** Called a few times a second with the counts so far. */
  onProgress?: (progress: ImportProgress) => void;
  /** Called with trades stored for the first time (for live subscribers). */
  onStored?: (trades: Trade[]) => void;
  /** Rejections kept in the report (all are counted). Default 1,000. */
  maxRejectionsListed?: number;
  /** Decompressed-size limit, bytes. */
  maxDecompressedBytes?: number;
  maxLineBytes?: number;
  signal?: AbortSignal;
}

export interface ImportProgress {
  bytesRead: number;
  lines: number;
  tradesRead: number;
  stored: number;
  rejected: number;
}

export interface ImportReport {
  file: string;
  format: ReplayFormat | null;
  lines: number;
  bytesRead: number;
  /** Trades read from the file (valid rows). */
  tradesRead: number;
  /** Trades stored for the first time. */
  stored: number;
  /** Trades already stored before (a re-import, an overlap with the live feed). */
  duplicates: number;
  barsRead: number;
  barsStored: number;
  barDuplicates: number;
  rejected: number;
  ignored: number;
  /** The first rejections, each "line N: what is wrong". */
  rejections: string[];
  seconds: number;
}

const BAR_BATCH = 5_000;

/**
 * An import that stopped part way (a size limit, corrupt compressed data, the database): the
 * message is the cause's, and `report` counts what was read and stored before it stopped. Trades
 * stored stay stored (importing the file again stores only what is missing).
 */
export class ImportStoppedError extends Error {
  constructor(readonly report: ImportReport, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = cause instanceof Error ? cause.name : "Error";
  }
}

export async function importFile(
  source: string | ReadableStream<Uint8Array>,
  store: TradeStore,
  options: ImportOptions,
): Promise<ImportReport> {
  const started = performance.now();
  const maxListed = options.maxRejectionsListed ?? 1_000;
  const report: ImportReport = {
    file: options.fileName ?? (typeof source === "string" ? source : "upload"),
    format: null,
    lines: 0,
    bytesRead: 0,
    tradesRead: 0,
    stored: 0,
    duplicates: 0,
    barsRead: 0,
    barsStored: 0,
    barDuplicates: 0,
    rejected: 0,
    ignored: 0,
    rejections: [],
    seconds: 0,
  };
  const queue = createIngestQueue((batch) => store.insertTrades(batch), {
    onStored: (stored) => {
      report.stored += stored.length;
      options.onStored?.(stored);
    },
  });
  const progress = (read: ReadProgress) => {
    report.bytesRead = read.bytesRead;
    report.lines = read.lines;
    report.format = read.format;
    options.onProgress?.({
      bytesRead: read.bytesRead,
      lines: read.lines,
      tradesRead: report.tradesRead,
      stored: report.stored,
      rejected: report.rejected,
    });
  };
  let pendingTrades: Trade[] = [];
  let pendingBars: ImportedBar[] = [];
  const flushBars = async () => {
    if (pendingBars.length === 0) return;
    const stored = await store.insertImportedBars(pendingBars);
    report.barsStored += stored;
    report.barDuplicates += pendingBars.length - stored;
    pendingBars = [];
  };
  try {
    for await (
      const record of readRecords(source, {
        defaultVenue: options.defaultVenue,
        venue: options.venue,
        symbol: options.symbol,
        format: options.format,
        fileName: options.fileName,
        maxDecompressedBytes: options.maxDecompressedBytes,
        maxLineBytes: options.maxLineBytes,
        progress,
        signal: options.signal,
      })
    ) {
      switch (record.kind) {
        case "trade":
          report.tradesRead += 1;
          pendingTrades.push(record.trade);
          if (pendingTrades.length >= 1_000) {
            if (!queue.push(pendingTrades)) await queue.ready();
            pendingTrades = [];
          }
          break;
        case "bar":
          report.barsRead += 1;
          pendingBars.push(record.bar);
          if (pendingBars.length >= BAR_BATCH) await flushBars();
          break;
        case "reject":
          report.rejected += 1;
          if (report.rejections.length < maxListed) report.rejections.push(record.reason);
          break;
        case "ignored":
          report.ignored += 1;
          break;
      }
    }
    queue.push(pendingTrades);
    await flushBars();
  } catch (error) {
    // Every trade read before the failure is written, so the report says exactly what is stored.
    queue.push(pendingTrades);
    await queue.close();
    await flushBars().catch(() => {});
    report.duplicates = report.tradesRead - report.stored;
    report.seconds = Math.round((performance.now() - started) / 10) / 100;
    throw new ImportStoppedError(report, error);
  }
  await queue.close();
  report.duplicates = report.tradesRead - report.stored;
  report.seconds = Math.round((performance.now() - started) / 10) / 100;
  return report;
}
