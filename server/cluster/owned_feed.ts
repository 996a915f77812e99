/**
 * The feed of a replica that ingests only the instruments it owns (`ownership.ts`): one feed per
 * owned unit, started when the unit is gained (it backfills from the last stored trade, where the
 * previous owner stopped) and stopped when it is lost. From the moment a unit is lost nothing more
 * of it reaches the ingest queue: trades its feed still hands over are dropped here and counted,
 * since the new owner backfills them. Seen from the app it is one `Feed`.
 */
import type { DataGap, Feed, FeedHealth, TradeSink } from "../feed/feed.ts";
import type { IngestUnit } from "./lock_keys.ts";

export interface OwnedFeed extends Feed {
  /** Starts ingesting the unit (after any earlier stop of it has finished). */
  gain(unit: IngestUnit): void;
  /** Stops delivering the unit's trades now; resolves once its feed has stopped. */
  lose(unit: IngestUnit): Promise<void>;
  /** Trades a lost unit's feed handed over after the loss, not ingested here. */
  droppedAfterLoss(): number;
}

export interface OwnedFeedOptions {
  /** Builds the feed of one unit's symbols, delivering into `sink`. */
  createUnitFeed: (symbols: string[], sink: TradeSink) => Feed;
  /** True when the feeds are synthetic (`FEED=sim`). */
  simulated?: boolean;
  log?: (message: string) => void;
}

interface UnitState {
  /** Null while the unit is not owned. */
  gate: { open: boolean } | null;
  feed: Feed | null;
  /** Starts and stops of this unit, one after another. */
  chain: Promise<void>;
}

export function createOwnedFeed(
  venue: string,
  sink: TradeSink,
  options: OwnedFeedOptions,
): OwnedFeed {
  const log = options.log ?? ((message: string) => console.error(message));
  const units = new Map<string, UnitState>();
  /** Gaps reported by feeds since stopped, so that `/healthz` keeps showing them. */
  const pastGaps: DataGap[] = [];
  let dropped = 0;
  let stopped = false;

  function stateOf(unit: IngestUnit): UnitState {
    let state = units.get(unit.name);
    if (!state) {
      state = { gate: null, feed: null, chain: Promise.resolve() };
      units.set(unit.name, state);
    }
    return state;
  }

  function gatedSink(gate: { open: boolean }): TradeSink {
    return {
      push(trades) {
        if (gate.open) return sink.push(trades);
        dropped += trades.length;
        return true;
      },
      ready: () => gate.open ? sink.ready() : Promise.resolve(),
    };
  }

  function then(state: UnitState, step: () => Promise<void>, what: string): void {
    state.chain = state.chain.then(step).catch((error) =>
      log(`Could not ${what}: ${error instanceof Error ? error.message : String(error)}`)
    );
  }

  return {
    venue,
    gain(unit) {
      const state = stateOf(unit);
      if (stopped || state.gate?.open) return;
      const gate = { open: true };
      state.gate = gate;
      then(state, async () => {
        if (!gate.open || stopped) return;
        const feed = options.createUnitFeed(unit.symbols, gatedSink(gate));
        state.feed = feed;
        await feed.start();
      }, `start the feed of ${unit.name}`);
    },
    lose(unit) {
      const state = stateOf(unit);
      if (state.gate) state.gate.open = false;
      state.gate = null;
      then(state, async () => {
        const feed = state.feed;
        state.feed = null;
        if (feed) {
          await feed.stop();
          pastGaps.push(...feed.gaps());
        }
      }, `stop the feed of ${unit.name}`);
      return state.chain;
    },
    droppedAfterLoss: () => dropped,
    start: () => Promise.resolve(),
    async stop() {
      stopped = true;
      // Owned units keep their gate open: what their feeds received is still written.
      for (const state of units.values()) {
        then(state, async () => {
          const feed = state.feed;
          state.feed = null;
          if (feed) {
            await feed.stop();
            pastGaps.push(...feed.gaps());
          }
        }, "stop a feed");
      }
      await Promise.all([...units.values()].map((state) => state.chain));
    },
    health(): FeedHealth {
      const running = [...units.values()].flatMap((state) => state.feed ? [state.feed] : []);
      const healths = running.map((feed) => feed.health());
      const sum = (pick: (health: FeedHealth) => number | undefined) =>
        healths.reduce((total, health) => total + (pick(health) ?? 0), 0);
      return {
        venue,
        simulated: options.simulated ?? false,
        url: healths[0]?.url ?? null,
        // A replica that ingests nothing has nothing disconnected: the others ingest.
        connected: healths.every((health) => health.connected),
        reconnects: sum((health) => health.reconnects),
        lastError: healths.find((health) => health.lastError !== null)?.lastError ?? null,
        instruments: healths.flatMap((health) => health.instruments),
        connections: sum((health) => health.connections),
        paused: healths.some((health) => health.paused === true),
        unparsedMessages: sum((health) => health.unparsedMessages),
        restUsedWeight1m: healths.reduce<number | null>(
          (most, health) =>
            health.restUsedWeight1m == null ? most : Math.max(most ?? 0, health.restUsedWeight1m),
          null,
        ),
      };
    },
    gaps: () => [
      ...pastGaps,
      ...[...units.values()].flatMap((state) => state.feed?.gaps() ?? []),
    ],
  };
}
