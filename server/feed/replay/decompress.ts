/**
 * Opens a byte stream that may be gzip- or zip-compressed, told by its first bytes rather than its
 * name (uploads have no trustworthy name). Memory stays bounded: compressed input is fed to the
 * decompressor in small slices, so one slice of a zip bomb expands to at most a few MiB, and the
 * output is refused once it grows past the size or ratio limits.
 */

import { Unzip, UnzipInflate } from "fflate";

export type Compression = "none" | "gzip" | "zip";

export interface DecompressOptions {
  /** Refuse input that decompresses to more than this many bytes. Default 16 GiB. */
  maxDecompressedBytes?: number;
  /**
   * Refuse input whose decompressed size exceeds this multiple of the compressed bytes read so far,
   * once past 16 MiB of output. Default 200: the recordings in shared/data compress 7-12 fold, while a
   * deflate bomb reaches about 1000 fold.
   */
  maxCompressionRatio?: number;
  /** How messages name the input, e.g. the file name. Default "input". */
  label?: string;
}

export interface DecompressedInput {
  compression: Compression;
  /** The plain bytes. Errors are `RangeError` for the limits, `SyntaxError` for corrupt data. */
  chunks: ReadableStream<Uint8Array>;
  /** The name of the file inside a zip, known once the first chunk has been read; else null. */
  entryName(): string | null;
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 ** 3;
export const DEFAULT_MAX_COMPRESSION_RATIO = 200;
const RATIO_CHECK_AFTER_BYTES = 16 * 1024 ** 2;

/** Deflate expands at most about 1032 fold, so a slice this size yields at most ~4 MiB. */
const COMPRESSED_SLICE_BYTES = 4096;

const GZIP_MAGIC = [0x1f, 0x8b];
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];

export async function openDecompressed(
  source: ReadableStream<Uint8Array>,
  options: DecompressOptions = {},
): Promise<DecompressedInput> {
  const label = options.label ?? "input";
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const maxRatio = options.maxCompressionRatio ?? DEFAULT_MAX_COMPRESSION_RATIO;
  const reader = source.getReader();
  const head = await readAtLeast(reader, ZIP_MAGIC.length);
  const compression: Compression = startsWith(head.bytes, GZIP_MAGIC)
    ? "gzip"
    : startsWith(head.bytes, ZIP_MAGIC)
    ? "zip"
    : "none";
  if (startsWith(head.bytes, EMPTY_ZIP_MAGIC)) {
    await reader.cancel();
    throw new SyntaxError(`Cannot read ${label}: the zip archive holds no file`);
  }
  if (compression === "none") {
    return { compression, chunks: prepend(head.bytes, head.ended, reader), entryName: () => null };
  }

  let compressedBytes = 0;
  // The source's own failure (a dropped upload, a read error) passes through untouched.
  let sourceFailure: unknown = undefined;
  const sliced = new ReadableStream<Uint8Array>({
    start(controller) {
      enqueueSlices(head.bytes, controller);
      if (head.ended) controller.close();
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        enqueueSlices(value, controller);
      } catch (error) {
        sourceFailure = error;
        controller.error(error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });

  function enqueueSlices(
    bytes: Uint8Array,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ) {
    compressedBytes += bytes.length;
    for (let offset = 0; offset < bytes.length; offset += COMPRESSED_SLICE_BYTES) {
      controller.enqueue(bytes.subarray(offset, offset + COMPRESSED_SLICE_BYTES));
    }
  }

  let entry: string | null = null;
  const decompressed: ReadableStream<Uint8Array> = compression === "gzip"
    // DecompressionStream accepts any BufferSource; TypeScript will not see that as accepting Uint8Array.
    ? sliced.pipeThrough(
      new DecompressionStream("gzip") as ReadableWritablePair<Uint8Array, Uint8Array>,
    )
    : sliced.pipeThrough(createUnzipStream(label, (name) => entry = name));

  let decompressedBytes = 0;
  const limited = decompressed.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        decompressedBytes += chunk.length;
        if (decompressedBytes > maxBytes) {
          throw new RangeError(
            `Cannot read ${label}: it decompresses to more than ${maxBytes} bytes ` +
              `(maxDecompressedBytes); refusing it as a possible ${compression} bomb`,
          );
        }
        if (
          decompressedBytes > RATIO_CHECK_AFTER_BYTES &&
          decompressedBytes > compressedBytes * maxRatio
        ) {
          throw new RangeError(
            `Cannot read ${label}: ${compressedBytes} compressed bytes expand to ${decompressedBytes} ` +
              `(more than ${maxRatio} fold, maxCompressionRatio); refusing it as a possible ${compression} bomb`,
          );
        }
        controller.enqueue(chunk);
      },
    }),
  );

  const limitedReader = limited.getReader();
  const chunks = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await limitedReader.read();
        if (done) return controller.close();
        controller.enqueue(value);
      } catch (error) {
        if (
          error === sourceFailure || error instanceof RangeError || error instanceof SyntaxError
        ) {
          throw error;
        }
        const message = error instanceof Error ? error.message : String(error);
        throw new SyntaxError(
          `Cannot read ${label}: the ${compression} data is corrupt or truncated (${message})`,
          { cause: error },
        );
      }
    },
    cancel(reason) {
      return limitedReader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { compression, chunks, entryName: () => entry };
}

