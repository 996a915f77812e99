/**
 * Hostile uploads through `POST /upload` and `deno task import`: broken encodings, a gigantic line,
 * wrong columns, zip and gzip bombs. Each is refused or reported line by line, reading stays within
 * its limits (the line limit, the decompression limits, the upload limit), and the trades already
 * stored are exactly as they were.
 */
import assert from "node:assert/strict";
import type { App } from "../app.ts";
import { serveApp, type ServedApp } from "../testing/served_app.ts";

const TICKS = "../shared/data/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz";
const encoder = new TextEncoder();

function startApp(uploadMaxBytes?: number): Promise<ServedApp> {
  return serveApp({ uploadMaxBytes });
}

/** `count` bytes produced chunk by chunk, never held whole; sent without Content-Length. */
function generated(
  head: Uint8Array<ArrayBuffer>,
  fill: number,
  count: number,
  tail: Uint8Array<ArrayBuffer>,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  const chunk = new Uint8Array(1024 * 1024).fill(fill);
  let sent = 0;
  let stage = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (stage === 0) {
        controller.enqueue(head);
        stage = 1;
      } else if (stage === 1) {
        const size = Math.min(chunk.length, count - sent);
        controller.enqueue(size === chunk.length ? chunk : chunk.slice(0, size));
        sent += size;
        if (sent >= count) stage = 2;
      } else if (stage === 2) {
        controller.enqueue(tail);
        stage = 3;
      } else controller.close();
    },
  });
}

/** Raw deflate of `bytes` zero bytes (about 1000 fold smaller), compressed as a stream. */
async function deflatedZeros(bytes: number): Promise<Uint8Array> {
  const stream = generated(new Uint8Array(0), 0, bytes, new Uint8Array(0))
    .pipeThrough(new CompressionStream("deflate-raw") as TransformStream<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A one-file zip whose entry inflates to `size` bytes (CRC left 0: the reader must stop first). */
function zipOf(name: string, deflated: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const nameBytes = encoder.encode(name);
  const local = new DataView(new ArrayBuffer(30));
  local.setUint32(0, 0x04034b50, true);
  local.setUint16(4, 20, true);
  local.setUint16(8, 8, true); // deflate
  local.setUint32(18, deflated.length, true);
  local.setUint32(22, size >>> 0, true);
  local.setUint16(26, nameBytes.length, true);
  const central = new DataView(new ArrayBuffer(46));
  central.setUint32(0, 0x02014b50, true);
  central.setUint16(4, 20, true);
  central.setUint16(6, 20, true);
  central.setUint16(10, 8, true);
  central.setUint32(20, deflated.length, true);
  central.setUint32(24, size >>> 0, true);
  central.setUint16(28, nameBytes.length, true);
  const centralOffset = 30 + nameBytes.length + deflated.length;
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, 1, true);
  end.setUint16(10, 1, true);
  end.setUint32(12, 46 + nameBytes.length, true);
  end.setUint32(16, centralOffset, true);
  return concat([
    new Uint8Array(local.buffer),
    nameBytes,
    deflated,
    new Uint8Array(central.buffer),
    nameBytes,
    new Uint8Array(end.buffer),
  ]);
}

/** A gzip member around raw deflate data (CRC left 0: the reader must stop first). */
function gzipOf(deflated: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const trailer = new DataView(new ArrayBuffer(8));
  trailer.setUint32(4, size >>> 0, true);
  return concat([
    new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]),
    deflated,
    new Uint8Array(trailer.buffer),
  ]);
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function upload(baseUrl: string, name: string, body: BodyInit) {
  const response = await fetch(`${baseUrl}/upload?name=${encodeURIComponent(name)}&wait=1`, {
    method: "POST",
    body,
  });
  return { status: response.status, answer: await response.json() };
}

const GIB = 1024 ** 3;
const bomb = await deflatedZeros(2 * GIB);

