/**
 * The subscriber side of the load bench, run in a Worker so that receiving hundreds of thousands of
 * messages does not hold up the thread that publishes trades (and stamps their send times). Each
 * subscriber is its own graphql-transport-ws connection, as each dashboard is (`FrameSubscriber`:
 * the protocol over a TCP connection read in bulk, so that the subscribers cost the shared cores
 * little).
 *
 * Latency needs the send time of the trade an event reflects. The publisher writes it, as an absolute
 * high-resolution time (`performance.timeOrigin + performance.now()`, the same clock in every thread),
 * into a shared array at `symbol * ID_SLOTS + tradeId % ID_SLOTS`; prices carry `tradeId % ID_SLOTS`
 * (see `priceOf`), so a bar's close and a pair point's legs name their trade too.
 */
import { setPriority } from "node:os";
import { FrameSubscriber } from "./frame_subscriber.ts";

export const ID_SLOTS = 65_536;
/**
 * Histogram bins: 0.1 ms up to 100 ms, 1 ms up to 10 s, 100 ms up to 10 minutes; the last bin holds
 * everything above.
 */
export const BINS = 16_900;

/** The price published for a trade id: it carries the id modulo `ID_SLOTS`. */
export function priceOf(tradeId: number): string {
  return (1000 + (tradeId % ID_SLOTS) / 100).toFixed(2);
}

function slotOfPrice(price: number): number {
  return ((Math.round((price - 1000) * 100) % ID_SLOTS) + ID_SLOTS) % ID_SLOTS;
}

export function binOf(latencyMs: number): number {
  if (latencyMs < 100) return Math.max(0, Math.floor(latencyMs * 10));
  if (latencyMs < 10_000) return 1000 + Math.floor(latencyMs - 100);
  return Math.min(BINS - 1, 10_900 + Math.floor((latencyMs - 10_000) / 100));
}

/** Upper edge of a bin, ms. */
export function binEdge(bin: number): number {
  if (bin < 1000) return (bin + 1) / 10;
  if (bin < 10_900) return bin - 1000 + 101;
  return 10_000 + (bin - 10_900 + 1) * 100;
}

export type SubscriberKind = "trades" | "bars" | "pairStream";

export interface SubscriberSpec {
  kind: SubscriberKind;
  symbol: number;
  /** pairStream: the quote leg. */
  quote?: number;
  timeframe?: "S1" | "M1" | "M5";
  method?: string;
}

export interface WorkerInit {
  type: "init";
  url: string;
  symbols: string[];
  subscribers: SubscriberSpec[];
  sentAt: SharedArrayBuffer;
  /** [0]: absolute ms from which events count (0: not yet). */
  control: SharedArrayBuffer;
  /** Nice value for this Worker's thread (Linux sets it per thread; the publisher keeps its own). */
  nice: number;
}

export interface WorkerReport {
  type: "report";
  histograms: Record<SubscriberKind, Uint32Array>;
  /** Trade events received per symbol (for trades subscribers), counted from the measuring start. */
  tradeEvents: number[];
  events: number;
  errors: string[];
}

const QUERIES: Record<SubscriberKind, string> = {
  trades: "subscription ($s: [String!]) { trades(symbols: $s) { symbol tradeId price } }",
  bars: "subscription ($s: String!, $tf: Timeframe!) { bars(symbol: $s, timeframe: $tf) " +
    "{ time close trades closed } }",
  pairStream: "subscription ($input: PairInput!) { pairStream(input: $input) " +
    "{ time y x hedgeRatio zscore } }",
};

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

function startWorker(scope: WorkerScope): void {
  const clients: FrameSubscriber[] = [];
  const fresh = () => ({
    trades: new Uint32Array(BINS),
    bars: new Uint32Array(BINS),
    pairStream: new Uint32Array(BINS),
  });
  let histograms = fresh();
  let tradeEvents: number[] = [];
  let events = 0;
  const errors: string[] = [];

  scope.onmessage = async (message: MessageEvent) => {
    const data = message.data as WorkerInit | { type: "report" } | { type: "close" };
    if (data.type === "init") {
      if (data.nice !== 0) setPriority(data.nice);
      const sentAt = new Float64Array(data.sentAt);
      const control = new Float64Array(data.control);
      tradeEvents = data.symbols.map(() => 0);
      let connected = 0;
      const ready = () => scope.postMessage({ type: "ready" });
      const record = (kind: SubscriberKind, symbol: number, slot: number, now: number) => {
        const sent = sentAt[symbol * ID_SLOTS + slot];
        const from = control[0];
        if (from === 0 || sent < from) return;
        histograms[kind][binOf(now - sent)]++;
        if (kind === "trades") tradeEvents[symbol]++;
      };
      for (const spec of data.subscribers) {
        const symbol = data.symbols[spec.symbol];
        const variables: Record<string, unknown> = spec.kind === "trades"
          ? { s: [symbol] }
          : spec.kind === "bars"
          ? { s: symbol, tf: spec.timeframe }
          : {
            input: {
              base: symbol,
              quote: data.symbols[spec.quote!],
              timeframe: spec.timeframe,
              method: spec.method,
            },
          };
        const client = new FrameSubscriber({
          url: data.url,
          query: QUERIES[spec.kind],
          variables,
          onReady: () => void (++connected === data.subscribers.length && ready()),
          onError: (message) => errors.push(message),
          onNext: (value, now) => {
            events++;
            if (value.errors) errors.push(JSON.stringify(value.errors).slice(0, 300));
            const payload = value.data?.[spec.kind] as Record<string, unknown> | undefined;
            if (!payload) return;
            if (spec.kind === "trades") {
              record("trades", spec.symbol, Number(payload.tradeId) % ID_SLOTS, now);
            } else if (spec.kind === "bars") {
              // Closed bars are sent by the clock, not by a trade: only forming updates count.
              if (payload.closed === false) {
                record("bars", spec.symbol, slotOfPrice(payload.close as number), now);
              }
            } else {
              // A point reflects the newer of its legs' last trades (LOG prices by default).
              const base =
                sentAt[spec.symbol * ID_SLOTS + slotOfPrice(Math.exp(payload.y as number))];
              const quote =
                sentAt[spec.quote! * ID_SLOTS + slotOfPrice(Math.exp(payload.x as number))];
              const sent = Math.max(base, quote);
              if (control[0] !== 0 && sent >= control[0]) {
                histograms.pairStream[binOf(now - sent)]++;
              }
            }
          },
        });
        clients.push(client);
        client.start().catch((error) => errors.push(`connect: ${error?.message ?? error}`));
      }
    } else if (data.type === "report") {
      const report: WorkerReport = {
        type: "report",
        histograms,
        tradeEvents,
        events,
        errors: errors.splice(0, 20),
      };
      scope.postMessage(report);
      histograms = fresh();
      tradeEvents = tradeEvents.map(() => 0);
      events = 0;
    } else if (data.type === "close") {
      await Promise.all(clients.map((client) => client.close()));
      scope.postMessage({ type: "closed" });
    }
  };
}

// Runs only as a Worker (the bench imports the helpers above from the main thread too).
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  startWorker(globalThis as unknown as WorkerScope);
}