/**
 * fflate's streaming unzip as a stream. Binance publishes one CSV per zip; a second entry is
 * refused rather than silently appended to the first.
 */
function createUnzipStream(
  label: string,
  onEntry: (name: string) => void,
): TransformStream<Uint8Array, Uint8Array> {
  let entries = 0;
  let finished = false;
  let failure: Error | null = null;
  let output: TransformStreamDefaultController<Uint8Array> | null = null;
  const unzip = new Unzip((file) => {
    entries += 1;
    if (entries > 1) {
      failure = new SyntaxError(
        `Cannot read ${label}: the zip archive holds more than one file (second: ${file.name}); ` +
          "import its files one at a time",
      );
      return;
    }
    onEntry(file.name);
    file.ondata = (error, chunk, final) => {
      if (error) {
        failure = new SyntaxError(
          `Cannot read ${label}: the zip data is corrupt or truncated (${error.message})`,
        );
        return;
      }
      if (chunk.length > 0) output?.enqueue(chunk);
      if (final) finished = true;
    };
    file.start();
  });
  unzip.register(UnzipInflate);

  function push(
    controller: TransformStreamDefaultController<Uint8Array>,
    bytes: Uint8Array,
    final: boolean,
  ) {
    output = controller;
    try {
      unzip.push(bytes, final);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SyntaxError(
        `Cannot read ${label}: the zip data is corrupt or truncated (${message})`,
        {
          cause: error,
        },
      );
    }
    if (failure !== null) throw failure;
  }

  return new TransformStream({
    transform(chunk, controller) {
      push(controller, chunk, false);
    },
    flush(controller) {
      push(controller, new Uint8Array(0), true);
      if (entries === 0) {
        throw new SyntaxError(`Cannot read ${label}: the zip archive holds no file`);
      }
      if (!finished) throw new SyntaxError(`Cannot read ${label}: the zip archive is truncated`);
    },
  });
}

async function readAtLeast(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  count: number,
): Promise<{ bytes: Uint8Array; ended: boolean }> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < count) {
    const { done, value } = await reader.read();
    if (done) return { bytes: join(parts, total), ended: true };
    parts.push(value);
    total += value.length;
  }
  return { bytes: join(parts, total), ended: false };
}

function join(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((byte, index) => bytes[index] === byte);
}

/** `reader`'s remaining chunks, after `head`. */
function prepend(
  head: Uint8Array,
  ended: boolean,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (ended) controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
