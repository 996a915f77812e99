/**
 * Trades go live when they are received, not once stored, so that a subscriber waits for the feed
 * and the send but never for the database. What still publishes each trade once is the live edge:
 * per instrument, the newest trade id published so far, by this replica or (through Redis) by
 * another. Feeds hand over each instrument's trades in id order, every id once
 * (`feed/trade_sequencer.ts`), so a trade beyond the edge has not been published yet; a trade at or
 * behind it has been, and is only stored. Trades come in behind the edge when a feed restarts from
 * the newest stored trade while earlier ones are still queued for writing, or when the next owner of
 * an instrument backfills what its previous owner had published but not yet stored.
 */
import { instrumentKey, type Trade } from "../domain.ts";

export interface LiveEdge {
  /**
   * Splits trades just received into those beyond the edge, to publish now (the edge moves past
   * them), and those behind it, already published.
   */
  split(trades: readonly Trade[]): { fresh: Trade[]; behind: Trade[] };
  /** Trades published by another replica: the edge moves past them. */
  saw(trades: readonly Trade[]): void;
  /** The newest trade id of the instrument published so far, or null when none was. */
  newestId(venue: string, symbol: string): number | null;
}

export function createLiveEdge(): LiveEdge {
  const newest = new Map<string, number>();

  /** Moves the edge of the trade's instrument past it; true when it was beyond the edge. */
  function advance(trade: Trade): boolean {
    const key = instrumentKey(trade.venue, trade.symbol);
    const edge = newest.get(key);
    if (edge !== undefined && trade.tradeId <= edge) return false;
    newest.set(key, trade.tradeId);
    return true;
  }

  return {
    split(trades) {
      const fresh: Trade[] = [];
      const behind: Trade[] = [];
      for (const trade of trades) (advance(trade) ? fresh : behind).push(trade);
      return { fresh, behind };
    },
    saw(trades) {
      for (const trade of trades) advance(trade);
    },
    newestId: (venue, symbol) => newest.get(instrumentKey(venue, symbol)) ?? null,
  };
}
