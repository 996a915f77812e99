/**
 * CSV downloads under `/export/`: trades, bars, pair analytics points and a backtest's equity curve
 * and trade list, streamed page by page
 * (a range is never held whole). Timestamps are ISO-8601 UTC; trade prices and quantities are the
 * stored decimals, exactly. Columns are listed in README ("CSV exports").
 *
 * Bad parameters answer 400 with a message naming the parameter; an unknown instrument 404.
 */
import { GraphQLError } from "graphql";
import { type Bar, bucketStart, isoFromMicros, TIMEFRAME_MICROS, type Trade } from "../domain.ts";
import type { ApiContext } from "./context.ts";
import { parseRange, shown, TIMEFRAME_ENUM } from "./arguments.ts";
import { badUserInput } from "./errors.ts";
import { knownInstrument } from "./schema/market.ts";
import { analysePair, resolvePairInput } from "./schema/pairs.ts";
import { backtestFor } from "./schema/backtest.ts";
import { backtestEquityCsvRows, backtestTradesCsvRows } from "./schema/backtest_csv.ts";

export interface ExportOptions {
  /** Widest range of one trades export, microseconds. Default 7 days. */
  maxTradeRangeUs?: number;
  /** Most buckets one bars export may span. Default 10,000,000 (116 days of 1s bars). */
  maxBarBuckets?: number;
  /** Rows read from the database per page. Default 10,000. */
  pageRows?: number;
}

const DAY_US = 86_400_000_000;
export const DEFAULT_MAX_TRADE_RANGE_US = 7 * DAY_US;
export const DEFAULT_MAX_BAR_BUCKETS = 10_000_000;

export const TRADE_COLUMNS = [
  "time",
  "venue",
  "symbol",
  "trade_id",
  "price",
  "qty",
  "buyer_maker",
  "received_at",
];
export const BAR_COLUMNS = [
  "time",
  "venue",
  "symbol",
  "timeframe",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "trades",
];
export const PAIR_COLUMNS = ["time", "y", "x", "hedge_ratio", "spread", "zscore", "correlation"];

/** Answers a request for `/export/...`. */
export async function handleExport(
  request: Request,
  context: ApiContext,
  options: ExportOptions = {},
): Promise<Response> {
  const url = new URL(request.url);
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Exports are downloaded with GET\n", {
      status: 405,
      headers: { allow: "GET" },
    });
  }
  try {
    switch (url.pathname) {
      case "/export/trades.csv":
        return await exportTrades(url.searchParams, context, options);
      case "/export/bars.csv":
        return await exportBars(url.searchParams, context, options);
      case "/export/pair.csv":
        return await exportPair(url.searchParams, context);
      case "/export/backtest-equity.csv":
        return await exportBacktest(url.searchParams, context, "equity");
      case "/export/backtest-trades.csv":
        return await exportBacktest(url.searchParams, context, "trades");
      default:
        return new Response(
          `No export at ${url.pathname}: there are /export/trades.csv, /export/bars.csv, ` +
            "/export/pair.csv, /export/backtest-equity.csv and /export/backtest-trades.csv\n",
          { status: 404 },
        );
    }
  } catch (error) {
    if (error instanceof GraphQLError) {
      const status = error.extensions.code === "NOT_FOUND" ? 404 : 400;
      return new Response(`${error.message}\n`, { status });
    }
    throw error;
  }
}

async function exportTrades(
  parameters: URLSearchParams,
  context: ApiContext,
  options: ExportOptions,
): Promise<Response> {
  const instrument = await knownInstrument(
    context,
    required(parameters, "symbol", "BTCUSDT"),
    parameters.get("venue"),
  );
  const range = parseRange(parameters.get("from"), parameters.get("to"));
  const fromUs = range.fromUs ?? instrument.firstTradeUs ?? 0;
  const toUs = range.toUs ?? (instrument.lastTradeUs ?? 0) + 1;
  const maxRange = options.maxTradeRangeUs ?? DEFAULT_MAX_TRADE_RANGE_US;
  if (toUs - fromUs > maxRange) {
    throw badUserInput(
      `from ${isoFromMicros(fromUs)} to ${isoFromMicros(toUs)} spans ` +
        `${
          ((toUs - fromUs) / DAY_US).toFixed(1)
        } days of trades; one trades export covers at most ` +
        `${maxRange / DAY_US} days: give a narrower from/to, or export bars`,
      range.fromUs === undefined ? "from" : "to",
    );
  }
  const pages = context.store.trades({
    venue: instrument.venue,
    symbol: instrument.symbol,
    fromUs,
    toUs,
    pageSize: options.pageRows,
  });
  return csvResponse(
    `trades-${instrument.venue}-${instrument.symbol}-${fileTime(fromUs)}-${fileTime(toUs)}.csv`,
    TRADE_COLUMNS,
    mapPages(pages, (trade: Trade) => [
      isoFromMicros(trade.timeUs),
      trade.venue,
      trade.symbol,
      String(trade.tradeId),
      trade.price,
      trade.qty,
      trade.buyerMaker === null ? "" : String(trade.buyerMaker),
      isoFromMicros(trade.receivedAtUs),
    ]),
  );
}

