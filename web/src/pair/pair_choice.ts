/**
 * The pair a view shows (Pair, Backtest): its venue, the symbols with data there, the two legs
 * (the URL's, else the first two symbols, written back into the URL so the link names the pair)
 * and the `PairInput` the API is asked for.
 */
import { type Accessor, createEffect, createMemo } from "solid-js";
import type { Instruments } from "../market/market_data.ts";
import type { DashboardLocation } from "../state/dashboard_location.ts";
import type { PairInput } from "./pair_data.ts";

export interface PairLegs {
  base: string;
  quote: string;
}

export interface PairChoice {
  /** The URL's venue, else the first instrument's. */
  venue: Accessor<string>;
  /** Symbols with data on the venue. */
  symbols: Accessor<string[]>;
  legs: Accessor<PairLegs>;
  /** What the API is asked for; null until both legs are known. */
  input: Accessor<PairInput | null>;
}

export function createPairChoice(
  location: DashboardLocation,
  instruments: Instruments,
): PairChoice {
  const params = () => location.params();
  const venue = () => params().venue || instruments.list()[0]?.venue || "";
  const symbols = createMemo(() =>
    instruments.list().filter((i) => i.venue === venue()).map((i) => i.symbol)
  );
  const legs = createMemo(
    () => {
      const base = params().base || symbols()[0] || "";
      const quote = params().quote || symbols().find((s) => s !== base) || "";
      return { base, quote };
    },
    undefined,
    { equals: (a, b) => a.base === b.base && a.quote === b.quote },
  );

  createEffect(() => {
    const { base, quote } = legs();
    if (base && quote && (!params().base || !params().quote)) {
      location.update({ base, quote, venue: venue() });
    }
  });

  const input = createMemo<PairInput | null>(
    () => {
      const { base, quote } = legs();
      if (!base || !quote) return null;
      const p = params();
      return {
        base,
        quote,
        venue: venue() || null,
        timeframe: p.timeframe,
        from: p.from || null,
        to: p.to || null,
        priceTransform: p.transform,
        method: p.method,
        zWindow: p.zWindow,
        corrWindow: p.corrWindow,
        hedgeWindow: p.hedgeWindow,
      };
    },
    null,
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );

  return { venue, symbols, legs, input };
}
