/** `/healthz`, polled every few seconds for the connection indicator and the feed health. */
import { type Accessor, createSignal, onCleanup } from "solid-js";
import type { HealthPoll, HealthReport } from "./connection_status.ts";

export function createHealthPoll(options: { intervalMs?: number; url?: string } = {}): Accessor<
  HealthPoll
> {
  const intervalMs = options.intervalMs ?? 3000;
  const url = options.url ?? "/healthz";
  const [poll, setPoll] = createSignal<HealthPoll>({ kind: "pending" });
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function check() {
    try {
      const response = await fetch(url, { cache: "no-store" });
      // 503 still carries the report: it says what is down.
      const report = await response.json() as HealthReport;
      if (!stopped) setPoll({ kind: "report", report });
    } catch (error) {
      if (!stopped) {
        setPoll({
          kind: "unreachable",
          reason: `${url} did not answer: ${error instanceof Error ? error.message : error}`,
        });
      }
    }
    if (!stopped) timer = setTimeout(check, intervalMs);
  }

  check();
  onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return poll;
}
