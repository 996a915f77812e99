/**
 * Decides how to read a file from its first non-empty lines: NDJSON of Binance messages, a Binance
 * trades/aggTrades dump, a generic trade CSV with a header, or a kline CSV, and for CSV which
 * column holds what.
 *
 * Binance dumps come with or without a header (BINANCE.md, "Public data dumps"), so header-less rows
 * are recognised by shape. The four dump layouts differ in where the booleans sit:
 *   futures trades    id,price,qty,quote_qty,time,is_buyer_maker                              6 columns
 *   spot trades       id,price,qty,quoteQty,time,isBuyerMaker,isBestMatch                     7, two booleans
 *   futures aggTrades agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker
 *                                                                                             7, one boolean
 *   spot aggTrades    aggId,price,qty,firstId,lastId,time,isBuyerMaker,isBestMatch            8, two booleans
 * and klines (`open_time,open,high,low,close,volume[,close_time,quote_volume,count,...]`) have none.
 */
import type { Venue } from "../../domain.ts";
import { FUTURES_VENUE, SPOT_VENUE } from "./binance_venues.ts";
import { csvCells } from "./csv_cells.ts";
import type { ReplayFormat } from "./replay_record.ts";

export interface NdjsonLayout {
  kind: "messages";
  format: "binance-ndjson";
  description: string;
}

export interface TradeCsvLayout {
  kind: "trades";
  format: "binance-csv" | "generic-csv";
  /** The header line as written, or null for a header-less dump. */
  header: string | null;
  columnCount: number;
  columns: {
    time: number;
    price: number;
    qty: number;
    id: number | null;
    symbol: number | null;
    buyerMaker: number | null;
  };
  /** The venue the columns prove (spot dumps add `isBestMatch`), or null when they do not tell. */
  venue: Venue | null;
  description: string;
}

export interface KlineCsvLayout {
  kind: "klines";
  format: "kline-csv";
  header: string | null;
  columnCount: number;
  columns: {
    openTime: number;
    open: number;
    high: number;
    low: number;
    close: number;
    volume: number;
    closeTime: number | null;
    trades: number | null;
  };
  description: string;
}

export type Layout = NdjsonLayout | TradeCsvLayout | KlineCsvLayout;

export interface SampleLine {
  number: number;
  text: string;
}

/**
 * The layout of a file whose first non-empty, readable lines are `sample` (in order). `format`
 * forces the kind of file; the columns are still read from the header or the row shape.
 */
export function detectLayout(sample: SampleLine[], format?: ReplayFormat): Layout {
  const first = sample[0];
  if (first === undefined) throw new RangeError("Cannot detect a layout without any line");
  const looksLikeJson = first.text.trimStart().startsWith("{");
  if (format === "binance-ndjson" || (format === undefined && looksLikeJson)) {
    return {
      kind: "messages",
      format: "binance-ndjson",
      description: "NDJSON of Binance WebSocket messages",
    };
  }
  if (looksLikeJson) {
    throw new SyntaxError(
      `line ${first.number}: the file holds JSON, not the ${format} it was declared as`,
    );
  }
  const layout = isHeader(csvCells(first.text)) ? layoutFromHeader(first) : layoutFromRows(sample);
  if (format !== undefined && !formatFits(format, layout)) {
    throw new SyntaxError(
      `line ${first.number}: the file looks like ${layout.description}, not the ${format} it was declared as`,
    );
  }
  return format === undefined || layout.kind === "klines"
    ? layout
    : { ...layout, format: format as TradeCsvLayout["format"] };
}

