/**
 * Bars computed straight from a list of trades, independently of the database: the yardstick the
 * store, the continuous aggregates and the live bar builder are compared with. Quantities are summed
 * exactly as decimals (scaled BigInt), so the only rounding is the final conversion to a number.
 */
import { type Bar, bucketStart, instrumentKey, type Timeframe, type Trade } from "../domain.ts";

export function referenceBars(trades: readonly Trade[], timeframe: Timeframe): Bar[] {
  const unique = new Map<string, Trade>();
  for (const trade of trades) {
    const key = `${instrumentKey(trade.venue, trade.symbol)}:${trade.tradeId}`;
    if (!unique.has(key)) unique.set(key, trade);
  }
  const ordered = [...unique.values()].sort((a, b) =>
    a.venue.localeCompare(b.venue) || a.symbol.localeCompare(b.symbol) || a.timeUs - b.timeUs ||
    a.tradeId - b.tradeId
  );
  const bars: Bar[] = [];
  let current: (Bar & { exactVolume: Decimal }) | null = null;
  for (const trade of ordered) {
    const bucket = bucketStart(trade.timeUs, timeframe);
    const price = Number(trade.price);
    if (
      current === null || current.venue !== trade.venue || current.symbol !== trade.symbol ||
      current.timeUs !== bucket
    ) {
      if (current !== null) bars.push(finish(current));
      current = {
        venue: trade.venue,
        symbol: trade.symbol,
        timeUs: bucket,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 0,
        trades: 0,
        exactVolume: decimal("0"),
      };
    }
    current.high = Math.max(current.high, price);
    current.low = Math.min(current.low, price);
    current.close = price;
    current.trades += 1;
    current.exactVolume = addDecimal(current.exactVolume, decimal(trade.qty));
  }
  if (current !== null) bars.push(finish(current));
  return bars;
}

function finish(bar: Bar & { exactVolume: Decimal }): Bar {
  const { exactVolume, ...rest } = bar;
  return { ...rest, volume: Number(decimalToString(exactVolume)) };
}

interface Decimal {
  units: bigint;
  scale: number;
}

function decimal(text: string): Decimal {
  const [whole, fraction = ""] = text.split(".");
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  const widen = (d: Decimal) => d.units * 10n ** BigInt(scale - d.scale);
  return { units: widen(a) + widen(b), scale };
}

function decimalToString(d: Decimal): string {
  const digits = d.units.toString().padStart(d.scale + 1, "0");
  return d.scale === 0 ? digits : `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}`;
}
