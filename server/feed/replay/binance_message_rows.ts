/**
 * Lines of recorded Binance WebSocket messages (NDJSON, raw or combined-stream wrapped) to trades.
 * Trade and aggTrade events become trades; every other message (book ticker, depth, kline, a
 * subscription answer, a REST depth snapshot) is ignored and says what it was.
 *
 * Spot trade:     `{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}`
 * Futures trade:  `{"e":"trade","E":1721347022956,"T":1721347022956,"s":"BTCUSDT","t":5182005737,"p":"63943.90","q":"0.003","X":"MARKET","m":true}`
 * Futures aggTrade: `{"e":"aggTrade","E":1618677448238,"a":52599685,"s":"YFIUSDT","p":"49966.7","q":"0.001","f":64902163,"l":64902163,"T":1618677448084,"m":false}`
 * Wrapped: `{"stream":"btcusdt@trade","data":{...}}`.
 *
 * The venue shows in the fields: spot events carry `M` (best match), futures events never do
 * (futures trade events carry `X` instead). The recorder's receipt time is not in these files, so
 * `receivedAtUs` is Binance's event time `E`, the closest recorded stand-in.
 */
import type { Venue } from "../../domain.ts";
import { FUTURES_VENUE, SPOT_VENUE } from "./binance_venues.ts";
import { epochMicros } from "./epoch_time.ts";
import { ignoredRecord, type LineParser, rejectRecord } from "./replay_record.ts";
import {
  booleanField,
  positiveDecimalField,
  safeIntegerField,
  shown,
  symbolField,
} from "./row_fields.ts";

export interface BinanceMessageContext {
  /** Overrides the venue read from the message fields. */
  venue?: Venue;
}

type JsonObject = Record<string, unknown>;

export function createBinanceMessageParser(context: BinanceMessageContext = {}): LineParser {
  return (line, text) => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return rejectRecord(line, `is not valid JSON: ${shown(text)}`);
    }
    if (!isObject(message)) return rejectRecord(line, `is not a JSON object: ${shown(text)}`);
    const wrapped = typeof message.stream === "string" && isObject(message.data);
    const event = wrapped ? message.data as JsonObject : message;
    const type = event.e;
    if (type !== "trade" && type !== "aggTrade") {
      return ignoredRecord(line, `${describe(message, event)} is not a trade`);
    }
    try {
      const aggregate = type === "aggTrade";
      const symbol = symbolField(event.s, "s (symbol)");
      const tradeId = aggregate
        ? safeIntegerField(event.a, "a (aggregate trade id)")
        : safeIntegerField(event.t, "t (trade id)");
      const price = positiveDecimalField(event.p, "p (price)");
      const qty = positiveDecimalField(event.q, "q (quantity)");
      // Futures publish "X":"NA" records (price and quantity 0) that are no trade.
      if (event.X === "NA") throw new RangeError(`X (execution type) is "NA": not a market trade`);
      const timeUs = epochMicros(numberOf(event.T, "T (trade time)"), "T (trade time)");
      const receivedAtUs = event.E === undefined
        ? timeUs
        : epochMicros(numberOf(event.E, "E (event time)"), "E (event time)");
      const buyerMaker = event.m === undefined ? null : booleanField(event.m, "m (buyer is maker)");
      const venue = context.venue ?? ("M" in event ? SPOT_VENUE : FUTURES_VENUE);
      return {
        kind: "trade",
        line,
        trade: { venue, symbol, tradeId, price, qty, timeUs, receivedAtUs, buyerMaker },
      };
    } catch (error) {
      if (error instanceof RangeError) return rejectRecord(line, error.message);
      throw error;
    }
  };
}

function numberOf(value: unknown, field: string): number {
  if (typeof value === "number") return value;
  if (value === undefined) throw new RangeError(`${field} is missing`);
  throw new RangeError(`${field} is not a number: ${shown(value)}`);
}

/** What a non-trade message is, in Binance's words: `depthUpdate`, `btcusdt@bookTicker`, ... */
function describe(message: JsonObject, event: JsonObject): string {
  if (typeof event.e === "string") return `a ${event.e} event`;
  if (typeof message.stream === "string") return `a ${message.stream} message`;
  if ("result" in message && "id" in message) return "an answer to a control request";
  if ("lastUpdateId" in event) return "a depth snapshot";
  return "a message without an event type";
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