async function exportBars(
  parameters: URLSearchParams,
  context: ApiContext,
  options: ExportOptions,
): Promise<Response> {
  const timeframeName = required(parameters, "timeframe", "M1");
  const timeframe = TIMEFRAME_ENUM[timeframeName]?.value;
  if (!timeframe) {
    throw badUserInput(
      `timeframe "${timeframeName}" is not one of ${Object.keys(TIMEFRAME_ENUM).join(", ")}`,
      "timeframe",
    );
  }
  const instrument = await knownInstrument(
    context,
    required(parameters, "symbol", "BTCUSDT"),
    parameters.get("venue"),
  );
  const range = parseRange(parameters.get("from"), parameters.get("to"));
  const width = TIMEFRAME_MICROS[timeframe];
  // Without from: the bucket holding the first trade (a bar is in the range by its bucket start).
  const fromUs = range.fromUs ??
    (instrument.firstTradeUs === null ? null : bucketStart(instrument.firstTradeUs, timeframe));
  const toUs = range.toUs ?? (instrument.lastTradeUs === null ? null : instrument.lastTradeUs + 1);
  if (fromUs === null || toUs === null) {
    throw badUserInput(
      `${instrument.symbol} has imported bars but no trades to bound the range: give from and to`,
      fromUs === null ? "from" : "to",
    );
  }
  const maxBuckets = options.maxBarBuckets ?? DEFAULT_MAX_BAR_BUCKETS;
  if ((toUs - fromUs) / width > maxBuckets) {
    throw badUserInput(
      `from ${isoFromMicros(fromUs)} to ${isoFromMicros(toUs)} spans more than ${maxBuckets} ` +
        `${timeframe} bars, the most one export holds: narrow from/to or use a wider timeframe`,
      range.fromUs === undefined ? "from" : "to",
    );
  }
  // The store answers a window of buckets at a time; windows of `pageRows` buckets keep each page
  // at most that many bars.
  const windowUs = (options.pageRows ?? 10_000) * width;
  async function* pages(): AsyncIterable<Bar[]> {
    for (let start = fromUs!; start < toUs!; start += windowUs) {
      yield await context.store.bars({
        venue: instrument.venue,
        symbol: instrument.symbol,
        timeframe,
        fromUs: start,
        toUs: Math.min(start + windowUs, toUs!),
      });
    }
  }
  return csvResponse(
    `bars-${instrument.venue}-${instrument.symbol}-${timeframe}-${fileTime(fromUs)}-${
      fileTime(toUs)
    }.csv`,
    BAR_COLUMNS,
    mapPages(pages(), (bar: Bar) => [
      isoFromMicros(bar.timeUs),
      bar.venue,
      bar.symbol,
      timeframe,
      String(bar.open),
      String(bar.high),
      String(bar.low),
      String(bar.close),
      String(bar.volume),
      String(bar.trades),
    ]),
  );
}

/** PairInput from query parameters of the same names; messages name the parameter. */
async function pairInputOf(parameters: URLSearchParams, context: ApiContext) {
  const timeframe = required(parameters, "timeframe", "M1");
  if (!TIMEFRAME_ENUM[timeframe]) {
    throw badUserInput(
      `timeframe "${timeframe}" is not one of ${Object.keys(TIMEFRAME_ENUM).join(", ")}`,
      "timeframe",
    );
  }
  const input = {
    base: required(parameters, "base", "BTCUSDT"),
    quote: required(parameters, "quote", "ETHUSDT"),
    venue: parameters.get("venue"),
    timeframe: TIMEFRAME_ENUM[timeframe].value,
    from: parameters.get("from"),
    to: parameters.get("to"),
    priceTransform: oneOf(parameters, "priceTransform", ["LOG", "RAW"] as const),
    method: oneOf(
      parameters,
      "method",
      ["OLS", "HUBER", "THEIL_SEN", "ROLLING_OLS", "KALMAN"] as const,
    ),
    zWindow: numberParameter(parameters, "zWindow"),
    corrWindow: numberParameter(parameters, "corrWindow"),
    hedgeWindow: numberParameter(parameters, "hedgeWindow"),
    kalmanDelta: numberParameter(parameters, "kalmanDelta"),
    kalmanR: numberParameter(parameters, "kalmanR"),
  };
  // Checked here first so that a message names the query parameter (`base`, `quote`).
  await knownInstrument(context, input.base, input.venue, "base");
  await knownInstrument(context, input.quote, input.venue, "quote");
  return input;
}

