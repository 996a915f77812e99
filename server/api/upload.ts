/**
 * `POST /upload?name=FILE[&venue=V][&symbol=S][&format=F][&wait=1]` with the raw file as the body:
 * the body streams straight into `importFile` (the same path and counts as `deno task import`),
 * never held whole. The answer is `202 {"jobId"}` at once (the response ends once the upload has
 * been read), to follow with the `importJob` query or the `importProgress` subscription; or with
 * `wait=1`, the report once the import is done.
 *
 * Bodies over `maxBytes` are refused with 413: before reading anything when Content-Length says so,
 * else when the limit is crossed. Then the job fails, and the answer says exactly what was stored
 * from the part read before the limit (the lines and trades read, the trades stored): those stay
 * stored, and sending the file again (split, or with a higher limit) stores only what is missing.
 * Refusing it whole instead would mean spooling up to the limit to disk before importing anything.
 */
import { GraphQLError } from "graphql";
import type { Trade } from "../domain.ts";
import { importFile, type ImportReport } from "../ingest/import_file.ts";
import { REPLAY_FORMATS, type ReplayFormat } from "../feed/replay/replay_record.ts";
import type { TradeStore } from "../store/trade_store.ts";
import { parseSymbol, parseVenue } from "./arguments.ts";
import type { ImportJob, ImportJobs } from "./import_jobs.ts";

export interface UploadOptions {
  store: TradeStore;
  jobs: ImportJobs;
  /** The venue of files whose content does not tell, when no `venue` is given. */
  defaultVenue: string;
  /** Largest accepted body, bytes. Default 2 GiB (`UPLOAD_MAX_BYTES`). */
  maxBytes?: number;
  /** Decompressed-size limit for gzip and zip uploads. Default: importFile's (16 GiB). */
  maxDecompressedBytes?: number;
}

export const DEFAULT_UPLOAD_MAX_BYTES = 2 * 1024 ** 3;

export function createUploadHandler(
  options: UploadOptions,
): (request: Request) => Promise<Response> {
  const maxBytes = options.maxBytes ?? DEFAULT_UPLOAD_MAX_BYTES;
  const tooLarge = () =>
    `The upload is larger than ${maxBytes} bytes, the limit (UPLOAD_MAX_BYTES): ` +
    "split the file or raise the limit";

  return async function handleUpload(request: Request): Promise<Response> {
    if (request.method !== "POST") {
      return Response.json({ error: "Upload a file with POST /upload?name=FILE" }, {
        status: 405,
        headers: { allow: "POST" },
      });
    }
    const url = new URL(request.url);
    let importOptions;
    try {
      importOptions = readUploadParameters(url.searchParams, options.defaultVenue);
    } catch (error) {
      if (error instanceof GraphQLError || error instanceof RangeError) {
        return Response.json({ error: error.message }, { status: 400 });
      }
      throw error;
    }
    const declared = Number(request.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes) return Response.json({ error: tooLarge() }, { status: 413 });
    if (request.body === null) {
      return Response.json({ error: "The upload has no body: send the file's bytes" }, {
        status: 400,
      });
    }

    let overLimit = false;
    let received = 0;
    let bodyRead = () => {};
    const bodyEnded = new Promise<void>((resolve) => (bodyRead = resolve));
    const limited = request.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.length;
          if (received > maxBytes) {
            overLimit = true;
            throw new RangeError(tooLarge());
          }
          controller.enqueue(chunk);
        },
        flush: () => bodyRead(),
      }),
    );
    const { job, done } = options.jobs.start(importOptions.fileName, async (onProgress) => {
      const range = storedRange();
      const report = await importFile(limited, options.store, {
        ...importOptions,
        defaultVenue: options.defaultVenue,
        maxDecompressedBytes: options.maxDecompressedBytes,
        onProgress,
        onStored: range.add,
      });
      // TimescaleDB: make the imported range visible in the bars now (a no-op elsewhere).
      const touched = range.get();
      if (touched) await options.store.refreshBars(touched);
      return report;
    });
    if (url.searchParams.get("wait") !== "1") {
      return acceptedWhileReading(job.id, Promise.race([bodyEnded, done]));
    }
    const finished = await done;
    return Response.json(uploadAnswer(finished, overLimit), {
      status: statusOf(finished, overLimit),
    });
  };
}

/**
 * `202 {"jobId"}`, sent at once, whose body ends only once the upload has been read: Deno's server
 * stops reading a request whose response has ended, and the import reads the upload at the pace
 * of the database.
 */
function acceptedWhileReading(jobId: string, uploadRead: Promise<unknown>): Response {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(new TextEncoder().encode(`${JSON.stringify({ jobId })}\n`));
      await uploadRead;
      controller.close();
    },
  });
  return new Response(body, { status: 202, headers: { "content-type": "application/json" } });
}

/** The import options a query string gives; throws with the name of the wrong parameter. */
function readUploadParameters(parameters: URLSearchParams, defaultVenue: string) {
  const fileName = parameters.get("name")?.trim() ?? "";
  if (fileName === "") {
    throw new RangeError(
      "name is required: the file's name, e.g. ?name=BTCUSDT-trades-2024-03-01.csv.gz " +
        "(its ending tells the compression and it may tell the symbol)",
    );
  }
  const format = parameters.get("format") || undefined;
  if (format !== undefined && !REPLAY_FORMATS.includes(format as ReplayFormat)) {
    throw new RangeError(`format "${format}" is not one of ${REPLAY_FORMATS.join(", ")}`);
  }
  const venue = parameters.get("venue");
  const symbol = parameters.get("symbol");
  return {
    fileName,
    format: format as ReplayFormat | undefined,
    venue: venue ? parseVenue(venue, defaultVenue) : undefined,
    symbol: symbol ? parseSymbol("symbol", symbol) : undefined,
  };
}

/** The time range of the trades an import stored. */
function storedRange() {
  let fromUs = Infinity;
  let toUs = -Infinity;
  return {
    add(trades: Trade[]) {
      for (const trade of trades) {
        fromUs = Math.min(fromUs, trade.timeUs);
        toUs = Math.max(toUs, trade.timeUs + 1);
      }
    },
    get: () => (fromUs < toUs ? { fromUs, toUs } : null),
  };
}

function uploadAnswer(
  job: ImportJob,
  overLimit: boolean,
): { jobId: string; error?: string } & Partial<ImportReport> {
  if (job.state === "DONE" && job.report) return { jobId: job.id, ...job.report };
  const storedBefore = job.stored > 0 || overLimit
    ? `; before it stopped, ${job.lines} lines were read and ${job.stored} of their ` +
      `${job.tradesRead} trades stored (kept: sending the file again stores only what is missing)`
    : "";
  return {
    jobId: job.id,
    error: `${job.error ?? "The import stopped"}${storedBefore}`,
    bytesRead: job.bytesRead,
    lines: job.lines,
    tradesRead: job.tradesRead,
    stored: job.stored,
    duplicates: job.duplicates,
    rejected: job.rejected,
    ignored: job.ignored,
    rejections: job.rejections,
  };
}

/**
 * 413 for a size limit (the body's, or a decompression limit), 400 for a file that cannot be read
 * (the reader's messages start "Cannot ...", or "line N: ..." for a header that names no known
 * layout), 500 for anything else (the database failing).
 */
function statusOf(job: ImportJob, overLimit: boolean): number {
  if (job.state === "DONE") return 200;
  const error = job.error ?? "";
  if (overLimit || /\bmax(DecompressedBytes|CompressionRatio)\b/.test(error)) return 413;
  return /^(Cannot |line \d+: )/.test(error) ? 400 : 500;
}
