/** The market operations the dashboard sends, with the shapes of their answers. */
import { gql } from "@urql/solid";

export interface InstrumentResult {
  venue: string;
  symbol: string;
  firstTradeTime: string | null;
  lastTradeTime: string | null;
  tradeCount: number;
}

export const INSTRUMENTS = gql<{ instruments: InstrumentResult[] }>`
  query Instruments {
    instruments { venue symbol firstTradeTime lastTradeTime tradeCount }
  }
`;

export interface BarResult {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  closed: boolean;
}

const BAR_FIELDS = "time open high low close volume trades closed";

export const BARS = gql<{ bars: BarResult[] }>`
  query Bars($symbol: String!, $venue: String, $timeframe: Timeframe!, $from: String, $to: String, $limit: Int) {
    bars(symbol: $symbol, venue: $venue, timeframe: $timeframe, from: $from, to: $to, limit: $limit) {
      ${BAR_FIELDS}
    }
  }
`;

export const LIVE_BARS = gql<{ bars: BarResult }>`
  subscription LiveBars($symbol: String!, $venue: String, $timeframe: Timeframe!) {
    bars(symbol: $symbol, venue: $venue, timeframe: $timeframe) { ${BAR_FIELDS} }
  }
`;

export interface TradeResult {
  price: number;
  qty: number;
  time: string;
}

export const LIVE_TRADES = gql<{ trades: TradeResult }>`
  subscription LiveTrades($symbols: [String!], $venue: String) {
    trades(symbols: $symbols, venue: $venue) { price qty time }
  }
`;
