/**
 * One WebSocket connection to a group of Binance streams, kept alive: reconnection with capped,
 * jittered exponential backoff (reset once trades flow again), a watchdog that replaces a socket on
 * which no trade arrived for `watchdogMs`, and a planned, overlapping replacement before Binance's
 * 24-hour limit (open the new socket, switch when it delivers a trade, then close the old one).
 *
 * Pings need no code here: Deno's WebSocket client answers protocol pings itself (shown by
 * `server/testing/binance_standin_test.ts` and the feed tests against a pinging stand-in).
 */
import { type BackoffOptions, createBackoff } from "./backoff.ts";
import type { StreamState } from "./feed.ts";
import { nowMicros } from "./clock.ts";

export interface StreamConnectionOptions {
  /** Every text message with its receipt time (microseconds); returns true when it carried a trade. */
  onMessage(text: string, receivedAtUs: number): boolean;
  /** A socket opened to replace a lost one (not the first, not a planned replacement): time to backfill. */
  onReconnected?(): void;
  /** Each connection problem, in words. */
  onError?(message: string): void;
  /** Replace the socket when no trade arrived for this long. Default 60,000 ms. */
  watchdogMs?: number;
  /** Replace the socket (overlapping) when it is this old; Binance closes at 24 h. Default 23 h. */
  maxConnectionAgeMs?: number;
  /** How long the replacement may stay without a trade before the switch happens anyway. Default `watchdogMs`. */
  rotationOverlapMs?: number;
  /** Delays between reconnection attempts. Default: 500 ms doubling to 30 s, half jitter. */
  backoff?: BackoffOptions;
  /** Consecutive failed connections after which the state reads "down" (still retrying). Default 3. */
  downAfterFailures?: number;
  /** Receipt clock, microseconds since the epoch. */
  nowUs?: () => number;
}

export interface StreamConnection {
  readonly url: string;
  /** "connecting" until the first trade proves the route, then "live"; "reconnecting"/"down" after failures. */
  readonly state: StreamState;
  /** True while a socket is open. */
  readonly connected: boolean;
  /** Sockets lost and replaced. */
  readonly reconnects: number;
  /** Planned replacements completed. */
  readonly rotations: number;
  readonly lastError: string | null;
  start(): void;
  /** Starts a planned, overlapping replacement now (e.g. after a `serverShutdown` notice). */
  rotate(): void;
  /** Closes every socket and timer; resolves when all sockets are closed. */
  stop(): Promise<void>;
}

interface SocketHandle {
  socket: WebSocket;
  opened: boolean;
  sawTrade: boolean;
  lastTradeAtMs: number;
  /** Closed on purpose (replaced or stopped): its close is no failure. */
  retired: boolean;
  error: string | null;
  closed: Promise<void>;
}

