/**
 * Rows of a trade CSV (a Binance dump or a generic CSV) to trades, by a layout from `detectLayout`.
 *
 * Binance futures trades dump row (`id,price,qty,quote_qty,time,is_buyer_maker`):
 *   `5182005737,63943.90,0.003,191.8317,1721347022956,true`
 * Binance spot trades dump row from 2025 on, microseconds and `True`/`False`:
 *   `4359935386,93576.00000000,0.00136000,127.26336000,1735689600010866,True,True`
 * Generic CSV (`time,symbol,price,qty`):
 *   `2025-12-16T16:44:10.614Z,BTCUSDT,87479.2,0.006`
 */
import type { Venue } from "../../domain.ts";
import { csvCells } from "./csv_cells.ts";
import { createDerivedTradeIds } from "./derived_trade_ids.ts";
import type { TradeCsvLayout } from "./detect_layout.ts";
import { epochMicrosFromText } from "./epoch_time.ts";
import { ignoredRecord, type LineParser, rejectRecord } from "./replay_record.ts";
import { booleanField, positiveDecimalField, safeIntegerField, symbolField } from "./row_fields.ts";

export interface CsvTradeContext {
  venue: Venue;
  /** The symbol of rows without a symbol column; null when the layout has one. */
  symbol: string | null;
}

export function createCsvTradeParser(layout: TradeCsvLayout, context: CsvTradeContext): LineParser {
  const { columns } = layout;
  const idColumn = columns.id;
  const derivedIds = createDerivedTradeIds();
  const readSymbol = symbolReader(columns.symbol, context.symbol);
  return (line, text) => {
    // Header rows come and go in Binance dumps; a repeated one (concatenated files) is no trade.
    if (layout.header !== null && text.trim() === layout.header) {
      return ignoredRecord(line, "header row");
    }
    const cells = csvCells(text);
    if (cells.length !== layout.columnCount) {
      return rejectRecord(
        line,
        `expected ${layout.columnCount} columns${
          layout.header === null ? "" : " (as in the header)"
        }, ` +
          `found ${cells.length}`,
      );
    }
    try {
      const symbol = readSymbol(cells);
      const timeUs = epochMicrosFromText(cells[columns.time], "time");
      const tradeId = idColumn === null
        ? derivedIds.next(symbol, timeUs)
        : safeIntegerField(cells[idColumn], "id");
      const price = positiveDecimalField(cells[columns.price], "price");
      const qty = positiveDecimalField(cells[columns.qty], "qty");
      const makerCell = columns.buyerMaker === null ? "" : cells[columns.buyerMaker];
      const buyerMaker = makerCell === "" ? null : booleanField(makerCell, "is_buyer_maker");
      return {
        kind: "trade",
        line,
        trade: {
          venue: context.venue,
          symbol,
          tradeId,
          price,
          qty,
          timeUs,
          receivedAtUs: timeUs,
          buyerMaker,
        },
      };
    } catch (error) {
      if (error instanceof RangeError) return rejectRecord(line, error.message);
      throw error;
    }
  };
}

function symbolReader(column: number | null, fixed: string | null): (cells: string[]) => string {
  if (column !== null) return (cells) => symbolField(cells[column], "symbol");
  if (fixed === null) {
    throw new TypeError("A trade CSV without a symbol column needs the symbol from elsewhere");
  }
  return () => fixed;
}
