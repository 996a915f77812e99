import assert from "node:assert/strict";
import { aggTradeEvent, startBinanceStandin } from "./binance_standin.ts";

/** Opens a client socket, collects what arrives, and closes it cleanly. */
async function openClient(url: string) {
  const socket = new WebSocket(url);
  const received: string[] = [];
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  socket.onmessage = (message) => received.push(String(message.data));
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (event) => reject(new Error((event as ErrorEvent).message));
  });
  return {
    socket,
    received,
    closed,
    async close() {
      if (socket.readyState === WebSocket.OPEN) socket.close();
      await closed;
    },
  };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await wait(10);
  }
}

Deno.test("futures trades arrive on /market/stream; the old unrouted /stream acknowledges SUBSCRIBE and stays silent", async () => {
  const standin = startBinanceStandin();
  const routed = await openClient(`${standin.wsBaseUrl}/market/stream?streams=btcusdt@aggTrade`);
  const unrouted = await openClient(`${standin.wsBaseUrl}/stream?streams=btcusdt@aggTrade`);
  unrouted.socket.send(
    JSON.stringify({ method: "SUBSCRIBE", params: ["btcusdt@aggTrade"], id: 1 }),
  );
  await waitFor(() => unrouted.received.length === 1, "the SUBSCRIBE answer");
  assert.deepEqual(JSON.parse(unrouted.received[0]), { result: null, id: 1 });
  await waitFor(
    () => standin.connections.filter((connection) => connection.closedAtMs === null).length === 2,
    "both sockets",
  );
  standin.publish([aggTradeEvent("BTCUSDT", 1), aggTradeEvent("BTCUSDT", 2)]);
  await waitFor(() => routed.received.length === 2, "two trades on /market");
  await wait(100);
  assert.equal(unrouted.received.length, 1, "nothing but the acknowledgement on the unrouted path");
  assert.deepEqual(JSON.parse(routed.received[0]).stream, "btcusdt@aggTrade");
  assert.equal(JSON.parse(routed.received[1]).data.a, 2);
  const [routedInfo, unroutedInfo] = standin.connections;
  assert.equal(routedInfo.routed, true);
  assert.equal(unroutedInfo.routed, false);
  assert.equal(unroutedInfo.tradeMessagesSent, 0);
  await routed.close();
  await unrouted.close();
  await standin.close();
});

Deno.test("a raw /market/ws/<stream> connection receives bare events; spot serves /stream", async () => {
  const futures = startBinanceStandin();
  const raw = await openClient(`${futures.wsBaseUrl}/market/ws/ethusdt@aggTrade`);
  await waitFor(() => futures.connections.length === 1, "the raw socket");
  await wait(20);
  futures.publish([aggTradeEvent("ETHUSDT", 9)]);
  await waitFor(() => raw.received.length === 1, "the bare event");
  assert.equal(JSON.parse(raw.received[0]).a, 9);
  await raw.close();
  await futures.close();

  const spot = startBinanceStandin({ market: "spot" });
  const combined = await openClient(`${spot.wsBaseUrl}/stream?streams=btcusdt@trade`);
  await wait(20);
  spot.publish([{
    e: "trade",
    E: 2,
    s: "BTCUSDT",
    t: 5,
    p: "1.0",
    q: "2.0",
    T: 1,
    m: true,
    M: true,
  }]);
  await waitFor(() => combined.received.length === 1, "a spot trade");
  assert.equal(JSON.parse(combined.received[0]).data.t, 5);
  await combined.close();
  await spot.close();
});

Deno.test("REST serves history by fromId and limit, and only the newest ids inside the REST window", async () => {
  const standin = startBinanceStandin({ restWindow: 30 });
  standin.publish(Array.from({ length: 100 }, (_, index) => aggTradeEvent("BTCUSDT", index + 1)), {
    live: false,
  });
  const page = async (query: string) => {
    const response = await fetch(`${standin.restBaseUrl}/fapi/v1/aggTrades?${query}`);
    const rows = await response.json() as { a: number }[];
    return { rows: rows.map((row) => row.a), weight: response.headers.get("X-MBX-USED-WEIGHT-1M") };
  };
  assert.deepEqual((await page("symbol=BTCUSDT&fromId=90&limit=5")).rows, [90, 91, 92, 93, 94]);
  assert.deepEqual(
    (await page("symbol=BTCUSDT&fromId=10&limit=3")).rows,
    [71, 72, 73],
    "ids before the window are not served",
  );
  assert.deepEqual((await page("symbol=BTCUSDT&fromId=200")).rows, []);
  const last = await page("symbol=BTCUSDT&limit=2");
  assert.deepEqual(last.rows, [99, 100]);
  assert.equal(last.weight, "80", "four requests of weight 20");
  const wrong = await fetch(`${standin.restBaseUrl}/api/v3/aggTrades?symbol=BTCUSDT`);
  assert.equal(wrong.status, 404, "a futures stand-in has no spot REST");
  await wrong.body?.cancel();
  await standin.close();
});

