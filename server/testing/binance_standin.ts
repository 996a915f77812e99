/**
 * A local stand-in for Binance market data, faithful to /work/shared/BINANCE.md, so that every test
 * of the feed runs without the internet: one port serves the WebSocket streams and the REST trade
 * history, and faults (drops, duplicates, reordering, corruption, silence, rate limits, bans,
 * regional refusal) can be switched on at will. Test code only.
 *
 * Futures mode serves trades only on the `/market` route (`/market/stream?streams=...`,
 * `/market/ws/<stream>`); the old unrouted `/stream`, `/ws/...` and `/public/...` accept the socket,
 * answer SUBSCRIBE with `{"result":null,"id":..}` and then deliver nothing, as Binance does since
 * 2026-04-23. Spot mode serves `/stream?streams=...` and `/ws/<stream>`.
 */
import type { BinanceMarket } from "../feed/binance_routes.ts";
import { createSeededRandom } from "../feed/seeded_random.ts";

export interface StandinFaults {
  /** Close every connection after each N trade messages sent. */
  dropEvery?: number;
  /** Send every Nth trade message twice. */
  duplicateEvery?: number;
  /** Shuffle trade messages within consecutive windows of this many messages. */
  reorderWindow?: number;
  /** Replace every Nth trade message by broken JSON (the trade is then only in the REST history). */
  corruptEvery?: number;
  /** Keep every socket open but send nothing. */
  silent?: boolean;
  /** Answer WebSocket upgrades with this HTTP status, e.g. 451 for a refused region. */
  refuseWebSocketStatus?: number;
  /** Answer every REST request with this HTTP status, e.g. 451. */
  refuseRestStatus?: number;
}

export interface BinanceStandinOptions {
  /** Default "futures". */
  market?: BinanceMarket;
  /** Ping period; a client that does not answer is closed (Deno's `idleTimeout`). Default 180 s futures, 20 s spot. */
  pingIntervalSeconds?: number;
  /** REST serves only the newest this-many ids per symbol; null serves the whole history. Default null. */
  restWindow?: number | null;
  /** Seed of the reordering shuffle. Default 1. */
  seed?: number;
  /**
   * Keep only about the newest this-many trades per symbol for REST (long load runs would otherwise
   * hold every message published); null keeps them all. Default null.
   */
  historyLimit?: number | null;
  faults?: StandinFaults;
}

export interface StandinConnection {
  id: number;
  /** Path and query as requested, e.g. `/market/stream?streams=btcusdt@aggTrade`. */
  path: string;
  /** False for a futures path outside `/market`: acknowledged, silent. */
  routed: boolean;
  streams: Set<string>;
  openedAtMs: number;
  /** True once the socket is open on the stand-in's side: from then on it receives what is published. */
  live: boolean;
  closedAtMs: number | null;
  /** Trade messages sent on this connection. */
  tradeMessagesSent: number;
}

export interface StandinRequest {
  /** Path and query, e.g. `/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=1&limit=1000`. */
  path: string;
  websocket: boolean;
  status: number;
  atMs: number;
}

