/** The scanner's data: `pairScan` over a set of symbols, ranked by the server by p-value. */
import type { Client } from "@urql/solid";
import { type Accessor, createEffect, createSignal, on, onCleanup } from "solid-js";
import { PAIR_SCAN } from "../pair/pair_documents.ts";
import { errorMessages } from "../graphql/error_messages.ts";
import type { PairScanRow } from "../pair/pair_analytics.ts";
import type { Timeframe } from "../state/dashboard_params.ts";

export interface ScanRequest {
  symbols: string[];
  venue: string | null;
  timeframe: Timeframe;
  from: string | null;
  to: string | null;
}

export interface PairScan {
  rows: Accessor<PairScanRow[]>;
  loading: Accessor<boolean>;
  errors: Accessor<string[]>;
  /** Runs the scan again (new data arrived). */
  refresh(): void;
}

export function createPairScan(client: Client, request: Accessor<ScanRequest | null>): PairScan {
  const [rows, setRows] = createSignal<PairScanRow[]>([]);
  const [loading, setLoading] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);
  const [generation, setGeneration] = createSignal(0);

  createEffect(on([request, generation], ([chosen]) => {
    setErrors([]);
    if (!chosen) {
      setRows([]);
      return;
    }
    setLoading(true);
    let stopped = false;
    client.query(PAIR_SCAN, chosen).toPromise().then((result) => {
      if (stopped) return;
      setLoading(false);
      setErrors(errorMessages(result.error));
      setRows(result.data?.pairScan ?? []);
    });
    onCleanup(() => {
      stopped = true;
    });
  }));

  return { rows, loading, errors, refresh: () => setGeneration((n) => n + 1) };
}
