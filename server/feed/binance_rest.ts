/**
 * Reads trade history from Binance REST by id, for backfill, while respecting Binance's limits:
 * 429 waits for `Retry-After`, 418 (banned) waits longer, `X-MBX-USED-WEIGHT-1M` close to the limit
 * waits for the next minute, and 451 is reported as the regional refusal it is.
 */
import { type BackoffOptions, createBackoff } from "./backoff.ts";
import { abortableDelay } from "./delay.ts";
import {
  type BinanceTradeStream,
  parseBinanceRestTrade,
  type ParsedRestTrade,
} from "./binance_messages.ts";
import {
  BINANCE_DEFAULT_URLS,
  BINANCE_VENUES,
  type BinanceMarket,
  REST_WEIGHT_LIMIT_PER_MINUTE,
  tradeHistoryUrl,
} from "./binance_routes.ts";

export interface BinanceRestOptions {
  /** Scheme, host and port. Default: the market's production URL. */
  restBaseUrl?: string;
  /** Which history to read. Default "aggTrade". */
  stream?: BinanceTradeStream;
  /** Venue written into the trades. Default: the market's venue name. */
  venue?: string;
  /** Rows per request, at most 1000. Default 1000. */
  pageSize?: number;
  /** Longest wait (for `Retry-After`, a ban or the weight limit) before a request gives up instead. Default 60,000 ms. */
  maxWaitMs?: number;
  /** Wait after HTTP 418 when Binance gives no `Retry-After`. Default 120,000 ms. */
  banWaitMs?: number;
  /** Request weight per minute that Binance allows; at 90 % of it requests wait for the next minute. Default per market (BINANCE.md). */
  weightLimitPerMinute?: number;
  /** Attempts per request on network errors and HTTP 5xx. Default 5. */
  maxAttempts?: number;
  /** Delays between those attempts. Default: 500 ms doubling to 10 s. */
  retryBackoff?: BackoffOptions;
  /** Requests in flight at once, across symbols. Default 2. */
  maxConcurrent?: number;
  /** Sent as `X-MBX-APIKEY`; Binance requires a key for futures `historicalTrades`. Default none. */
  apiKey?: string;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Aborting ends waits and requests in flight. */
  signal?: AbortSignal;
  /** Each refusal, rate limit or failure, in words, as it happens. */
  onError?: (message: string) => void;
}

export interface BinanceRestStatus {
  /** The latest `X-MBX-USED-WEIGHT-1M` reported by Binance. */
  usedWeight1m: number | null;
  /** The latest refusal or failure, in words. */
  lastError: string | null;
  /** While rate-limited or banned: when requests may resume, milliseconds since the epoch. */
  blockedUntilMs: number | null;
}

export interface BinanceRest {
  readonly pageSize: number;
  /**
   * Up to `pageSize` trades of `symbol` with ids from `fromId` on, in id order. Fewer rows than asked
   * means the history ends there; a first id above `fromId` means the ids before it are not served.
   * Throws an `Error` that says why when Binance refuses or the wait would exceed `maxWaitMs`.
   */
  fetchTradesFrom(symbol: string, fromId: number): Promise<ParsedRestTrade[]>;
  status(): BinanceRestStatus;
}