export interface BinanceStandin {
  /** `ws://127.0.0.1:<port>`: a base URL, as `BINANCE_WS_URL` takes. */
  readonly wsBaseUrl: string;
  /** `http://127.0.0.1:<port>`. */
  readonly restBaseUrl: string;
  /** Every HTTP request and upgrade seen, in order. */
  readonly requests: StandinRequest[];
  /** Every WebSocket connection accepted, open or closed. */
  readonly connections: StandinConnection[];
  /**
   * Records messages (raw or combined-stream wrapped JSON text, or event objects) in the history
   * and, unless `live` is false, sends them to subscribed connections through the active faults.
   */
  publish(messages: readonly (string | object)[], options?: { live?: boolean }): void;
  /** Publishes recorded messages at full speed (default) or at `messagesPerSecond`; resolves with the count. */
  replay(messages: readonly string[], options?: { messagesPerSecond?: number }): Promise<number>;
  /** Ids in the history of a symbol's `aggTrade` or `trade` stream. */
  historyIds(symbol: string, stream: "aggTrade" | "trade"): number[];
  /** Closes every open connection, as a network failure would. */
  dropAll(): void;
  /**
   * Sends texts or bytes as they are to every open routed connection (malformed messages, garbage),
   * recording nothing in the history. Returns how many connections they were sent to.
   */
  sendRaw(messages: readonly (string | Uint8Array)[]): number;
  setFaults(faults: StandinFaults): void;
  setRestWindow(window: number | null): void;
  /** The next `count` REST requests are answered with `status` (429, 418, ...) and `Retry-After`. */
  failNextRest(count: number, status: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

type TradeStreamKind = "aggTrade" | "trade";
type JsonObject = Record<string, unknown>;

interface Outgoing {
  stream: string;
  event: JsonObject;
  isTrade: boolean;
}

interface LiveConnection {
  info: StandinConnection;
  socket: WebSocket;
  /** `/stream?streams=` wraps each event as `{"stream":..,"data":..}`; `/ws/` sends it bare. */
  combined: boolean;
}

const REST_WEIGHTS: Record<BinanceMarket, Record<TradeStreamKind, number>> = {
  futures: { aggTrade: 20, trade: 20 },
  spot: { aggTrade: 4, trade: 25 },
};

export function startBinanceStandin(options: BinanceStandinOptions = {}): BinanceStandin {
  const market = options.market ?? "futures";
  const pingIntervalSeconds = options.pingIntervalSeconds ?? (market === "futures" ? 180 : 20);
  let restWindow = options.restWindow ?? null;
  let faults: StandinFaults = { ...options.faults };
  const random = createSeededRandom(options.seed ?? 1);
  const requests: StandinRequest[] = [];
  const connections: StandinConnection[] = [];
  const open = new Set<LiveConnection>();
  const history: Record<TradeStreamKind, Map<string, JsonObject[]>> = {
    aggTrade: new Map(),
    trade: new Map(),
  };
  const restFailures: { status: number; retryAfterSeconds?: number }[] = [];
  let tradeMessagesSent = 0;
  let weightMinute = 0;
  let weightUsed = 0;
  let closed = false;

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    const path = `${url.pathname}${url.search}`;
    const websocket = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    const response = websocket ? acceptSocket(request, url) : answerRest(url);
    requests.push({ path, websocket, status: response.status, atMs: Date.now() });
    return response;
  });
  const base = `127.0.0.1:${server.addr.port}`;

  function route(url: URL): { routed: boolean; combined: boolean; streams: string[] } | null {
    const streamsParam = url.searchParams.get("streams");
    const listed = streamsParam ? streamsParam.split("/").filter(Boolean) : [];
    const fromPath = (prefix: string) =>
      url.pathname.slice(prefix.length).split("/").filter(Boolean);
    const prefix = market === "futures" ? "/market" : "";
    if (url.pathname === `${prefix}/stream`) {
      return { routed: true, combined: true, streams: listed };
    }
    if (url.pathname === `${prefix}/ws` || url.pathname.startsWith(`${prefix}/ws/`)) {
      return { routed: true, combined: false, streams: fromPath(`${prefix}/ws`) };
    }
    if (market === "futures") {
      // Old unrouted paths and the /public route: acknowledged, but no trades ever arrive there.
      if (url.pathname === "/stream" || url.pathname.startsWith("/public/stream")) {
        return { routed: false, combined: true, streams: listed };
      }
      if (
        url.pathname === "/ws" || url.pathname.startsWith("/ws/") ||
        url.pathname.startsWith("/public/ws")
      ) {
        return {
          routed: false,
          combined: false,
          streams: fromPath(url.pathname.startsWith("/public") ? "/public/ws" : "/ws"),
        };
      }
    }
    return null;
  }

  function acceptSocket(request: Request, url: URL): Response {
    if (faults.refuseWebSocketStatus) {
      return new Response("Service unavailable from a restricted location", {
        status: faults.refuseWebSocketStatus,
      });
    }
    const target = route(url);
    if (target === null) return new Response(`No stream route ${url.pathname}`, { status: 404 });
    const { socket, response } = Deno.upgradeWebSocket(request, {
      idleTimeout: pingIntervalSeconds,
    });
    const info: StandinConnection = {
      id: connections.length + 1,
      path: `${url.pathname}${url.search}`,
      routed: target.routed,
      streams: new Set(target.streams),
      openedAtMs: Date.now(),
      live: false,
      closedAtMs: null,
      tradeMessagesSent: 0,
    };
    connections.push(info);
    const connection: LiveConnection = { info, socket, combined: target.combined };
    socket.onopen = () => {
      info.live = true;
      open.add(connection);
    };
    socket.onclose = () => {
      info.live = false;
      info.closedAtMs = Date.now();
      open.delete(connection);
    };
    socket.onerror = () => {};
    socket.onmessage = (message) => answerControl(connection, String(message.data));
    return response;
  }