Deno.test("REST answers the scripted 429 with Retry-After, then 418, then serves again; 451 when refused", async () => {
  const standin = startBinanceStandin();
  standin.failNextRest(1, 429, 2);
  standin.failNextRest(1, 418, 120);
  const url = `${standin.restBaseUrl}/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=1`;
  const first = await fetch(url);
  assert.equal(first.status, 429);
  assert.equal(first.headers.get("Retry-After"), "2");
  await first.body?.cancel();
  const second = await fetch(url);
  assert.equal(second.status, 418);
  await second.body?.cancel();
  const third = await fetch(url);
  assert.equal(third.status, 200);
  await third.body?.cancel();
  standin.setFaults({ refuseRestStatus: 451 });
  const refused = await fetch(url);
  assert.equal(refused.status, 451);
  assert.match((await refused.json()).msg, /restricted location/);
  await standin.close();
});

Deno.test("faults: duplicates are sent twice, corruption breaks the JSON, drops close every socket, silence sends nothing", async () => {
  const standin = startBinanceStandin({ faults: { duplicateEvery: 2, corruptEvery: 3 } });
  const client = await openClient(`${standin.wsBaseUrl}/market/stream?streams=btcusdt@aggTrade`);
  await wait(20);
  standin.publish([1, 2, 3, 4].map((id) => aggTradeEvent("BTCUSDT", id)));
  await waitFor(() => client.received.length === 6, "six messages");
  const parsedIds = client.received.map((text) => {
    try {
      return JSON.parse(text).data.a as number;
    } catch {
      return "broken";
    }
  });
  assert.deepEqual(parsedIds, [1, 2, 2, "broken", 4, 4]);
  standin.setFaults({ silent: true });
  standin.publish([aggTradeEvent("BTCUSDT", 5)]);
  await wait(100);
  assert.equal(client.received.length, 6);
  assert.equal(client.socket.readyState, WebSocket.OPEN, "silent, yet open");
  standin.setFaults({ dropEvery: 2 });
  standin.publish([aggTradeEvent("BTCUSDT", 6), aggTradeEvent("BTCUSDT", 7)]);
  const closeEvent = await client.closed;
  assert.equal(closeEvent.code, 1001);
  assert.deepEqual(standin.historyIds("BTCUSDT", "aggTrade"), [1, 2, 3, 4, 5, 6, 7]);
  await standin.close();
});

Deno.test("reordering shuffles messages only within the window", async () => {
  const standin = startBinanceStandin({ faults: { reorderWindow: 4 }, seed: 3 });
  const client = await openClient(`${standin.wsBaseUrl}/market/stream?streams=btcusdt@aggTrade`);
  await wait(20);
  standin.publish(Array.from({ length: 40 }, (_, index) => aggTradeEvent("BTCUSDT", index + 1)));
  await waitFor(() => client.received.length === 40, "forty messages");
  const ids = client.received.map((text) => JSON.parse(text).data.a as number);
  assert.notDeepEqual(ids, [...ids].sort((a, b) => a - b), "some order changed");
  ids.forEach((id, position) => assert.equal(Math.floor((id - 1) / 4), Math.floor(position / 4)));
  await client.close();
  await standin.close();
});

Deno.test("a WebSocket upgrade refused with 451 fails the client's connection with that status", async () => {
  const standin = startBinanceStandin({ faults: { refuseWebSocketStatus: 451 } });
  await assert.rejects(
    openClient(`${standin.wsBaseUrl}/market/stream?streams=btcusdt@aggTrade`),
    /451/,
  );
  assert.equal(standin.requests[0].status, 451);
  await standin.close();
});

Deno.test("the stand-in pings: a client that never answers is closed, Deno's WebSocket answers and stays", async () => {
  const standin = startBinanceStandin({ pingIntervalSeconds: 0.4 });
  const answering = await openClient(`${standin.wsBaseUrl}/market/stream?streams=btcusdt@aggTrade`);

  // A bare TCP client that completes the handshake and then ignores every frame, pings included.
  const silent = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(standin.restBaseUrl).port),
  });
  const handshake = "GET /market/stream?streams=btcusdt@aggTrade HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
    "Sec-WebSocket-Version: 13\r\n\r\n";
  await silent.write(new TextEncoder().encode(handshake));
  const opcodes: number[] = [];
  const buffer = new Uint8Array(4096);
  let text = "";
  for (let read = await silent.read(buffer); read !== null; read = await silent.read(buffer)) {
    const bytes = buffer.subarray(0, read);
    if (!text.includes("\r\n\r\n")) {
      text += new TextDecoder().decode(bytes);
      const headerEnd = text.indexOf("\r\n\r\n");
      if (headerEnd < 0) continue;
      const rest = bytes.subarray(bytes.length - (text.length - headerEnd - 4));
      if (rest.length > 0) opcodes.push(rest[0] & 0x0f);
      continue;
    }
    opcodes.push(bytes[0] & 0x0f);
    if ((bytes[0] & 0x0f) === 0x8) break;
  }
  silent.close();
  await wait(600);
  assert.match(text, /^HTTP\/1\.1 101/);
  assert.ok(opcodes.includes(0x9), `a ping frame arrived (opcodes ${opcodes})`);
  assert.equal(opcodes.at(-1), 0x8, "then the stand-in closed the silent client");
  assert.equal(
    answering.socket.readyState,
    WebSocket.OPEN,
    "the Deno client answered its pings and is still open",
  );
  await answering.close();
  await standin.close();
});
