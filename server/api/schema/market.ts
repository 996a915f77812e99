/**
 * Market data: instruments, trades and OHLCV bars, as queries and live subscriptions.
 */
import {
  type Bar,
  instrumentKey,
  isoFromMicros,
  type Timeframe,
  type Trade,
} from "../../domain.ts";
import type { InstrumentSummary } from "../../store/trade_store.ts";
import type { BarUpdate } from "../../bars/live_bars.ts";
import { builder } from "../builder.ts";
import type { ApiContext } from "../context.ts";
import { ALL_INSTRUMENTS, barTopicKey } from "../pubsub.ts";
import { flattenBatches, withSnapshot } from "../live_iterators.ts";
import {
  parsePositiveInt,
  parseRange,
  parseSymbol,
  parseVenue,
  TIMEFRAME_ENUM,
} from "../arguments.ts";
import { badUserInput, notFound } from "../errors.ts";

export const TimeframeEnum = builder.enumType("Timeframe", {
  description: "Bar width: S1 one second, M1 one minute, M5 five minutes.",
  values: TIMEFRAME_ENUM,
});

const InstrumentType = builder.objectRef<InstrumentSummary>("Instrument").implement({
  description: "A (venue, symbol) with stored trades.",
  fields: (t) => ({
    venue: t.exposeString("venue"),
    symbol: t.exposeString("symbol"),
    firstTradeTime: t.string({
      nullable: true,
      resolve: (row) => row.firstTradeUs === null ? null : isoFromMicros(row.firstTradeUs),
    }),
    lastTradeTime: t.string({
      nullable: true,
      resolve: (row) => row.lastTradeUs === null ? null : isoFromMicros(row.lastTradeUs),
    }),
    tradeCount: t.int({ resolve: (row) => row.tradeCount }),
    simulated: t.boolean({
      description: "True for the simulator's synthetic trades (venue sim): not market data.",
      resolve: (row) => row.venue === "sim",
    }),
  }),
});

const TradeType = builder.objectRef<Trade>("Trade").implement({
  description: "One stored trade (an aggregate trade for aggTrade streams).",
  fields: (t) => ({
    venue: t.exposeString("venue"),
    symbol: t.exposeString("symbol"),
    tradeId: t.string({ resolve: (trade) => String(trade.tradeId) }),
    price: t.float({ resolve: (trade) => Number(trade.price) }),
    qty: t.float({ resolve: (trade) => Number(trade.qty) }),
    time: t.string({
      description: "Exchange trade time, ISO-8601 UTC.",
      resolve: (trade) => isoFromMicros(trade.timeUs),
    }),
    receivedAt: t.string({ resolve: (trade) => isoFromMicros(trade.receivedAtUs) }),
    buyerMaker: t.boolean({ nullable: true, resolve: (trade) => trade.buyerMaker }),
  }),
});

interface BarView {
  bar: Bar;
  timeframe: Timeframe;
  closed: boolean;
}

const BarType = builder.objectRef<BarView>("Bar").implement({
  description: "An OHLCV bar; time is the bucket start.",
  fields: (t) => ({
    time: t.string({ resolve: (view) => isoFromMicros(view.bar.timeUs) }),
    open: t.float({ resolve: (view) => view.bar.open }),
    high: t.float({ resolve: (view) => view.bar.high }),
    low: t.float({ resolve: (view) => view.bar.low }),
    close: t.float({ resolve: (view) => view.bar.close }),
    volume: t.float({ resolve: (view) => view.bar.volume }),
    trades: t.int({ resolve: (view) => view.bar.trades }),
    venue: t.string({ resolve: (view) => view.bar.venue }),
    symbol: t.string({ resolve: (view) => view.bar.symbol }),
    closed: t.boolean({
      description: "False while the bucket is still forming.",
      resolve: (view) => view.closed,
    }),
  }),
});

/** Most symbols one `trades` subscription names (none: every instrument). */
const MAX_SUBSCRIBED_SYMBOLS = 1_000;

