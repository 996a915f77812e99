/**
 * Reads the recorded WebSocket files of `../shared/data/binance-ws` with nothing but JSON.parse, as
 * an independent yardstick for the product's own parsers: every `trade` or `aggTrade` event becomes a
 * `Trade` of the given venue, in file order.
 */
import type { Trade } from "../domain.ts";

export const RECORDED_FILES = {
  spot: "../shared/data/binance-ws/spot-btcusdt-ethusdt-2024-08-08.ndjson.gz",
  futures0718: "../shared/data/binance-ws/usdm-btcusdt-ethusdt-2024-07-18.ndjson.gz",
  futures0808: "../shared/data/binance-ws/usdm-btcusdt-ethusdt-2024-08-08.ndjson.gz",
} as const;

export async function recordedMessages(path: string): Promise<string[]> {
  const file = await Deno.open(path);
  const text = await new Response(
    file.readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  return text.split("\n").filter((line) => line.trim() !== "");
}

export async function recordedTrades(path: string, venue: string): Promise<Trade[]> {
  const trades: Trade[] = [];
  for (const line of await recordedMessages(path)) {
    const message = JSON.parse(line);
    const event = message.data ?? message;
    if (event.e !== "trade" && event.e !== "aggTrade") continue;
    trades.push({
      venue,
      symbol: event.s,
      tradeId: event.e === "trade" ? event.t : event.a,
      price: event.p,
      qty: event.q,
      timeUs: event.T * 1000,
      receivedAtUs: event.E * 1000,
      buyerMaker: event.m,
    });
  }
  return trades;
}