export function createStreamConnection(
  url: string,
  options: StreamConnectionOptions,
): StreamConnection {
  const watchdogMs = options.watchdogMs ?? 60_000;
  const maxAgeMs = options.maxConnectionAgeMs ?? 23 * 3600_000;
  const rotationOverlapMs = options.rotationOverlapMs ?? watchdogMs;
  const downAfterFailures = options.downAfterFailures ?? 3;
  const nowUs = options.nowUs ?? nowMicros;
  const backoff = createBackoff(options.backoff);
  const sockets = new Set<SocketHandle>();
  let current: SocketHandle | null = null;
  let replacement: SocketHandle | null = null;
  let state: StreamState = "connecting";
  let failures = 0;
  let reconnects = 0;
  let rotations = 0;
  let lastError: string | null = null;
  let everOpened = false;
  let started = false;
  let stopped = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdogTimer: ReturnType<typeof setTimeout> | undefined;
  let ageTimer: ReturnType<typeof setTimeout> | undefined;
  let overlapTimer: ReturnType<typeof setTimeout> | undefined;

  function reportError(message: string): void {
    lastError = message;
    options.onError?.(message);
  }

  function openSocket(): SocketHandle {
    const socket = new WebSocket(url);
    let markClosed = () => {};
    const handle: SocketHandle = {
      socket,
      opened: false,
      sawTrade: false,
      lastTradeAtMs: Date.now(),
      retired: false,
      error: null,
      closed: new Promise((resolve) => markClosed = resolve),
    };
    sockets.add(handle);
    socket.onopen = () => {
      handle.opened = true;
      if (handle !== current) return;
      armAgeTimer();
      if (everOpened) options.onReconnected?.();
      everOpened = true;
    };
    socket.onmessage = (event) => {
      if (stopped || typeof event.data !== "string") return;
      if (!options.onMessage(event.data, nowUs())) return;
      handle.lastTradeAtMs = Date.now();
      if (!handle.sawTrade) {
        handle.sawTrade = true;
        if (handle === current) markLive();
      }
      if (handle === replacement) switchToReplacement();
    };
    socket.onerror = (event) => {
      handle.error = event instanceof ErrorEvent ? event.message : "WebSocket error";
    };
    socket.onclose = (event) => {
      sockets.delete(handle);
      markClosed();
      if (handle.retired || stopped) return;
      if (handle === replacement) {
        replacement = null;
        clearTimeout(overlapTimer);
        reportError(
          `planned replacement of ${url} failed: ${describeClose(handle, event)}; retrying`,
        );
        ageTimer = setTimeout(beginRotation, backoff.next());
        return;
      }
      if (handle === current) connectionLost(describeClose(handle, event));
    };
    return handle;
  }

  function describeClose(handle: SocketHandle, event: CloseEvent): string {
    const status = handle.error?.match(/status code:? (\d{3})/i)?.[1];
    if (status === "451") {
      return `HTTP 451: Binance refuses connections from this region (Unavailable For Legal Reasons) at ${url}`;
    }
    if (status) return `HTTP ${status}: WebSocket connection to ${url} refused`;
    if (!handle.opened) return `cannot connect to ${url}: ${handle.error ?? "connection failed"}`;
    const reason = event.reason ? `: ${event.reason}` : "";
    return `connection to ${url} closed by the server (code ${event.code}${reason})`;
  }

  function markLive(): void {
    state = "live";
    failures = 0;
    backoff.reset();
  }

  function retire(handle: SocketHandle | null): void {
    if (!handle) return;
    handle.retired = true;
    const readyState = handle.socket.readyState;
    if (readyState === WebSocket.OPEN || readyState === WebSocket.CONNECTING) {
      handle.socket.close(1000, "replaced");
    }
  }

  function connect(): void {
    reconnectTimer = undefined;
    if (stopped) return;
    current = openSocket();
    armWatchdog();
  }

  function armWatchdog(): void {
    clearTimeout(watchdogTimer);
    if (!current) return;
    const remaining = current.lastTradeAtMs + watchdogMs - Date.now();
    watchdogTimer = setTimeout(checkWatchdog, Math.max(0, remaining));
  }

  function checkWatchdog(): void {
    watchdogTimer = undefined;
    if (stopped || !current) return;
    if (Date.now() - current.lastTradeAtMs < watchdogMs) {
      armWatchdog();
      return;
    }
    connectionLost(
      `no trade for ${watchdogMs / 1000} s on ${url}; replacing the socket ` +
        `(a stream on the wrong route is acknowledged by Binance and then stays silent)`,
    );
  }

  function armAgeTimer(): void {
    clearTimeout(ageTimer);
    ageTimer = setTimeout(beginRotation, maxAgeMs);
  }

  function beginRotation(): void {
    ageTimer = undefined;
    if (stopped || replacement || !current) return;
    replacement = openSocket();
    clearTimeout(overlapTimer);
    overlapTimer = setTimeout(() => {
      overlapTimer = undefined;
      if (!replacement) return;
      if (replacement.opened) {
        switchToReplacement();
        return;
      }
      retire(replacement);
      replacement = null;
      ageTimer = setTimeout(beginRotation, backoff.next());
    }, rotationOverlapMs);
  }

  function switchToReplacement(): void {
    if (!replacement) return;
    clearTimeout(overlapTimer);
    overlapTimer = undefined;
    const old = current;
    current = replacement;
    replacement = null;
    retire(old);
    rotations++;
    if (current.sawTrade) markLive();
    armWatchdog();
    armAgeTimer();
  }

  function connectionLost(reason: string): void {
    if (stopped) return;
    retire(current);
    current = null;
    retire(replacement);
    replacement = null;
    clearTimeout(watchdogTimer);
    clearTimeout(ageTimer);
    clearTimeout(overlapTimer);
    failures++;
    reconnects++;
    state = failures >= downAfterFailures ? "down" : "reconnecting";
    const delayMs = backoff.next();
    reportError(`${reason}; reconnecting in ${(delayMs / 1000).toFixed(1)} s`);
    reconnectTimer = setTimeout(connect, delayMs);
  }

  return {
    url,
    get state() {
      return state;
    },
    get connected() {
      return current?.opened === true && current.socket.readyState === WebSocket.OPEN;
    },
    get reconnects() {
      return reconnects;
    },
    get rotations() {
      return rotations;
    },
    get lastError() {
      return lastError;
    },
    start() {
      if (started) return;
      started = true;
      connect();
    },
    rotate() {
      clearTimeout(ageTimer);
      beginRotation();
    },
    async stop() {
      stopped = true;
      state = "stopped";
      for (const timer of [reconnectTimer, watchdogTimer, ageTimer, overlapTimer]) {
        clearTimeout(timer);
      }
      const closing = [...sockets].map((handle) => handle.closed);
      for (const handle of sockets) retire(handle);
      await Promise.all(closing);
    },
  };
}
