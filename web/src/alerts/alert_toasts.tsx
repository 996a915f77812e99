/**
 * Alert firings as toasts over whichever view is open: one subscription for the whole app, each
 * toast coloured by what fired, gone after a few seconds, and only the newest few on screen.
 */
import type { Client } from "@urql/solid";
import { type Accessor, createSignal, For, onCleanup } from "solid-js";
import { formatNumber, formatPrice } from "../ui/format.ts";
import { type AlertEventResult, LIVE_ALERTS } from "./alert_documents.ts";

export interface AlertToastsOptions {
  /** How long a toast stays, ms. Default 6,000. */
  lifetimeMs?: number;
  /** Toasts on screen at once; older ones leave first. Default 4. */
  max?: number;
}

export interface AlertToastList {
  toasts: Accessor<AlertEventResult[]>;
  dismiss(id: string): void;
}

export function createAlertToasts(
  client: Client,
  options: AlertToastsOptions = {},
): AlertToastList {
  const lifetimeMs = options.lifetimeMs ?? 6_000;
  const max = options.max ?? 4;
  const [toasts, setToasts] = createSignal<AlertEventResult[]>([]);
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const dismiss = (id: string) => setToasts((list) => list.filter((toast) => toast.id !== id));

  const subscription = client.subscription(LIVE_ALERTS, {}).subscribe((result) => {
    const event = result.data?.alerts;
    if (!event) return;
    setToasts((list) => [event, ...list.filter((toast) => toast.id !== event.id)].slice(0, max));
    const timer = setTimeout(() => {
      timers.delete(timer);
      dismiss(event.id);
    }, lifetimeMs);
    timers.add(timer);
  });
  onCleanup(() => {
    subscription.unsubscribe();
    for (const timer of timers) clearTimeout(timer);
  });
  return { toasts, dismiss };
}

/** Up and down colours for price levels crossed, the warning colour for z-score firings. */
function tone(event: AlertEventResult): string {
  if (event.kind === "ZSCORE") return "warning";
  return event.value >= event.level ? "up" : "down";
}

export function AlertToasts(props: { client: Client }) {
  const list = createAlertToasts(props.client);
  return (
    <div class="toasts" aria-live="polite" data-testid="alert-toasts">
      <For each={list.toasts()}>
        {(event) => (
          <div class={`toast tone-${tone(event)}`} role="status" data-testid="alert-toast">
            <div class="toast-head">
              <strong>{event.ruleName}</strong>
              <button
                type="button"
                class="link"
                aria-label="Dismiss"
                onClick={() =>
                  list.dismiss(event.id)}
              >
                ×
              </button>
            </div>
            <div>{event.message}</div>
            <small>
              {event.kind === "ZSCORE"
                ? `z ${formatNumber(event.value, 3)} · level ${formatNumber(event.level, 3)}`
                : `price ${formatPrice(event.value)} · level ${formatPrice(event.level)}`} ·{" "}
              {event.time.slice(11, 19)} UTC
            </small>
          </div>
        )}
      </For>
    </div>
  );
}
