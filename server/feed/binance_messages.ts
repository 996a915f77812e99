/**
 * Turns Binance trade payloads (WebSocket messages and REST rows) into the shared `Trade`, or says
 * plainly why a payload is not a trade we can store.
 *
 * Each parser below shows the raw payload it handles. Prices and quantities stay the decimal strings
 * Binance sends; trade time `T` (milliseconds) becomes integer microseconds.
 */
import type { Trade, Venue } from "../domain.ts";

/** Which Binance trade stream a feed follows: aggregate trades (`a` ids) or single trades (`t` ids). */
export type BinanceTradeStream = "aggTrade" | "trade";

/** What one WebSocket message turned out to be. */
export type ParsedBinanceMessage =
  | { kind: "trade"; trade: Trade }
  /**
   * Not storable. `symbol` and `tradeId` are given when the payload still names them. `settled` is
   * true for a well-formed record that is no trade (a zero-price `"X":"NA"` record): its id holds
   * nothing to store, so the sequence moves past it without calling it a gap. A damaged payload is
   * not settled: the exchange's REST history is asked for that id instead of trusting it.
   */
  | {
    kind: "rejected";
    reason: string;
    symbol: string | null;
    tradeId: number | null;
    settled: boolean;
  }
  /** A message that is not a trade (book ticker, depth, kline, a SUBSCRIBE answer): skip silently. */
  | { kind: "ignored"; reason: string }
  /** Spot's `{"e":"serverShutdown","E":...}`: the server will close this connection soon. */
  | { kind: "serverShutdown" };

/** What one REST trade row turned out to be: a trade or a rejection (REST rows always carry an id). */
export type ParsedRestTrade =
  | { kind: "trade"; trade: Trade }
  | { kind: "rejected"; reason: string; symbol: string; tradeId: number };

export interface ParseContext {
  venue: Venue;
  /** When this process received the payload, integer microseconds since the epoch. */
  receivedAtUs: number;
}

type JsonObject = Record<string, unknown>;

