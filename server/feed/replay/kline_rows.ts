/**
 * Rows of a Binance kline CSV to bars, by a layout from `detectLayout`.
 *
 * `open_time,open,high,low,close,volume,close_time[,quote_volume,count,taker_buy_volume,...]`:
 *   `1529297280000,6412.5,6414.4,6410.55,6412.46,15.085915,1529297339999`
 * Some producers write prices with exponents (`8.141e-05`); they are expanded, not rounded.
 */
import type { Venue } from "../../domain.ts";
import { csvCells } from "./csv_cells.ts";
import type { KlineCsvLayout } from "./detect_layout.ts";
import { epochMicrosFromText } from "./epoch_time.ts";
import { ignoredRecord, type LineParser, rejectRecord } from "./replay_record.ts";
import { nonNegativeDecimalField, positiveDecimalField, safeIntegerField } from "./row_fields.ts";

export interface KlineContext {
  venue: Venue;
  symbol: string;
  /** `1m`, `1h`, ... */
  timeframe: string;
}

export function createKlineParser(layout: KlineCsvLayout, context: KlineContext): LineParser {
  const { columns } = layout;
  return (line, text) => {
    if (layout.header !== null && text.trim() === layout.header) {
      return ignoredRecord(line, "header row");
    }
    const cells = csvCells(text);
    if (cells.length !== layout.columnCount) {
      return rejectRecord(line, `expected ${layout.columnCount} columns, found ${cells.length}`);
    }
    try {
      const timeUs = epochMicrosFromText(cells[columns.openTime], "open_time");
      const open = positiveDecimalField(cells[columns.open], "open");
      const high = positiveDecimalField(cells[columns.high], "high");
      const low = positiveDecimalField(cells[columns.low], "low");
      const close = positiveDecimalField(cells[columns.close], "close");
      const volume = nonNegativeDecimalField(cells[columns.volume], "volume");
      // A float comparison is exact enough to catch swapped columns; the strings are what is kept.
      if (Number(high) < Math.max(Number(open), Number(close), Number(low))) {
        throw new RangeError(`high ${high} is below open, low or close`);
      }
      if (Number(low) > Math.min(Number(open), Number(close))) {
        throw new RangeError(`low ${low} is above open or close`);
      }
      const trades = columns.trades === null
        ? undefined
        : safeIntegerField(cells[columns.trades], "count");
      return {
        kind: "bar",
        line,
        bar: {
          venue: context.venue,
          symbol: context.symbol,
          timeframe: context.timeframe,
          timeUs,
          open,
          high,
          low,
          close,
          volume,
          ...(trades === undefined ? {} : { trades }),
        },
      };
    } catch (error) {
      if (error instanceof RangeError) return rejectRecord(line, error.message);
      throw error;
    }
  };
}