async function exportPair(parameters: URLSearchParams, context: ApiContext): Promise<Response> {
  const request = await resolvePairInput(context, await pairInputOf(parameters, context));
  const result = await analysePair(context, request);
  const cell = (value: number | null) => value === null ? "" : String(value);
  async function* pages() {
    for (let start = 0; start < result.points.length; start += 10_000) {
      yield result.points.slice(start, start + 10_000);
    }
  }
  return csvResponse(
    `pair-${request.base.symbol}-${request.quote.symbol}-${request.timeframe}-` +
      `${request.options.method}.csv`,
    PAIR_COLUMNS,
    mapPages(pages(), (point) => [
      isoFromMicros(point.timeUs),
      String(point.y),
      String(point.x),
      cell(point.hedgeRatio),
      cell(point.spread),
      cell(point.zscore),
      cell(point.correlation),
    ]),
  );
}

/**
 * BacktestInput from query parameters: the PairInput fields, then entry, exit, stop (`stop=none`
 * turns the stop off), notional, feeBps, walkForward, walkForwardWindow, refitEvery.
 */
async function exportBacktest(
  parameters: URLSearchParams,
  context: ApiContext,
  part: "equity" | "trades",
): Promise<Response> {
  const pair = await pairInputOf(parameters, context);
  const stopText = parameters.get("stop");
  const integer = (name: string) => {
    const value = numberParameter(parameters, name);
    if (value !== undefined && !Number.isInteger(value)) {
      throw badUserInput(`${name} must be a whole number, got ${shown(value)}`, name);
    }
    return value;
  };
  const view = await backtestFor(context, {
    pair,
    entry: numberParameter(parameters, "entry"),
    exit: numberParameter(parameters, "exit"),
    stop: stopText === "none" ? null : numberParameter(parameters, "stop"),
    notional: numberParameter(parameters, "notional"),
    feeBps: numberParameter(parameters, "feeBps"),
    walkForward: oneOf(parameters, "walkForward", ["NONE", "ROLLING", "EXPANDING"] as const),
    walkForwardWindow: integer("walkForwardWindow"),
    refitEvery: integer("refitEvery"),
  });
  const [columns, ...rows] = part === "equity"
    ? backtestEquityCsvRows(view.result)
    : backtestTradesCsvRows(view.result);
  async function* pages() {
    for (let start = 0; start < rows.length; start += 10_000) {
      yield rows.slice(start, start + 10_000);
    }
  }
  return csvResponse(
    `backtest-${part}-${pair.base.toUpperCase()}-${pair.quote.toUpperCase()}-${pair.timeframe}.csv`,
    columns,
    mapPages(pages(), (row) => row),
  );
}

function required(parameters: URLSearchParams, name: string, example: string): string {
  const value = parameters.get(name)?.trim();
  if (!value) throw badUserInput(`${name} is required, e.g. ?${name}=${example}`, name);
  return value;
}

function oneOf<T extends string>(
  parameters: URLSearchParams,
  name: string,
  values: readonly T[],
): T | undefined {
  const value = parameters.get(name);
  if (value === null || value === "") return undefined;
  if (!values.includes(value as T)) {
    throw badUserInput(`${name} "${shown(value)}" is not one of ${values.join(", ")}`, name);
  }
  return value as T;
}

function numberParameter(parameters: URLSearchParams, name: string): number | undefined {
  const value = parameters.get(name);
  if (value === null || value === "") return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw badUserInput(`${name} "${shown(value)}" is not a number`, name);
  }
  return parsed;
}

/** `2025-12-16T16-44-00Z`: a time that is safe in a file name. */
function fileTime(timeUs: number): string {
  return new Date(Math.floor(timeUs / 1000)).toISOString().replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-");
}

async function* mapPages<T>(
  pages: AsyncIterable<T[]>,
  row: (item: T) => string[],
): AsyncIterable<string> {
  for await (const page of pages) {
    if (page.length === 0) continue;
    let text = "";
    for (const item of page) text += `${row(item).join(",")}\n`;
    yield text;
  }
}

/**
 * A `text/csv` download whose body reads the next page only when the client has taken the last
 * one (ReadableStream pull), so memory holds one page whatever the range. Every cell written here
 * is a number, a time, a boolean or a validated symbol or venue: none needs quoting.
 */
export function csvResponse(
  fileName: string,
  columns: readonly string[],
  chunks: AsyncIterable<string>,
): Response {
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  let headerSent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${columns.join(",")}\n`));
        return;
      }
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${fileName}"`,
      "cache-control": "no-store",
    },
  });
}
