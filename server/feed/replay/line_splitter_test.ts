import assert from "node:assert/strict";
import { createLineSplitter, type SplitLine } from "./line_splitter.ts";

function split(bytes: Uint8Array, chunkBytes: number, maxLineBytes?: number): SplitLine[] {
  const splitter = createLineSplitter({ maxLineBytes });
  const lines: SplitLine[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    lines.push(...splitter.push(bytes.subarray(offset, offset + chunkBytes)));
  }
  return [...lines, ...splitter.finish()];
}

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("lines come out whole and numbered however the chunks fall", () => {
  const text = "\uFEFFfirst\r\nsecond ü\n\nlast without newline";
  for (const chunkBytes of [1, 2, 3, 7, 1000]) {
    assert.deepEqual(split(encode(text), chunkBytes), [
      { number: 1, text: "first" },
      { number: 2, text: "second ü" },
      { number: 3, text: "" },
      { number: 4, text: "last without newline" },
    ], `chunks of ${chunkBytes}`);
  }
});

Deno.test("a final newline adds no line, and an empty input has none", () => {
  assert.deepEqual(split(encode("a\n"), 1), [{ number: 1, text: "a" }]);
  assert.deepEqual(split(encode(""), 1), []);
});

Deno.test("a line at the limit passes, one byte more is reported and skipped", () => {
  for (const chunkBytes of [1, 4, 100]) {
    assert.deepEqual(split(encode("12345\r\n123456\n1234567\nok"), chunkBytes, 6), [
      { number: 1, text: "12345" },
      { number: 2, text: "123456" },
      { number: 3, problem: "is longer than the 6-byte line limit" },
      { number: 4, text: "ok" },
    ], `chunks of ${chunkBytes}`);
  }
});

Deno.test("an unterminated overlong last line is still reported", () => {
  assert.deepEqual(split(encode("ok\n1234567"), 3, 6), [
    { number: 1, text: "ok" },
    { number: 2, problem: "is longer than the 6-byte line limit" },
  ]);
});

Deno.test("invalid UTF-8 is reported for its line only", () => {
  const bytes = new Uint8Array([...encode("a\n"), 0xc3, 0x28, 0x0a, ...encode("b")]);
  assert.deepEqual(split(bytes, 2), [
    { number: 1, text: "a" },
    { number: 2, problem: "is not valid UTF-8 text" },
    { number: 3, text: "b" },
  ]);
});

Deno.test("UTF-16 text is refused as a whole with what to do", () => {
  const utf16 = new Uint8Array([0xff, 0xfe, 0x61, 0x00, 0x0a, 0x00]);
  assert.throws(() => split(utf16, 100), SyntaxError, "save it as UTF-8");
});
