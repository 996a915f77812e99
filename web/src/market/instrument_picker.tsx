/**
 * Every instrument with stored data, with its feed health: live, reconnecting, down, or recorded
 * only (data without a live stream, e.g. imported files).
 */
import { For, Show } from "solid-js";
import type { InstrumentResult } from "../graphql/documents.ts";
import type { InstrumentFeedHealth } from "../state/connection_status.ts";
import { formatDuration, formatTime } from "../ui/format.ts";

export function InstrumentPicker(props: {
  instruments: InstrumentResult[];
  feed: InstrumentFeedHealth[];
  selected: { venue: string; symbol: string } | null;
  onSelect: (instrument: InstrumentResult) => void;
}) {
  const healthOf = (instrument: InstrumentResult) =>
    props.feed.find((f) => f.venue === instrument.venue && f.symbol === instrument.symbol);
  return (
    <nav class="instrument-picker" aria-label="Instruments" data-testid="instrument-picker">
      <For each={props.instruments}>
        {(instrument) => {
          const health = () => healthOf(instrument);
          const isSelected = () =>
            props.selected?.symbol === instrument.symbol &&
            props.selected?.venue === instrument.venue;
          return (
            <button
              type="button"
              classList={{ instrument: true, selected: isSelected() }}
              data-instrument={`${instrument.venue}:${instrument.symbol}`}
              onClick={() => props.onSelect(instrument)}
            >
              <span class={`dot state-${health()?.state ?? "recorded"}`} />
              <span class="instrument-name">
                <strong>{instrument.symbol}</strong>
                <small>{instrument.venue}</small>
              </span>
              <span class="instrument-health">
                <Show
                  when={health()}
                  fallback={
                    <small>recorded · last {formatTime(parseTime(instrument.lastTradeTime))}</small>
                  }
                >
                  {(feed) => (
                    <small>
                      {feed().state}
                      {feed().lastTradeAgeSeconds === null
                        ? ""
                        : ` · last trade ${formatDuration(feed().lastTradeAgeSeconds)} ago`}
                    </small>
                  )}
                </Show>
                <small>{instrument.tradeCount.toLocaleString("en-US")} trades</small>
              </span>
            </button>
          );
        }}
      </For>
    </nav>
  );
}

function parseTime(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}
