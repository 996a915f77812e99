import type { Trade } from "../domain.ts";

/** One BTCUSDT futures trade, received when it was made. */
export function btcTrade(tradeId: number, timeUs: number, price: string, qty: string): Trade {
  return {
    venue: "binance-futures",
    symbol: "BTCUSDT",
    tradeId,
    price,
    qty,
    timeUs,
    receivedAtUs: timeUs,
    buyerMaker: tradeId % 2 === 0,
  };
}

/** `count` BTCUSDT futures trades with ids from `firstId`, a millisecond apart, for live streams. */
export function btcTrades(count: number, firstId: number): Trade[] {
  return Array.from({ length: count }, (_, i) => ({
    ...btcTrade(firstId + i, 1_723_158_000_000_000 + (firstId + i) * 1000, "60000.5", "0.001"),
    buyerMaker: false,
  }));
}