/** Resolves venue and symbol and checks that the instrument has data. */
export async function knownInstrument(
  context: ApiContext,
  symbolArgument: string,
  venueArgument: string | null | undefined,
  field = "symbol",
): Promise<InstrumentSummary> {
  const symbol = parseSymbol(field, symbolArgument);
  const venue = parseVenue(venueArgument, context.defaultVenue);
  const known = await context.store.instruments();
  const match = known.find((row) => row.venue === venue && row.symbol === symbol);
  if (match) return match;
  const names = known.map((row) => `${row.venue}:${row.symbol}`).join(", ") || "none yet";
  throw notFound(`No data for ${venue}:${symbol}. Instruments with data: ${names}`);
}

builder.queryFields((t) => ({
  instruments: t.field({
    type: [InstrumentType],
    description: "Every instrument with stored trades.",
    resolve: (_root, _args, context) => context.store.instruments(),
  }),
  bars: t.field({
    type: [BarType],
    description:
      "Bars of [from, to), oldest first; with limit, the most recent `limit` of the range.",
    args: {
      symbol: t.arg.string({ required: true }),
      venue: t.arg.string(),
      timeframe: t.arg({ type: TimeframeEnum, required: true }),
      from: t.arg.string(),
      to: t.arg.string(),
      limit: t.arg.int(),
    },
    resolve: async (_root, args, context) => {
      const instrument = await knownInstrument(context, args.symbol, args.venue);
      const { fromUs, toUs } = parseRange(args.from, args.to);
      const cap = context.maxPointsPerResponse;
      const limit = parsePositiveInt("limit", args.limit, cap);
      const bars = await context.store.bars({
        venue: instrument.venue,
        symbol: instrument.symbol,
        timeframe: args.timeframe,
        fromUs,
        toUs,
        limit: limit ?? cap + 1,
      });
      if (limit === undefined && bars.length > cap) {
        throw badUserInput(
          `The range holds more than ${cap} ${args.timeframe} bars, the limit per response: ` +
            "narrow from/to, use a wider timeframe, or pass limit for the most recent bars",
          "from",
        );
      }
      const forming = context.liveBars.current(instrument.venue, instrument.symbol, args.timeframe);
      return bars.map((bar) => ({
        bar,
        timeframe: args.timeframe,
        closed: forming === null || bar.timeUs < forming.timeUs,
      }));
    },
  }),
}));

builder.subscriptionFields((t) => ({
  trades: t.field({
    type: TradeType,
    description:
      "Every trade as it is received, once, in order per instrument; it is stored right after. No symbols: every instrument.",
    args: { symbols: t.arg.stringList(), venue: t.arg.string() },
    subscribe: (_root, args, context) => {
      if (!args.symbols || args.symbols.length === 0) {
        return flattenBatches(context.pubsub.subscribe("trades", ALL_INSTRUMENTS), () => true);
      }
      if (args.symbols.length > MAX_SUBSCRIBED_SYMBOLS) {
        throw badUserInput(
          `trades takes at most ${MAX_SUBSCRIBED_SYMBOLS} symbols (${args.symbols.length} given); ` +
            "leave symbols out for every instrument",
          "symbols",
        );
      }
      const venue = parseVenue(args.venue, context.defaultVenue);
      const keys = new Set(
        args.symbols.map((s) => instrumentKey(venue, parseSymbol("symbols", s))),
      );
      if (keys.size === 1) {
        return flattenBatches(context.pubsub.subscribe("trades", [...keys][0]), () => true);
      }
      return flattenBatches(
        context.pubsub.subscribe("trades", ALL_INSTRUMENTS),
        (trade) => keys.has(instrumentKey(trade.venue, trade.symbol)),
      );
    },
    resolve: (trade) => trade,
  }),
  bars: t.field({
    type: BarType,
    description: "The forming bar now, then on each change, then the closed bar.",
    args: {
      symbol: t.arg.string({ required: true }),
      venue: t.arg.string(),
      timeframe: t.arg({ type: TimeframeEnum, required: true }),
    },
    subscribe: (_root, args, context) => {
      const symbol = parseSymbol("symbol", args.symbol);
      const venue = parseVenue(args.venue, context.defaultVenue);
      const updates = context.pubsub.subscribe("bars", barTopicKey(venue, symbol, args.timeframe));
      const forming = context.liveBars.current(venue, symbol, args.timeframe);
      return withSnapshot(
        forming ? { bar: forming, timeframe: args.timeframe, closed: false } : null,
        updates,
      );
    },
    resolve: (update: BarUpdate) => update,
  }),
}));
