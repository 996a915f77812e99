/**
 * Subscribers that cannot keep up cost the server bounded memory: a subscription whose events wait
 * inside the server (over HTTP, as server-sent events) and falls too far behind is ended with
 * SUBSCRIBER_TOO_SLOW; a socket's subscriptions are sent as events are published, and a client that
 * stops reading its socket is disconnected once MAX_SOCKET_BUFFER_BYTES wait to be sent to it.
 */
import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import { btcTrades } from "../testing/trade_batches.ts";
import type { AppOptions } from "../app.ts";
import { serveApp, type ServedApp } from "../testing/served_app.ts";
import { graphqlRequest } from "../testing/graphql_client.ts";
import { readEvents, readToEnd } from "../testing/event_stream.ts";

const KEY = "binance-futures:BTCUSDT";
const TRADES = 'subscription { trades(symbols: ["BTCUSDT"]) { tradeId price } }';

function serve(api: NonNullable<AppOptions["api"]>): Promise<ServedApp> {
  return serveApp({ api });
}

async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test({
  name: "a subscription over HTTP (server-sent events) that falls too far behind ends with " +
    "SUBSCRIBER_TOO_SLOW; the server goes on",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const served = await serve({ maxPendingEvents: 100 });
    try {
      const response = await fetch(`${served.baseUrl}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query: TRADES }),
      });
      assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
      const events = readEvents(response.body!);
      // Live once a published trade arrives.
      const first = events.next();
      await eventually(async () => {
        served.app.pubsub.publish("trades", KEY, btcTrades(1, 0));
        return await Promise.race([first.then(() => true), sleep(50).then(() => false)]);
      }, "the subscription is live");

      // 50 batches of 10 in one turn of the event loop: 500 waiting, over the limit of 100.
      for (let batch = 0; batch < 50; batch++) {
        served.app.pubsub.publish("trades", KEY, btcTrades(10, 1_000 + batch * 10));
      }
      const { delivered, failure } = await readToEnd(events);
      assert.equal(failure?.extensions?.code, "SUBSCRIBER_TOO_SLOW");
      assert.match(failure!.message, /more than 100 events behind/);
      assert.ok(delivered < 500, "the backlog was released, not delivered late");

      const answer = await graphqlRequest(served.baseUrl, "{ instruments { symbol } }");
      assert.equal(answer.errors, undefined);
    } finally {
      await served.stop();
    }
  },
});

Deno.test({
  name: "a socket subscription is sent each trade as it is published: a burst of 500 in one turn " +
    "arrives whole and in order",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // MAX_PENDING_EVENTS bounds what waits inside the server; a socket's trades do not wait there.
    const served = await serve({ maxPendingEvents: 100 });
    const client = createClient({
      url: `${served.baseUrl.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const received: number[] = [];
      const failures: unknown[] = [];
      client.subscribe<{ trades: { tradeId: string } }>({ query: TRADES }, {
        next: (result) => result.data && received.push(Number(result.data.trades.tradeId)),
        error: (error) => failures.push(error),
        complete: () => {},
      });
      await eventually(() => {
        served.app.pubsub.publish("trades", KEY, btcTrades(1, 0));
        return received.length > 0;
      }, "the subscription is live");
      for (let batch = 0; batch < 50; batch++) {
        served.app.pubsub.publish("trades", KEY, btcTrades(10, 1_000 + batch * 10));
      }
      // (Trade 0 may arrive more than once: it is published until the subscription is live.)
      const burst = () => received.filter((id) => id >= 1_000);
      await eventually(() => burst().length >= 500, "500 trades arrive");
      assert.deepEqual(
        burst(),
        Array.from({ length: 500 }, (_, i) => 1_000 + i),
      );
      assert.deepEqual(failures, []);
      assert.equal(served.app.http.subscriptionCount(), 1);
    } finally {
      await client.dispose();
      await served.stop();
    }
  },
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A WebSocket client that sends its frames by hand and then never reads again. */
async function openStalledSocket(baseUrl: string, messages: unknown[]): Promise<Deno.Conn> {
  const { hostname, port } = new URL(baseUrl);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  const request = [
    "GET /graphql HTTP/1.1",
    `Host: ${hostname}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Protocol: graphql-transport-ws",
  ].join("\r\n") + "\r\n\r\n";
  await connection.write(new TextEncoder().encode(request));
  // Read the upgrade answer (and the ack that may follow it), then stop reading for good.
  const buffer = new Uint8Array(4096);
  const read = await connection.read(buffer);
  const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
  assert.match(head, /^HTTP\/1.1 101/);
  for (const message of messages) await connection.write(maskedTextFrame(JSON.stringify(message)));
  return connection;
}

/** RFC 6455 section 5.2: a final text frame, masked as every client frame must be. */
function maskedTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const header = payload.length < 126 ? [0x81, 0x80 | payload.length] : [
    0x81,
    0x80 | 126,
    payload.length >> 8,
    payload.length & 0xff,
  ];
  const mask = [0x12, 0x34, 0x56, 0x78];
  const frame = new Uint8Array(header.length + 4 + payload.length);
  frame.set(header, 0);
  frame.set(mask, header.length);
  payload.forEach((byte, i) => (frame[header.length + 4 + i] = byte ^ mask[i % 4]));
  return frame;
}

Deno.test({
  name: "a client that stops reading costs bounded memory: its subscription or its socket is ended",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const served = await serve({ maxSocketBufferBytes: 256 * 1024, maxPendingEvents: 10_000 });
    const stalled = await openStalledSocket(served.baseUrl, [
      { type: "connection_init" },
      { id: "1", type: "subscribe", payload: { query: TRADES } },
    ]);
    try {
      await eventually(() => served.app.http.subscriptionCount() === 1, "the subscription runs");
      // About 90 bytes a message: up to 54 MB, far more than the kernel's socket buffers hold.
      // Whichever bound is reached first, the server stops holding events for this client.
      let nextId = 0;
      const ended = () =>
        served.app.http.socketCount() === 0 || served.app.http.subscriptionCount() === 0;
      while (!ended() && nextId < 600_000) {
        served.app.pubsub.publish("trades", KEY, btcTrades(1_000, nextId));
        nextId += 1_000;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await eventually(ended, "the stalled subscription or socket is ended");
      assert.ok(nextId < 600_000, "ended before every message was queued for it");
      const answer = await graphqlRequest(served.baseUrl, "{ instruments { symbol } }");
      assert.equal(answer.errors, undefined, "the server goes on serving");
    } finally {
      stalled.close();
      await served.stop();
    }
  },
});

Deno.test({
  name: "a catch-up batch that closes 20,000 bars at once leaves the server serving",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const served = await serve({});
    try {
      // One trade a second for 20,000 seconds, stored together: every 1s bar closes in one burst.
      const batch = Array.from({ length: 20_000 }, (_, i) => ({
        ...btcTrades(1, i + 1)[0],
        timeUs: 1_723_158_000_000_000 + i * 1_000_000,
      }));
      assert.ok(served.app.queue.push(batch));
      await eventually(
        () => served.app.queue.stats().stored === 20_000,
        "every trade is stored",
        120_000,
      );
      const answer = await graphqlRequest<{ bars: unknown[] }>(
        served.baseUrl,
        '{ bars(symbol: "BTCUSDT", timeframe: S1, limit: 5) { time close } }',
      );
      assert.equal(answer.errors, undefined);
      assert.equal(answer.data?.bars.length, 5);
      assert.equal((await served.app.health()).ok, true);
    } finally {
      await served.stop();
    }
  },
});
