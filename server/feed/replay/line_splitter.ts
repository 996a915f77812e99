/**
 * Splits a byte stream into numbered text lines with bounded memory: a line longer than
 * `maxLineBytes` is reported by number and skipped (its bytes are counted, not kept), and a line
 * that is not valid UTF-8 is reported on its own, so one bad line never costs the rest of the file.
 */

/** A line's text (without `\n`, `\r\n` or a leading byte-order mark), or why it cannot be read. */
export type SplitLine =
  | { number: number; text: string }
  | { number: number; problem: string };

export interface LineSplitter {
  /** The lines completed by `chunk`. */
  push(chunk: Uint8Array): SplitLine[];
  /** The last line when the input does not end with a newline. */
  finish(): SplitLine[];
}

export interface LineSplitterOptions {
  /** Longest accepted line in bytes, line ending excluded. Default 1 MiB. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export function createLineSplitter(options: LineSplitterOptions = {}): LineSplitter {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  // The unfinished line: pieces of earlier chunks, dropped once the line is known to be too long.
  let pieces: Uint8Array[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let lineNumber = 0;

  function complete(tail: Uint8Array): SplitLine {
    lineNumber += 1;
    const totalBytes = pendingBytes + tail.length;
    if (tooLong || totalBytes - endingLength(tail) > maxLineBytes) {
      const line = {
        number: lineNumber,
        problem: `is longer than the ${maxLineBytes}-byte line limit`,
      };
      pieces = [];
      pendingBytes = 0;
      tooLong = false;
      return line;
    }
    const bytes = pieces.length === 0 ? tail : concatenate([...pieces, tail], totalBytes);
    pieces = [];
    pendingBytes = 0;
    const content = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN
      ? bytes.subarray(0, bytes.length - 1)
      : bytes;
    if (lineNumber === 1) rejectUtf16(content);
    try {
      // The decoder skips a UTF-8 byte-order mark at the start of each decode; lines after the first
      // rarely carry one, and stripping it there too is harmless.
      return { number: lineNumber, text: decoder.decode(content) };
    } catch {
      return { number: lineNumber, problem: "is not valid UTF-8 text" };
    }
  }

  function keep(rest: Uint8Array) {
    if (rest.length === 0) return;
    if (tooLong) return;
    // `rest` may end in the "\r" of a "\r\n" split across chunks: allow that byte over the limit.
    if (pendingBytes + rest.length > maxLineBytes + 1) {
      tooLong = true;
      pieces = [];
      pendingBytes = 0;
      return;
    }
    pieces.push(rest);
    pendingBytes += rest.length;
  }

  return {
    push(chunk) {
      const lines: SplitLine[] = [];
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, start);
        if (newline === -1) break;
        lines.push(complete(chunk.subarray(start, newline)));
        start = newline + 1;
      }
      keep(chunk.subarray(start));
      return lines;
    },
    finish() {
      if (pendingBytes === 0 && !tooLong) return [];
      return [complete(new Uint8Array(0))];
    },
  };

  /** 1 when the line (ending in `tail`) ends with "\r", which the limit does not count. */
  function endingLength(tail: Uint8Array): number {
    if (tail.length > 0) return tail[tail.length - 1] === CARRIAGE_RETURN ? 1 : 0;
    const last = pieces[pieces.length - 1];
    return last !== undefined && last[last.length - 1] === CARRIAGE_RETURN ? 1 : 0;
  }
}

function concatenate(parts: Uint8Array[], totalBytes: number): Uint8Array {
  const joined = new Uint8Array(totalBytes);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** UTF-16 text splits into nonsense lines; say what it is instead of rejecting every line. */
function rejectUtf16(firstLine: Uint8Array) {
  const [first, second] = firstLine;
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff)) {
    throw new SyntaxError(
      "Cannot read the file: it is UTF-16 text; save it as UTF-8 and import it again",
    );
  }
}
