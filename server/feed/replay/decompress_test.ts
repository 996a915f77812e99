import assert from "node:assert/strict";
import { zipSync } from "fflate";
import { openDecompressed } from "./decompress.ts";

function streamOf(bytes: Uint8Array, chunkBytes: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

const CONTENT = new TextEncoder().encode("time,symbol,price,qty\n".repeat(1000));

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("plain, gzip and zip input are told by their first bytes, even one byte at a time", async () => {
  const inputs: [Uint8Array, string][] = [
    [CONTENT, "none"],
    [await gzip(CONTENT), "gzip"],
    [zipSync({ "BTCUSDT-trades-2024-03-01.csv": CONTENT }), "zip"],
  ];
  for (const [bytes, compression] of inputs) {
    const opened = await openDecompressed(streamOf(bytes, 1));
    assert.equal(opened.compression, compression);
    assert.equal(await text(opened.chunks), new TextDecoder().decode(CONTENT), compression);
    assert.equal(
      opened.entryName(),
      compression === "zip" ? "BTCUSDT-trades-2024-03-01.csv" : null,
    );
  }
});

Deno.test("a zip with two files, no file, or cut short is refused", async () => {
  const two = zipSync({ "a.csv": CONTENT, "b.csv": CONTENT });
  await assert.rejects(
    async () => await text((await openDecompressed(streamOf(two, 512))).chunks),
    /more than one file/,
  );
  const empty = zipSync({});
  await assert.rejects(() => openDecompressed(streamOf(empty, 512)), /holds no file/);
  const one = zipSync({ "a.csv": CONTENT });
  const cut = one.slice(0, 60);
  await assert.rejects(
    async () => await text((await openDecompressed(streamOf(cut, 512))).chunks),
    /zip data is corrupt or truncated/,
  );
});

Deno.test("the decompressed-size limit stops a zip bomb", async () => {
  const bomb = zipSync({ "a.csv": new Uint8Array(8 * 1024 * 1024) });
  const opened = await openDecompressed(streamOf(bomb, 4096), {
    maxDecompressedBytes: 1024 * 1024,
    label: "bomb.zip",
  });
  await assert.rejects(
    () => text(opened.chunks),
    (error: unknown) =>
      error instanceof RangeError &&
      /^Cannot read bomb.zip: it decompresses to more than 1048576/.test(error.message),
  );
});

Deno.test("a failing source surfaces its own error, not a corrupt-data one", async () => {
  const compressed = await gzip(CONTENT);
  let sent = false;
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(new Deno.errors.ConnectionReset("upload dropped"));
      controller.enqueue(compressed.slice(0, 20));
      sent = true;
    },
  });
  const opened = await openDecompressed(failing);
  await assert.rejects(() => text(opened.chunks), Deno.errors.ConnectionReset);
});