  /** `{"method":"SUBSCRIBE","params":["btcusdt@aggTrade"],"id":1}` -> `{"result":null,"id":1}`. */
  function answerControl(connection: LiveConnection, text: string): void {
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(text);
    } catch {
      connection.socket.send(JSON.stringify({ error: { code: 3, msg: "Invalid JSON" }, id: null }));
      return;
    }
    const params = Array.isArray(request.params) ? request.params.map(String) : [];
    if (request.method === "SUBSCRIBE") {
      params.forEach((stream) => connection.info.streams.add(stream));
    }
    if (request.method === "UNSUBSCRIBE") {
      params.forEach((stream) => connection.info.streams.delete(stream));
    }
    const result = request.method === "LIST_SUBSCRIPTIONS" ? [...connection.info.streams] : null;
    connection.socket.send(JSON.stringify({ result, id: request.id ?? null }));
  }

  function answerRest(url: URL): Response {
    const prefix = market === "futures" ? "/fapi/v1" : "/api/v3";
    const kind: TradeStreamKind | null = url.pathname === `${prefix}/aggTrades`
      ? "aggTrade"
      : url.pathname === `${prefix}/historicalTrades`
      ? "trade"
      : null;
    if (kind === null) return json({ code: -1000, msg: `Unknown path ${url.pathname}` }, 404);
    const failure = restFailures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfterSeconds !== undefined
        ? { "Retry-After": String(failure.retryAfterSeconds) }
        : {};
      const msg = failure.status === 418
        ? "IP banned until later."
        : "Too many requests; current limit exceeded.";
      return json({ code: -1003, msg }, failure.status, headers);
    }
    if (faults.refuseRestStatus) {
      return json({
        code: 0,
        msg:
          "Service unavailable from a restricted location according to 'b. Eligibility' in https://www.binance.com/en/terms.",
      }, faults.refuseRestStatus);
    }
    const symbol = url.searchParams.get("symbol");
    if (!symbol) {
      return json({
        code: -1102,
        msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
      }, 400);
    }
    const limit = Math.min(1000, Number(url.searchParams.get("limit") ?? 500));
    const fromIdParam = url.searchParams.get("fromId");
    const events = history[kind].get(symbol.toUpperCase()) ?? [];
    const firstServed = restWindow === null ? 0 : Math.max(0, events.length - restWindow);
    let start: number;
    if (fromIdParam === null) {
      start = Math.max(firstServed, events.length - limit);
    } else {
      start = Math.max(firstServed, lowerBound(events, kind, Number(fromIdParam)));
    }
    const rows = events.slice(start, start + limit).map((event) => restRow(event, kind));
    return json(rows, 200, {
      "X-MBX-USED-WEIGHT-1M": String(addWeight(REST_WEIGHTS[market][kind])),
    });
  }

  function addWeight(weight: number): number {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== weightMinute) {
      weightMinute = minute;
      weightUsed = 0;
    }
    weightUsed += weight;
    return weightUsed;
  }

  function record(event: JsonObject): void {
    const kind = event.e as TradeStreamKind;
    const symbol = String(event.s).toUpperCase();
    const list = history[kind].get(symbol) ?? [];
    history[kind].set(symbol, list);
    const id = eventId(event, kind);
    const last = list.at(-1);
    if (last === undefined || eventId(last, kind) < id) {
      list.push(event);
      // Trimmed in halves so that trimming costs O(1) per trade.
      const limit = options.historyLimit ?? null;
      if (limit !== null && list.length > 2 * limit) list.splice(0, list.length - limit);
      return;
    }
    const index = lowerBound(list, kind, id);
    if (eventId(list[index], kind) !== id) list.splice(index, 0, event);
  }

  function send(entry: Outgoing): void {
    if (faults.silent) return;
    const count = entry.isTrade ? ++tradeMessagesSent : 0;
    const corrupt = entry.isTrade && faults.corruptEvery && count % faults.corruptEvery === 0;
    const copies = entry.isTrade && faults.duplicateEvery && count % faults.duplicateEvery === 0
      ? 2
      : 1;
    for (const connection of open) {
      if (!connection.info.routed || !connection.info.streams.has(entry.stream)) continue;
      if (connection.socket.readyState !== WebSocket.OPEN) continue;
      const text = connection.combined
        ? JSON.stringify({ stream: entry.stream, data: entry.event })
        : JSON.stringify(entry.event);
      for (let copy = 0; copy < copies; copy++) {
        connection.socket.send(corrupt ? text.slice(0, Math.floor(text.length / 2)) : text);
        if (entry.isTrade) connection.info.tradeMessagesSent++;
      }
    }
    if (entry.isTrade && faults.dropEvery && count % faults.dropEvery === 0) dropAll();
  }

  function publish(
    messages: readonly (string | object)[],
    publishOptions: { live?: boolean } = {},
  ): void {
    const outgoing: Outgoing[] = [];
    for (const message of messages) {
      const parsed = (typeof message === "string" ? JSON.parse(message) : message) as JsonObject;
      const wrapped = typeof parsed.stream === "string" && typeof parsed.data === "object";
      const event = (wrapped ? parsed.data : parsed) as JsonObject;
      const isTrade = event.e === "aggTrade" || event.e === "trade";
      if (isTrade) record(event);
      const stream = wrapped
        ? String(parsed.stream)
        : `${String(event.s).toLowerCase()}@${String(event.e)}`;
      outgoing.push({ stream, event, isTrade });
    }
    if (publishOptions.live === false) return;
    const window = faults.reorderWindow ?? 1;
    for (let start = 0; start < outgoing.length; start += window) {
      const chunk = outgoing.slice(start, start + window);
      // Fisher-Yates shuffle within the window.
      for (let index = chunk.length - 1; index > 0; index--) {
        const other = Math.floor(random.uniform() * (index + 1));
        [chunk[index], chunk[other]] = [chunk[other], chunk[index]];
      }
      chunk.forEach(send);
    }
  }

  function dropAll(): void {
    for (const connection of open) {
      if (connection.socket.readyState === WebSocket.OPEN) {
        connection.socket.close(1001, "stand-in dropped the connection");
      }
    }
  }

  return {
    wsBaseUrl: `ws://${base}`,
    restBaseUrl: `http://${base}`,
    requests,
    connections,
    publish,
    async replay(messages, replayOptions = {}) {
      const perSecond = replayOptions.messagesPerSecond;
      // Full speed still yields to the event loop between batches so sockets drain and reconnect.
      const tickMs = 10;
      const batch = perSecond ? Math.max(1, Math.round((perSecond * tickMs) / 1000)) : 1000;
      let sent = 0;
      while (sent < messages.length && !closed) {
        publish(messages.slice(sent, sent + batch));
        sent = Math.min(messages.length, sent + batch);
        await new Promise((resolve) => setTimeout(resolve, perSecond ? tickMs : 0));
      }
      return sent;
    },
    historyIds(symbol, stream) {
      return (history[stream].get(symbol.toUpperCase()) ?? []).map((event) =>
        eventId(event, stream)
      );
    },
    dropAll,
    sendRaw(messages) {
      let reached = 0;
      for (const connection of open) {
        if (!connection.info.routed || connection.socket.readyState !== WebSocket.OPEN) continue;
        for (const message of messages) connection.socket.send(message);
        reached++;
      }
      return reached;
    },
    setFaults(next) {
      faults = { ...next };
    },
    setRestWindow(window) {
      restWindow = window;
    },
    failNextRest(count, status, retryAfterSeconds) {
      for (let index = 0; index < count; index++) restFailures.push({ status, retryAfterSeconds });
    },
    async close() {
      closed = true;
      dropAll();
      await server.shutdown();
    },
  };
}

