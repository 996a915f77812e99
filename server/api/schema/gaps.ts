/**
 * Data gaps: ranges of trade ids the feed found missing and could not recover (older than the
 * exchange's REST history, or refused). Stored, never papered over: no trade and no bar is invented
 * across a gap, and this query says where the history has holes.
 */
import { isoFromMicros } from "../../domain.ts";
import type { DataGap } from "../../feed/feed.ts";
import { builder } from "../builder.ts";
import { parseRange, parseSymbol, parseVenue } from "../arguments.ts";

const DataGapType = builder.objectRef<DataGap>("DataGap").implement({
  description:
    "Trade ids that are missing from the stored history and could not be recovered from the exchange.",
  fields: (t) => ({
    venue: t.exposeString("venue"),
    symbol: t.exposeString("symbol"),
    fromTradeId: t.string({
      description: "First missing trade id (inclusive), a 64-bit integer as a string.",
      resolve: (gap) => String(gap.fromId),
    }),
    toTradeId: t.string({
      description: "Last missing trade id (inclusive), a 64-bit integer as a string.",
      resolve: (gap) => String(gap.toId),
    }),
    missing: t.float({
      description: "How many trade ids are missing (a whole number).",
      resolve: (gap) => gap.toId - gap.fromId + 1,
    }),
    fromTime: t.string({
      nullable: true,
      description: "Time of the last stored trade before the gap, ISO-8601 UTC; null if unknown.",
      resolve: (gap) => gap.fromTimeUs === null ? null : isoFromMicros(gap.fromTimeUs),
    }),
    toTime: t.string({
      nullable: true,
      description: "Time of the first trade after the gap, ISO-8601 UTC; null if unknown.",
      resolve: (gap) => gap.toTimeUs === null ? null : isoFromMicros(gap.toTimeUs),
    }),
    detectedAt: t.string({ resolve: (gap) => isoFromMicros(gap.detectedAtUs) }),
    reason: t.exposeString("reason"),
  }),
});

builder.queryFields((t) => ({
  dataGaps: t.field({
    type: [DataGapType],
    description:
      "Unrecoverable gaps in the stored trades, by venue, symbol and first missing id. " +
      "No symbol: every instrument (of `venue` when given); from/to: gaps overlapping that range.",
    args: {
      symbol: t.arg.string(),
      venue: t.arg.string(),
      from: t.arg.string(),
      to: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { fromUs, toUs } = parseRange(args.from, args.to);
      const symbol = args.symbol == null ? undefined : parseSymbol("symbol", args.symbol);
      const venue = args.venue == null && symbol === undefined
        ? undefined
        : parseVenue(args.venue, context.defaultVenue);
      if (!context.gaps) return [];
      return await context.gaps.gaps({ venue, symbol, fromUs, toUs });
    },
  }),
}));