Deno.test("hostile uploads are refused or reported by line, within their limits, and leave stored trades untouched", async () => {
  const { app, baseUrl, stop } = await startApp();
  try {
    const good = await upload(
      baseUrl,
      "btcusdt-ethusdt-usdm-ticks.csv.gz",
      await Deno.readFile(TICKS),
    );
    assert.equal(good.status, 200);
    assert.equal(good.answer.stored, 33_661);
    const before = await storedDigestWithout(app, "XRPUSDT");

    // Invalid UTF-8 on one line: that line is rejected by number, the others stored.
    const brokenUtf8 = concat([
      encoder.encode("time,symbol,price,qty\n2026-01-01T00:00:00Z,XRPUSDT,0.5,10\n"),
      new Uint8Array([0x32, 0x30, 0xff, 0xfe, 0xc3, 0x28, 0x2c, 0x0a]),
      encoder.encode("2026-01-01T00:00:01Z,XRPUSDT,0.6,10\n"),
    ]);
    const utf8 = await upload(baseUrl, "xrp.csv", brokenUtf8);
    assert.equal(utf8.status, 200);
    assert.equal(utf8.answer.stored, 2);
    assert.deepEqual(utf8.answer.rejections.map((r: string) => r.slice(0, 8)), ["line 3: "]);
    assert.match(utf8.answer.rejections[0], /UTF-8/);

    // UTF-16 (with its byte-order mark): refused whole, saying what to do.
    const text = "time,symbol,price,qty\n2026-01-01T00:00:00Z,XRPUSDT,0.5,10\n";
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) utf16[2 + 2 * i] = text.charCodeAt(i);
    const sixteen = await upload(baseUrl, "xrp16.csv", utf16);
    assert.equal(sixteen.status, 400);
    assert.match(sixteen.answer.error, /UTF-16.*save it as UTF-8/);

    // A 50 MB line without a newline, streamed: rejected by number once past the 1 MiB line limit
    // (its bytes counted, not kept); the rows before it stored.
    const head = encoder.encode(
      "time,symbol,price,qty\n2026-01-01T00:00:02Z,XRPUSDT,0.7,10\n2026-01-01T00:00:03Z,XRPUSDT,",
    );
    const gigantic = await upload(
      baseUrl,
      "xrp-long.csv",
      generated(head, 0x37, 50 * 1024 * 1024, new Uint8Array(0)),
    );
    assert.equal(gigantic.status, 200);
    assert.equal(gigantic.answer.lines, 3);
    assert.equal(gigantic.answer.stored, 1);
    assert.equal(gigantic.answer.bytesRead, head.length + 50 * 1024 * 1024);
    assert.deepEqual(gigantic.answer.rejections, [
      "line 3: is longer than the 1048576-byte line limit",
    ]);

    // Wrong columns: a header without qty is refused naming it; short and long rows by line.
    const noQty = await upload(
      baseUrl,
      "x.csv",
      "time,symbol,price\n2026-01-01T00:00:00Z,XRPUSDT,1\n",
    );
    assert.equal(noQty.status, 400);
    assert.match(noQty.answer.error, /qty/);
    const ragged = await upload(
      baseUrl,
      "x.csv",
      "time,symbol,price,qty\n2026-01-01T00:00:04Z,XRPUSDT\n2026-01-01T00:00:05Z,XRPUSDT,0.8,10,extra,cells\n" +
        "2026-01-01T00:00:06Z,XRPUSDT,0.9,10\n",
    );
    assert.equal(ragged.status, 200);
    assert.equal(ragged.answer.stored, 1);
    assert.deepEqual(ragged.answer.rejections.map((r: string) => r.slice(0, 8)), [
      "line 2: ",
      "line 3: ",
    ]);

    // A 2 MB zip and a 2 MB gzip that inflate to 2 GiB: refused as bombs once the output passes
    // 200 times the input (after 16 MiB), never expanded further.
    for (
      const [name, body] of [
        ["XRPUSDT-trades-2026-01-01.zip", zipOf("XRPUSDT-trades-2026-01-01.csv", bomb, 2 * GIB)],
        ["XRPUSDT-trades-2026-01-01.csv.gz", gzipOf(bomb, 2 * GIB)],
      ] as const
    ) {
      assert.ok(body.length < 4 * 1024 * 1024, `${name} is ${body.length} bytes`);
      const refused = await upload(baseUrl, name, body);
      assert.equal(refused.status, 413, JSON.stringify(refused.answer));
      assert.match(
        refused.answer.error,
        /more than 200 fold, maxCompressionRatio.*possible (zip|gzip) bomb/,
      );
      assert.equal(refused.answer.stored, 0);
    }

    const xrp = await app.db.sql<{ n: number }[]>`
      select count(*)::int as n from trades where symbol = 'XRPUSDT'`;
    assert.equal(xrp[0].n, 2 + 1 + 1, "only the good XRPUSDT rows were stored");
    const untouched = await storedDigestWithout(app, "XRPUSDT");
    assert.deepEqual(untouched, before, "the trades and bars stored before are unchanged");
  } finally {
    await stop();
  }
});