function formatFits(format: ReplayFormat, layout: TradeCsvLayout | KlineCsvLayout): boolean {
  if (format === "kline-csv") return layout.kind === "klines";
  return layout.kind === "trades";
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const INTEGER = /^\d+$/;
const BOOLEAN = /^(?:true|false)$/i;

/** A header has a cell that is neither a number nor a boolean; data rows of dumps have none. */
function isHeader(cells: string[]): boolean {
  return cells.some((cell) => !NUMBER.test(cell) && !BOOLEAN.test(cell));
}

const NAMES = {
  time: ["time", "timestamp", "transacttime", "tradetime"],
  price: ["price"],
  qty: ["qty", "quantity"],
  symbol: ["symbol"],
  id: ["id", "tradeid", "aggtradeid", "aggid"],
  buyerMaker: ["buyermaker", "isbuyermaker"],
  bestMatch: ["isbestmatch", "bestmatch"],
  dumpOnly: ["quoteqty", "baseqty", "firsttradeid", "lasttradeid", "firstid", "lastid"],
  openTime: ["opentime"],
  open: ["open"],
  high: ["high"],
  low: ["low"],
  close: ["close"],
  volume: ["volume"],
  closeTime: ["closetime"],
  trades: ["count", "trades", "numberoftrades", "tradecount"],
};

/** `is_buyer_maker`, `isBuyerMaker` and `Is Buyer Maker` all become `isbuyermaker`. */
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function layoutFromHeader(line: SampleLine): TradeCsvLayout | KlineCsvLayout {
  const names = csvCells(line.text).map(normalizeName);
  const find = (role: keyof typeof NAMES): number | null => {
    const index = names.findIndex((name) => NAMES[role].includes(name));
    return index === -1 ? null : index;
  };
  const header = line.text.trim();
  const openTime = find("openTime");
  if (openTime !== null) {
    const open = find("open");
    const high = find("high");
    const low = find("low");
    const close = find("close");
    const volume = find("volume");
    if (open === null || high === null || low === null || close === null || volume === null) {
      const missing = Object.entries({ open, high, low, close, volume })
        .filter(([, index]) => index === null).map(([role]) => role);
      throw new SyntaxError(
        `line ${line.number}: the kline header lacks ${missing.join(", ")}; ` +
          "a kline CSV needs open_time, open, high, low, close, volume",
      );
    }
    return {
      kind: "klines",
      format: "kline-csv",
      header,
      columnCount: names.length,
      columns: {
        openTime,
        open,
        high,
        low,
        close,
        volume,
        closeTime: find("closeTime"),
        trades: find("trades"),
      },
      description: "a kline CSV with a header",
    };
  }
  const time = find("time");
  const price = find("price");
  const qty = find("qty");
  if (time === null || price === null || qty === null) {
    const missing = [["time", time], ["price", price], ["qty", qty]].filter(([, index]) =>
      index === null
    )
      .map(([role]) => role);
    throw new SyntaxError(
      `line ${line.number}: the header ${JSON.stringify(header.slice(0, 120))} names no ${
        missing.join(", ")
      } ` +
        "column; a trade CSV needs time, symbol, price, qty (optional: id, buyer_maker), " +
        "a kline CSV open_time, open, high, low, close, volume",
    );
  }
  const bestMatch = find("bestMatch");
  const isDump = bestMatch !== null || find("dumpOnly") !== null;
  const venue = isDump ? (bestMatch !== null ? SPOT_VENUE : FUTURES_VENUE) : null;
  return {
    kind: "trades",
    format: isDump ? "binance-csv" : "generic-csv",
    header,
    columnCount: names.length,
    columns: {
      time,
      price,
      qty,
      id: find("id"),
      symbol: find("symbol"),
      buyerMaker: find("buyerMaker"),
    },
    venue,
    description: isDump
      ? `a Binance ${venue === SPOT_VENUE ? "spot" : "futures"} dump with a header`
      : "a trade CSV with a header",
  };
}

function layoutFromRows(sample: SampleLine[]): TradeCsvLayout | KlineCsvLayout {
  for (const line of sample) {
    const layout = layoutFromRowShape(csvCells(line.text));
    if (layout !== null) return layout;
  }
  const first = sample[0];
  const cells = csvCells(first.text);
  throw new SyntaxError(
    `line ${first.number}: cannot recognise ${cells.length} columns without a header ` +
      `(${
        JSON.stringify(first.text.slice(0, 120))
      }); expected a Binance trades or aggTrades dump, ` +
      "a kline CSV, or a header naming time, symbol, price, qty",
  );
}

function layoutFromRowShape(cells: string[]): TradeCsvLayout | KlineCsvLayout | null {
  const count = cells.length;
  const bool = (index: number) => BOOLEAN.test(cells[index] ?? "");
  const integer = (index: number) => INTEGER.test(cells[index] ?? "");
  const trades = (
    description: string,
    venue: Venue,
    time: number,
    buyerMaker: number,
  ): TradeCsvLayout => ({
    kind: "trades",
    format: "binance-csv",
    header: null,
    columnCount: count,
    columns: { id: 0, price: 1, qty: 2, time, buyerMaker, symbol: null },
    venue,
    description,
  });
  if (!integer(0)) return null;
  if (count === 6 && bool(5) && integer(4)) {
    return trades("a Binance futures trades dump", FUTURES_VENUE, 4, 5);
  }
  if (count === 7 && bool(5) && bool(6) && integer(4)) {
    return trades("a Binance spot trades dump", SPOT_VENUE, 4, 5);
  }
  if (count === 7 && integer(5) && bool(6)) {
    return trades("a Binance futures aggTrades dump", FUTURES_VENUE, 5, 6);
  }
  if (count === 8 && bool(6) && bool(7) && integer(5)) {
    return trades("a Binance spot aggTrades dump", SPOT_VENUE, 5, 6);
  }
  const pricesAreNumbers = [1, 2, 3, 4, 5].every((index) => NUMBER.test(cells[index] ?? ""));
  if (count >= 6 && !cells.some((cell) => BOOLEAN.test(cell)) && pricesAreNumbers) {
    return {
      kind: "klines",
      format: "kline-csv",
      header: null,
      columnCount: count,
      columns: {
        openTime: 0,
        open: 1,
        high: 2,
        low: 3,
        close: 4,
        volume: 5,
        closeTime: count > 6 && integer(6) ? 6 : null,
        trades: count > 8 && integer(8) ? 8 : null,
      },
      description: "a kline CSV without a header",
    };
  }
  return null;
}
