/**
 * The product's figures for `/metrics`, gathered when scraped from what `/healthz` reads: the
 * ingest queue's counts, the feed's health and gaps, the API's sockets, subscriptions and
 * operation latency, and the process's memory. Names start with `pairs_`; counters count since the
 * process started (Prometheus handles the reset at a restart).
 */
import type { IngestStats } from "../ingest/ingest_queue.ts";
import type { DataGap, FeedHealth } from "../feed/feed.ts";
import type { MetricFamily, Sample } from "./prometheus.ts";

export interface ProductSources {
  ingest: IngestStats;
  feed: FeedHealth | null;
  gaps: DataGap[];
  /** Gaps written to the database for `dataGaps` (and those waiting for the database). */
  recordedGaps?: { recorded: number; unsaved: number };
  /** The API's families: sockets, subscriptions, operation latency. */
  api: MetricFamily[];
  /** How long each batch write of trades took (a histogram). */
  ingestWrites?: MetricFamily;
  /** The wall clock, ms since the epoch (for last-trade ages). */
  nowMs: number;
}

export function productMetrics(sources: ProductSources): MetricFamily[] {
  const { ingest, feed } = sources;
  const one = (value: number): Sample[] => [{ value }];
  const perInstrument = (
    value: (instrument: FeedHealth["instruments"][number]) => number | null,
  ): Sample[] =>
    (feed?.instruments ?? []).flatMap((instrument) => {
      const measured = value(instrument);
      return measured === null
        ? []
        : [{ labels: { venue: instrument.venue, symbol: instrument.symbol }, value: measured }];
    });
  const memory = Deno.memoryUsage();
  return [
    {
      name: "pairs_ingest_stored_trades_total",
      help: "Trades written to the database for the first time.",
      type: "counter",
      samples: one(ingest.stored),
    },
    {
      name: "pairs_ingest_duplicate_trades_total",
      help: "Trades the database already had (replays, overlaps).",
      type: "counter",
      samples: one(ingest.duplicates),
    },
    {
      name: "pairs_ingest_failed_writes_total",
      help: "Batch writes that failed (the trades stay queued and are retried).",
      type: "counter",
      samples: one(ingest.failedWrites),
    },
    {
      name: "pairs_ingest_stored_per_second",
      help: "Trades stored per second over the last few seconds.",
      type: "gauge",
      samples: one(ingest.storedPerSecond),
    },
    {
      name: "pairs_ingest_queue_depth",
      help: "Trades received and not yet written.",
      type: "gauge",
      samples: one(ingest.queued),
    },
    {
      name: "pairs_ingest_queue_capacity",
      help: "Trades the queue holds before the feed is paused.",
      type: "gauge",
      samples: one(ingest.capacity),
    },
    {
      name: "pairs_ingest_retrying",
      help: "1 while the last write failed and the queue waits to retry.",
      type: "gauge",
      samples: one(ingest.retrying ? 1 : 0),
    },
    {
      name: "pairs_feed_connected",
      help: "1 while the exchange feed is connected.",
      type: "gauge",
      samples: feed ? one(feed.connected ? 1 : 0) : [],
    },
    {
      name: "pairs_feed_reconnects_total",
      help: "Times the feed's connection was lost and replaced.",
      type: "counter",
      samples: feed ? one(feed.reconnects) : [],
    },
    {
      name: "pairs_feed_received_trades_total",
      help: "Trades received from the exchange, per instrument.",
      type: "counter",
      samples: perInstrument((instrument) => instrument.tradesReceived),
    },
    {
      name: "pairs_feed_backfilled_trades_total",
      help: "Trades fetched over REST to fill gaps, per instrument.",
      type: "counter",
      samples: perInstrument((instrument) => instrument.backfilled),
    },
    {
      name: "pairs_feed_rejected_messages_total",
      help: "Messages rejected as malformed, per instrument.",
      type: "counter",
      samples: perInstrument((instrument) => instrument.rejected),
    },
    {
      name: "pairs_feed_gaps_total",
      help: "Gaps in trade ids detected, per instrument.",
      type: "counter",
      samples: perInstrument((instrument) => instrument.gaps),
    },
    {
      name: "pairs_feed_unrecovered_gaps",
      help: "Gaps that could not be backfilled (listed in /healthz).",
      type: "gauge",
      samples: feed ? one(sources.gaps.length) : [],
    },
    {
      name: "pairs_data_gaps_recorded_total",
      help: "Unrecoverable gaps stored for the dataGaps query.",
      type: "counter",
      samples: sources.recordedGaps ? one(sources.recordedGaps.recorded) : [],
    },
    {
      name: "pairs_data_gaps_unsaved",
      help: "Gaps found and not yet stored (the database was unavailable).",
      type: "gauge",
      samples: sources.recordedGaps ? one(sources.recordedGaps.unsaved) : [],
    },
    {
      name: "pairs_feed_last_trade_age_seconds",
      help: "Seconds since the newest trade of the instrument was received.",
      type: "gauge",
      samples: perInstrument((instrument) =>
        instrument.lastTradeAtUs === null
          ? null
          : Math.max(0, sources.nowMs / 1000 - instrument.lastTradeAtUs / 1e6)
      ),
    },
    ...(sources.ingestWrites ? [sources.ingestWrites] : []),
    ...sources.api,
    {
      name: "process_resident_memory_bytes",
      help: "Resident memory of the server process.",
      type: "gauge",
      samples: one(memory.rss),
    },
    {
      name: "pairs_process_heap_used_bytes",
      help: "JavaScript heap in use.",
      type: "gauge",
      samples: one(memory.heapUsed),
    },
    {
      name: "pairs_process_heap_total_bytes",
      help: "JavaScript heap the engine holds, in use or not (part of the resident memory).",
      type: "gauge",
      samples: one(memory.heapTotal),
    },
  ];
}