/** One message as read from the WebSocket, raw (`/ws/...`) or combined-stream wrapped (`/stream?...`). */
export function parseBinanceMessage(text: string, context: ParseContext): ParsedBinanceMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return rejectedMessage(`message is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (!isObject(message)) {
    return rejectedMessage(`message is not a JSON object: ${text.slice(0, 80)}`);
  }
  // {"result":null,"id":1} answers SUBSCRIBE/UNSUBSCRIBE; LIST_SUBSCRIPTIONS answers with a list.
  if ("result" in message && "id" in message) {
    return { kind: "ignored", reason: "answer to a control request" };
  }
  // {"stream":"btcusdt@aggTrade","data":{...}}: the combined-stream wrapper around one event.
  const event = "stream" in message && isObject(message.data) ? message.data : message;
  const eventType = event.e;
  if (eventType === "aggTrade") return parseAggTradeEvent(event, context);
  if (eventType === "trade") return parseTradeEvent(event, context);
  if (eventType === "serverShutdown") return { kind: "serverShutdown" };
  const name = typeof message.stream === "string"
    ? message.stream
    : typeof eventType === "string"
    ? eventType
    : "untyped message";
  return { kind: "ignored", reason: `${name} is not a trade event` };
}

/**
 * Futures:
 * `{"e":"aggTrade","E":1618677448238,"a":52599685,"s":"YFIUSDT","p":"49966.7","q":"0.001","f":64902163,"l":64902163,"T":1618677448084,"m":false}`
 * Spot adds `"M":true` (best price match); newer futures events add `"nq"` and `"st"`.
 */
function parseAggTradeEvent(event: JsonObject, context: ParseContext): ParsedBinanceMessage {
  return fromFields(
    {
      symbol: event.s,
      tradeId: event.a,
      price: event.p,
      qty: event.q,
      timeMs: event.T,
      buyerMaker: event.m,
    },
    {
      idField: "a",
      symbolField: "s",
      priceField: "p",
      qtyField: "q",
      timeField: "T",
      makerField: "m",
    },
    context,
  );
}

/**
 * Spot:
 * `{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}`
 * Futures add the execution type: `{"e":"trade","E":1721347022956,"T":1721347022956,"s":"BTCUSDT","t":5182005737,"p":"63943.90","q":"0.003","X":"MARKET","m":true}`.
 * Futures also emit `"X":"NA"` records with price and quantity 0: they keep their id but are no trade.
 */
function parseTradeEvent(event: JsonObject, context: ParseContext): ParsedBinanceMessage {
  const fields = {
    symbol: event.s,
    tradeId: event.t,
    price: event.p,
    qty: event.q,
    timeMs: event.T,
    buyerMaker: event.m,
  };
  const names = {
    idField: "t",
    symbolField: "s",
    priceField: "p",
    qtyField: "q",
    timeField: "T",
    makerField: "m",
  };
  if (event.X === "NA") {
    return {
      kind: "rejected",
      reason: `trade ${String(event.t)} is an "X":"NA" record (price ${
        String(event.p)
      }), not a trade`,
      symbol: typeof event.s === "string" ? event.s.toUpperCase() : null,
      tradeId: isTradeId(event.t) ? event.t : null,
      settled: true,
    };
  }
  return fromFields(fields, names, context);
}

/**
 * One row of `GET /fapi/v1/aggTrades` or `/api/v3/aggTrades`:
 * `{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true}`
 * or of `GET /fapi/v1/historicalTrades` / `/api/v3/historicalTrades`:
 * `{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","time":1499865549590,"isBuyerMaker":true,"isBestMatch":true}`.
 */
export function parseBinanceRestTrade(
  row: unknown,
  request: ParseContext & { symbol: string; stream: BinanceTradeStream },
): ParsedRestTrade {
  const where = `REST ${request.stream} row for ${request.symbol}`;
  if (!isObject(row)) {
    throw new TypeError(`Cannot parse ${where}: expected an object, got ${JSON.stringify(row)}`);
  }
  const aggregate = request.stream === "aggTrade";
  const fields = aggregate
    ? {
      symbol: request.symbol,
      tradeId: row.a,
      price: row.p,
      qty: row.q,
      timeMs: row.T,
      buyerMaker: row.m,
    }
    : {
      symbol: request.symbol,
      tradeId: row.id,
      price: row.price,
      qty: row.qty,
      timeMs: row.time,
      buyerMaker: row.isBuyerMaker,
    };
  const names = aggregate
    ? {
      idField: "a",
      symbolField: "symbol",
      priceField: "p",
      qtyField: "q",
      timeField: "T",
      makerField: "m",
    }
    : {
      idField: "id",
      symbolField: "symbol",
      priceField: "price",
      qtyField: "qty",
      timeField: "time",
      makerField: "isBuyerMaker",
    };
  const parsed = fromFields(fields, names, request);
  if (parsed.kind === "trade") return parsed;
  if (parsed.kind === "rejected" && parsed.tradeId !== null) {
    return {
      kind: "rejected",
      reason: parsed.reason,
      symbol: request.symbol,
      tradeId: parsed.tradeId,
    };
  }
  const reason = parsed.kind === "rejected" ? parsed.reason : "not a trade";
  throw new TypeError(`Cannot parse ${where}: ${reason}: ${JSON.stringify(row).slice(0, 200)}`);
}

interface RawTradeFields {
  symbol: unknown;
  tradeId: unknown;
  price: unknown;
  qty: unknown;
  timeMs: unknown;
  buyerMaker: unknown;
}

interface FieldNames {
  idField: string;
  symbolField: string;
  priceField: string;
  qtyField: string;
  timeField: string;
  makerField: string;
}

function fromFields(
  fields: RawTradeFields,
  names: FieldNames,
  context: ParseContext,
): { kind: "trade"; trade: Trade } | {
  kind: "rejected";
  reason: string;
  symbol: string | null;
  tradeId: number | null;
  settled: false;
} {
  const symbol = typeof fields.symbol === "string" && fields.symbol.length > 0
    ? fields.symbol.toUpperCase()
    : null;
  const tradeId = isTradeId(fields.tradeId) ? fields.tradeId : null;
  const reject = (problem: string) => ({
    kind: "rejected" as const,
    reason: `trade ${tradeId ?? "without id"}${symbol ? ` of ${symbol}` : ""}: ${problem}`,
    symbol,
    tradeId,
    settled: false as const,
  });
  if (symbol === null) return reject(`"${names.symbolField}" (symbol) is missing`);
  if (tradeId === null) {
    return reject(
      `"${names.idField}" (trade id) is missing or not a non-negative integer: ${
        JSON.stringify(fields.tradeId)
      }`,
    );
  }
  const priceProblem = positiveDecimalProblem(fields.price);
  if (priceProblem) return reject(`"${names.priceField}" (price) ${priceProblem}`);
  const qtyProblem = positiveDecimalProblem(fields.qty);
  if (qtyProblem) return reject(`"${names.qtyField}" (quantity) ${qtyProblem}`);
  if (
    typeof fields.timeMs !== "number" || !Number.isSafeInteger(fields.timeMs) ||
    fields.timeMs <= 0 || fields.timeMs > MAX_TIME_MS
  ) {
    return reject(
      `"${names.timeField}" (trade time) is not a positive integer of milliseconds up to ${MAX_TIME_MS} (year 2255): ${
        JSON.stringify(fields.timeMs)
      }`,
    );
  }
  if (fields.buyerMaker !== undefined && typeof fields.buyerMaker !== "boolean") {
    return reject(
      `"${names.makerField}" (buyer is maker) is not a boolean: ${
        JSON.stringify(fields.buyerMaker)
      }`,
    );
  }
  return {
    kind: "trade",
    trade: {
      venue: context.venue,
      symbol,
      tradeId,
      price: fields.price as string,
      qty: fields.qty as string,
      timeUs: fields.timeMs * 1000,
      receivedAtUs: context.receivedAtUs,
      buyerMaker: fields.buyerMaker ?? null,
    },
  };
}

/** Times are kept as integer microseconds: the latest millisecond whose microseconds stay exact. */
const MAX_TIME_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** Null when `value` is a decimal string above zero, otherwise what is wrong with it. */
function positiveDecimalProblem(value: unknown): string | null {
  if (value === undefined) return "is missing";
  if (typeof value !== "string") return `is not a decimal string: ${JSON.stringify(value)}`;
  if (!DECIMAL.test(value)) return `is not a decimal number: ${JSON.stringify(value)}`;
  if (!/[1-9]/.test(value)) return `is zero: ${JSON.stringify(value)}`;
  return null;
}

function isTradeId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rejectedMessage(reason: string): ParsedBinanceMessage {
  return { kind: "rejected", reason, symbol: null, tradeId: null, settled: false };
}