export function createBinanceRest(
  market: BinanceMarket,
  options: BinanceRestOptions = {},
): BinanceRest {
  const restBaseUrl = options.restBaseUrl ?? BINANCE_DEFAULT_URLS[market].rest;
  const stream = options.stream ?? "aggTrade";
  const venue = options.venue ?? BINANCE_VENUES[market];
  const pageSize = options.pageSize ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const banWaitMs = options.banWaitMs ?? 120_000;
  const weightLimit = options.weightLimitPerMinute ?? REST_WEIGHT_LIMIT_PER_MINUTE[market];
  const maxAttempts = options.maxAttempts ?? 5;
  const maxConcurrent = options.maxConcurrent ?? 2;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const signal = options.signal;
  if (!(pageSize >= 1 && pageSize <= 1000)) {
    throw new RangeError(`REST pageSize must be 1..1000, got ${pageSize}`);
  }

  const status: BinanceRestStatus = { usedWeight1m: null, lastError: null, blockedUntilMs: null };
  function reportError(message: string): string {
    status.lastError = message;
    options.onError?.(message);
    return message;
  }
  let blockReason = "";
  let inFlight = 0;
  const queue: (() => void)[] = [];

  async function takeSlot(): Promise<void> {
    if (inFlight < maxConcurrent) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => queue.push(resolve));
  }

  function releaseSlot(): void {
    const next = queue.shift();
    if (next) next();
    else inFlight--;
  }

  function blockUntil(untilMs: number, reason: string): void {
    if (status.blockedUntilMs === null || untilMs > status.blockedUntilMs) {
      status.blockedUntilMs = untilMs;
      blockReason = reason;
    }
  }

  /** Waits out a rate limit or ban, or throws when it lasts longer than `maxWaitMs`. */
  async function waitUntilAllowed(): Promise<void> {
    while (status.blockedUntilMs !== null) {
      const remaining = status.blockedUntilMs - now();
      if (remaining <= 0) {
        status.blockedUntilMs = null;
        return;
      }
      if (remaining > maxWaitMs) {
        throw new Error(
          `${blockReason}; REST requests are paused for another ${Math.ceil(remaining / 1000)} s`,
        );
      }
      await abortableDelay(remaining, signal);
      throwIfStopped();
    }
  }

  function throwIfStopped(): void {
    if (signal?.aborted) throw new Error("Binance REST client stopped");
  }

  function noteWeight(response: Response): void {
    const header = response.headers.get("X-MBX-USED-WEIGHT-1M");
    if (header === null) return;
    const used = Number(header);
    if (!Number.isFinite(used)) return;
    status.usedWeight1m = used;
    if (used >= 0.9 * weightLimit) {
      // The weight window is the calendar minute: wait for the next one before asking again.
      const nextMinute = Math.ceil((now() + 1) / 60_000) * 60_000;
      blockUntil(nextMinute, `request weight ${used} of ${weightLimit} per minute used`);
    }
  }

  function retryAfterMs(response: Response, fallbackMs: number): number {
    const seconds = Number(response.headers.get("Retry-After"));
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
  }

  async function requestOnce(
    url: string,
    symbol: string,
    fromId: number,
  ): Promise<ParsedRestTrade[] | null> {
    await waitUntilAllowed();
    throwIfStopped();
    const headers: Record<string, string> = options.apiKey
      ? { "X-MBX-APIKEY": options.apiKey }
      : {};
    const response = await fetchImpl(url, { headers, signal });
    noteWeight(response);
    if (response.ok) {
      const rows: unknown = await response.json();
      if (!Array.isArray(rows)) {
        throw new TypeError(
          `Binance REST ${url} answered with ${
            JSON.stringify(rows).slice(0, 200)
          }, not a list of trades`,
        );
      }
      const receivedAtUs = Math.round(now() * 1000);
      const parsed = rows.map((row) =>
        parseBinanceRestTrade(row, { venue, receivedAtUs, symbol, stream })
      );
      return parsed.filter((row) =>
        (row.kind === "trade" ? row.trade.tradeId : row.tradeId) >= fromId
      );
    }
    const body = await response.text();
    const message = binanceMessage(body);
    if (response.status === 429) {
      const waitMs = retryAfterMs(response, 1000);
      reportError(`HTTP 429: Binance rate limit reached; waiting ${waitMs / 1000} s (Retry-After)`);
      blockUntil(now() + waitMs, "HTTP 429: Binance rate limit reached");
      return null;
    }
    if (response.status === 418) {
      const waitMs = retryAfterMs(response, banWaitMs);
      reportError(
        `HTTP 418: Binance has banned this IP for ${waitMs / 1000} s after too many requests`,
      );
      blockUntil(now() + waitMs, `HTTP 418: Binance has banned this IP for ${waitMs / 1000} s`);
      return null;
    }
    if (response.status === 451) {
      throw new Error(reportError(`HTTP 451: Binance refuses service to this region${message}`));
    }
    if (response.status === 403) {
      throw new Error(reportError(`HTTP 403: Binance's firewall refused the request${message}`));
    }
    const failure = reportError(`HTTP ${response.status} from Binance REST ${url}${message}`);
    if (response.status >= 500) return null;
    throw new Error(failure);
  }

  return {
    pageSize,
    async fetchTradesFrom(symbol, fromId) {
      const url = tradeHistoryUrl(market, { restBaseUrl, stream, symbol, fromId, limit: pageSize });
      const backoff = createBackoff({ initialMs: 500, maxMs: 10_000, ...options.retryBackoff });
      await takeSlot();
      try {
        for (let attempt = 1;; attempt++) {
          throwIfStopped();
          let page: ParsedRestTrade[] | null;
          try {
            page = await requestOnce(url, symbol, fromId);
          } catch (error) {
            if (!(error instanceof TypeError) || signal?.aborted) throw error;
            // fetch rejects with TypeError when the network fails: worth another attempt.
            reportError(`Binance REST ${url} unreachable: ${error.message}`);
            page = null;
          }
          if (page !== null) return page;
          if (attempt >= maxAttempts) {
            throw new Error(
              `Binance REST gave no trades for ${symbol} from id ${fromId} after ${attempt} attempts: ${status.lastError}`,
            );
          }
          if (status.blockedUntilMs === null) await abortableDelay(backoff.next(), signal);
        }
      } finally {
        releaseSlot();
      }
    },
    status: () => ({ ...status }),
  };
}

/** Binance error bodies look like `{"code":-1003,"msg":"Too many requests"}`. */
function binanceMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { msg?: unknown };
    if (typeof parsed.msg === "string") return `: ${parsed.msg}`;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const text = body.trim().slice(0, 200);
  return text ? `: ${text}` : "";
}