/**
 * A digest of every stored trade and 1s bar except those of `symbol` (the one the hostile files may
 * add to): equal digests mean nothing stored before was touched.
 */
async function storedDigestWithout(app: App, symbol: string) {
  const [row] = await app.db.sql<{ trades: number; digest: string }[]>`
    select (select count(*)::int from trades where symbol <> ${symbol}) as trades,
      md5(coalesce((select string_agg(concat_ws('|', venue, symbol, trade_id, price, qty, time),
        ',' order by venue, symbol, trade_id) from trades where symbol <> ${symbol}), '') ||
        coalesce((select string_agg(concat_ws('|', venue, symbol, bucket, open, high, low, close,
        volume, trades), ',' order by venue, symbol, bucket) from bars_1s where symbol <> ${symbol}),
        '')) as digest`;
  return { ...row };
}

Deno.test("an upload without Content-Length over UPLOAD_MAX_BYTES: 413, and the answer says what was stored before the limit", async () => {
  const { app, baseUrl, stop } = await startApp(200_000);
  try {
    const lines = ["time,symbol,price,qty"];
    for (let i = 0; i < 10_000; i++) {
      lines.push(`${new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()},XRPUSDT,0.5,${i + 1}`);
    }
    const bytes = encoder.encode(`${lines.join("\n")}\n`);
    const streamed = new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 16_384) {
          controller.enqueue(bytes.slice(offset, offset + 16_384));
        }
        controller.close();
      },
    });
    const { status, answer } = await upload(baseUrl, "xrp.csv", streamed);
    assert.equal(status, 413);
    const [{ n }] = await app.db.sql<{ n: number }[]>`select count(*)::int as n from trades`;
    assert.ok(n > 0 && n < 10_000, `${n} trades stored from the part read`);
    assert.equal(answer.stored, n, "the answer counts exactly what is stored");
    assert.match(
      answer.error,
      new RegExp(
        `larger than 200000 bytes.*before it stopped, \\d+ lines were read and ${n} of their \\d+ trades stored`,
      ),
    );
  } finally {
    await stop();
  }
});

Deno.test("deno task import reports a bomb and a broken line the same way, with what was stored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pairs-hostile-" });
  try {
    const bombFile = `${dir}/XRPUSDT-trades-2026-01-01.csv.gz`;
    await Deno.writeFile(bombFile, gzipOf(bomb, 2 * GIB));
    const brokenFile = `${dir}/xrp.csv`;
    await Deno.writeFile(
      brokenFile,
      concat([
        encoder.encode("time,symbol,price,qty\n2026-01-01T00:00:00Z,XRPUSDT,0.5,10\n"),
        new Uint8Array([0xff, 0x0a]),
      ]),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "server/import.ts", "--quiet", bombFile, brokenFile],
      env: { DATABASE_URL: "memory://", FEED: "none" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1, "a refused file makes the command fail");
    assert.match(stderr, /XRPUSDT-trades-2026-01-01\.csv\.gz: Cannot read .*possible gzip bomb/);
    assert.match(stderr, /stopped after \d+ lines/);
    assert.match(
      stdout,
      /xrp\.csv \(generic-csv.*\n {2}lines 3: trades read 1, stored 1.*rejected 1/,
    );
    assert.match(stdout, /rejected line 3: .*UTF-8/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
