/**
 * Real Binance trades from the recorded WebSocket sessions in `../shared/data/binance-ws`, parsed
 * by the product's own message parser, optionally shifted in time so the newest lands at "now"
 * (the dashboard's live parts follow the present).
 */
import type { Trade } from "../../server/domain.ts";
import { parseBinanceMessage } from "../../server/feed/binance_messages.ts";

const RECORDINGS = "../shared/data/binance-ws";

export async function readRecordedTrades(
  file: string,
  options: { venue?: string } = {},
): Promise<Trade[]> {
  const venue = options.venue ?? "binance-futures";
  const bytes = await Deno.readFile(`${RECORDINGS}/${file}`);
  const text = await new Response(
    new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  const trades: Trade[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const parsed = parseBinanceMessage(line, { venue, receivedAtUs: 0 });
    if (parsed.kind === "trade") {
      trades.push({ ...parsed.trade, receivedAtUs: parsed.trade.timeUs });
    }
  }
  return trades;
}

/** The trades moved in time so that the newest ends `endUs`, spacing and order kept. */
export function shiftTrades(trades: Trade[], endUs: number): Trade[] {
  const newest = Math.max(...trades.map((trade) => trade.timeUs));
  const offset = endUs - newest;
  return trades.map((trade) => ({
    ...trade,
    timeUs: trade.timeUs + offset,
    receivedAtUs: trade.receivedAtUs + offset,
  }));
}
