/**
 * Delivers alert firings to webhooks: a JSON POST, retried with capped exponential backoff when the
 * receiver fails (network error, timeout, or a status other than 2xx), in the background so that
 * alert evaluation never waits on a slow receiver. Failures are logged and counted.
 */
import { createBackoff } from "../feed/backoff.ts";
import { abortableDelay } from "../feed/delay.ts";

export interface WebhookSenderOptions {
  /** Attempts per delivery, the first included. Default 5. */
  attempts?: number;
  /** Delay before the first retry, milliseconds; doubles per retry up to `maxDelayMs`. Default 500. */
  initialDelayMs?: number;
  /** Default 30,000. */
  maxDelayMs?: number;
  /** How long one attempt may take, milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
  log?: (message: string) => void;
}

export interface WebhookStats {
  /** Deliveries the receiver accepted. */
  delivered: number;
  /** Deliveries abandoned after every attempt failed (or on shutdown). */
  failed: number;
  /** Attempts that failed and were retried. */
  retries: number;
  /** Deliveries still on their way. */
  pending: number;
}

export interface WebhookSender {
  /** Starts a delivery and returns at once. */
  send(url: string, payload: unknown): void;
  stats(): WebhookStats;
  /** Resolves when every delivery started so far has finished (delivered or abandoned). */
  idle(): Promise<void>;
  /** Abandons the retries still waiting and resolves when no delivery is in flight. */
  close(): Promise<void>;
}

export function createWebhookSender(options: WebhookSenderOptions = {}): WebhookSender {
  const attempts = options.attempts ?? 5;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send = options.fetch ?? fetch;
  const log = options.log ?? ((message: string) => console.error(message));
  if (!(Number.isInteger(attempts) && attempts >= 1)) {
    throw new RangeError(`Webhook attempts must be a whole number >= 1, got ${attempts}`);
  }
  // No jitter: each rule's deliveries are rare; the cap keeps the total wait bounded.
  const backoffOptions = {
    initialMs: options.initialDelayMs ?? 500,
    maxMs: options.maxDelayMs ?? 30_000,
    jitter: 0,
  };
  createBackoff(backoffOptions); // refuses bad delays here rather than inside a delivery
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const counts = { delivered: 0, failed: 0, retries: 0 };

  async function attempt(url: string, body: string): Promise<string | null> {
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const response = await send(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal,
      });
      await response.body?.cancel();
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  async function deliver(url: string, body: string): Promise<void> {
    const backoff = createBackoff(backoffOptions);
    for (let n = 1; n <= attempts; n++) {
      const problem = await attempt(url, body);
      if (problem === null) {
        counts.delivered++;
        return;
      }
      if (n === attempts || stopping.signal.aborted) {
        counts.failed++;
        log(`Webhook ${url} failed ${n} time(s), giving up: ${problem}`);
        return;
      }
      counts.retries++;
      await abortableDelay(backoff.next(), stopping.signal);
    }
  }

  return {
    send(url, payload) {
      const delivery = deliver(url, JSON.stringify(payload))
        .finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    },
    stats: () => ({ ...counts, pending: inFlight.size }),
    async idle() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    async close() {
      stopping.abort();
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
