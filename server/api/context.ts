/**
 * What every resolver receives: the store, the live pubsub and the live state, injected so that
 * PGlite and PostgreSQL swap freely and tests can build a context of their own.
 */
import type { TradeStore } from "../store/trade_store.ts";
import type { LiveBars } from "../bars/live_bars.ts";
import type { LivePubSub } from "./pubsub.ts";
import type { AlertService } from "../alerts/alert_service.ts";
import type { ImportJobs } from "./import_jobs.ts";
import type { GapStore } from "../store/gap_store.ts";

export interface ApiContext {
  store: TradeStore;
  pubsub: LivePubSub;
  liveBars: LiveBars;
  /** The venue a bare symbol means: the configured feed's. */
  defaultVenue: string;
  /** Most points (bars, pair points) one response may carry. */
  maxPointsPerResponse: number;
  /** Loads shared by the fields of one request (aliases comparing hedge methods). */
  requestCache?: Map<string, Promise<unknown>>;
  /** Alert rules and firings; absent where the server evaluates none. */
  alerts?: AlertService;
  /** Imports started by uploads; absent where the server takes none. */
  imports?: ImportJobs;
  /** Stored data gaps; absent where the server keeps none. */
  gaps?: GapStore;
  /** Aborts when the query has run past QUERY_TIMEOUT_MS (see `query_timeout.ts`). */
  signal?: AbortSignal;
  /** `performance.now()` by which the query must be done. */
  deadline?: number;
  timeoutMs?: number;
}
