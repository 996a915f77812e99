/**
 * Puts one instrument's trades in id order: Binance ids rise by exactly one per trade (or per
 * aggregate trade), so the next deliverable trade is always `lastId + 1`. Later ids wait here until
 * the missing ones arrive (from the live stream or REST) or are declared a gap.
 */
import type { Trade } from "../domain.ts";

/** A slot in the id sequence: a trade to deliver, or an id that exists but holds no storable trade. */
export type SequencedItem =
  | { kind: "trade"; trade: Trade; fromRest: boolean }
  | { kind: "rejected"; tradeId: number; reason: string; fromRest: boolean };

export type OfferResult = "held" | "duplicate" | "overflow";

export interface TradeSequencerOptions {
  /**
   * Id of the last trade already delivered (e.g. the newest stored one). Null: nothing is known, so
   * trades are held until `begin()`, which starts at the lowest id offered by then (the first ids of a
   * fresh stream can arrive out of order too).
   */
  lastId?: number | null;
  /** Trade time of that trade, microseconds. */
  lastTimeUs?: number | null;
  /** Most ids held while waiting for a missing one; later ids are refused ("overflow") and must come from REST. Default 50,000. */
  maxHeld?: number;
}

export interface TradeSequencer {
  /** Last id delivered or moved past; null before the first trade when no history was given. */
  readonly lastId: number | null;
  /** Trade time of the last delivered trade, microseconds. */
  readonly lastTimeUs: number | null;
  /** Number of ids waiting. */
  readonly heldCount: number;
  /** Takes an item for `tradeId`: "duplicate" when that id was delivered or is already waiting. */
  offer(tradeId: number, item: SequencedItem): OfferResult;
  /** Removes and returns the contiguous run of items that follows `lastId`, moving `lastId` along. */
  takeReady(): SequencedItem[];
  /** Smallest waiting id, or null when nothing waits. Any value here means ids before it are missing. */
  firstHeldId(): number | null;
  /** The ids missing before the first waiting one (a gap), or null when nothing is missing. */
  missingRange(): { fromId: number; toId: number } | null;
  /** Trade time of a waiting id's trade, microseconds, or null. */
  heldTimeUs(tradeId: number): number | null;
  /** Declares every id up to `tradeId` delivered or lost, so the sequence continues after it. */
  skipTo(tradeId: number): void;
  /** Without history: starts the sequence at the lowest id held. No effect once started. */
  begin(): void;
}

export function createTradeSequencer(options: TradeSequencerOptions = {}): TradeSequencer {
  let lastId = options.lastId ?? null;
  let lastTimeUs = options.lastTimeUs ?? null;
  const maxHeld = options.maxHeld ?? 50_000;
  const held = new Map<number, SequencedItem>();

  return {
    get lastId() {
      return lastId;
    },
    get lastTimeUs() {
      return lastTimeUs;
    },
    get heldCount() {
      return held.size;
    },
    offer(tradeId, item) {
      if ((lastId !== null && tradeId <= lastId) || held.has(tradeId)) return "duplicate";
      if (held.size >= maxHeld) return "overflow";
      held.set(tradeId, item);
      return "held";
    },
    takeReady() {
      const ready: SequencedItem[] = [];
      if (lastId === null) return ready;
      for (let next = held.get(lastId + 1); next !== undefined; next = held.get(lastId + 1)) {
        held.delete(lastId + 1);
        lastId++;
        if (next.kind === "trade") lastTimeUs = next.trade.timeUs;
        ready.push(next);
      }
      return ready;
    },
    firstHeldId() {
      let smallest: number | null = null;
      for (const id of held.keys()) if (smallest === null || id < smallest) smallest = id;
      return smallest;
    },
    missingRange() {
      if (lastId === null || held.size === 0 || held.has(lastId + 1)) return null;
      const first = this.firstHeldId() as number;
      return { fromId: lastId + 1, toId: first - 1 };
    },
    heldTimeUs(tradeId) {
      const item = held.get(tradeId);
      return item?.kind === "trade" ? item.trade.timeUs : null;
    },
    begin() {
      if (lastId !== null || held.size === 0) return;
      lastId = (this.firstHeldId() as number) - 1;
    },
    skipTo(tradeId) {
      if (lastId !== null && tradeId <= lastId) return;
      for (const id of held.keys()) if (id <= tradeId) held.delete(id);
      lastId = tradeId;
    },
  };
}