function eventId(event: JsonObject, kind: TradeStreamKind): number {
  return Number(kind === "aggTrade" ? event.a : event.t);
}

/** Index of the first event whose id is at least `id` (events are kept in id order). */
function lowerBound(events: JsonObject[], kind: TradeStreamKind, id: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (eventId(events[middle], kind) < id) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** WebSocket events as REST rows: aggTrades `{a,p,q,f,l,T,m(,M)}`; historicalTrades `{id,price,qty,quoteQty,time,isBuyerMaker(,isBestMatch)}`. */
function restRow(event: JsonObject, kind: TradeStreamKind): JsonObject {
  if (kind === "aggTrade") {
    const row: JsonObject = {
      a: event.a,
      p: event.p,
      q: event.q,
      f: event.f,
      l: event.l,
      T: event.T,
      m: event.m,
    };
    if ("M" in event) row.M = event.M;
    return row;
  }
  const row: JsonObject = {
    id: event.t,
    price: event.p,
    qty: event.q,
    quoteQty: String(Number(event.p) * Number(event.q)),
    time: event.T,
    isBuyerMaker: event.m,
  };
  if ("M" in event) row.isBestMatch = event.M;
  return row;
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** An aggTrade event as futures sends it; `timeMs` defaults to a fixed instant plus the id. */
export function aggTradeEvent(
  symbol: string,
  id: number,
  fields: { price?: string; qty?: string; timeMs?: number; buyerMaker?: boolean } = {},
): JsonObject {
  const timeMs = fields.timeMs ?? 1_765_000_000_000 + id;
  return {
    e: "aggTrade",
    E: timeMs + 1,
    s: symbol,
    a: id,
    p: fields.price ?? "100.5",
    q: fields.qty ?? "0.010",
    f: id * 3,
    l: id * 3 + 2,
    T: timeMs,
    m: fields.buyerMaker ?? false,
  };
}

/** The non-empty lines of a recorded NDJSON file; a name ending in `.gz` is decompressed first. */
export async function readNdjsonLines(path: string): Promise<string[]> {
  const file = await Deno.open(path);
  const stream = path.endsWith(".gz")
    ? file.readable.pipeThrough(new DecompressionStream("gzip"))
    : file.readable;
  const text = await new Response(stream).text();
  return text.split("\n").filter((line) => line.trim().length > 0);
}
