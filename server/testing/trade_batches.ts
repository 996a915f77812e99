import type { Trade } from "../domain.ts";

/** `count` BTCUSDT futures trades with ids from `firstId`, a millisecond apart, for live streams. */
export function btcTrades(count: number, firstId: number): Trade[] {
  return Array.from({ length: count }, (_, i) => ({
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId: firstId + i,
    price: "60000.5",
    qty: "0.001",
    timeUs: 1_723_158_000_000_000 + (firstId + i) * 1000,
    receivedAtUs: 1_723_158_000_000_000 + (firstId + i) * 1000,
    buyerMaker: false,
  }));
}
