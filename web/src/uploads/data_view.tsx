/**
 * Data: upload a recorded file into the store (progress while it is imported, then the report with
 * the first rejected lines), and CSV downloads of what the other views show.
 */
import { createSignal, For, Show } from "solid-js";
import { ErrorList } from "../ui/messages.tsx";
import type { ViewProps } from "../views.ts";
import { exportLinks } from "./export_links.ts";
import { createFileUpload } from "./file_upload.ts";

const FORMATS = ["", "binance-ndjson", "binance-csv", "generic-csv", "kline-csv"];

export default function DataView(props: ViewProps) {
  const upload = createFileUpload(props.client);
  const [file, setFile] = createSignal<File | null>(null);
  const [venue, setVenue] = createSignal("");
  const [symbol, setSymbol] = createSignal("");
  const [format, setFormat] = createSignal("");
  const shown = () => {
    const first = props.instruments.list()[0];
    return { symbol: first?.symbol ?? "", venue: first?.venue ?? "" };
  };
  const links = () => exportLinks(props.location.params(), shown());
  const fraction = () => {
    const job = upload.job();
    if (!job) return 0;
    if (job.state !== "RUNNING") return 1;
    return upload.size() > 0 ? Math.min(1, job.bytesRead / upload.size()) : 0;
  };

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const chosen = file();
    if (chosen) void upload.start(chosen, { venue: venue(), symbol: symbol(), format: format() });
  }

  return (
    <div class="data-view" data-view="data">
      <form class="panel" data-testid="upload-form" onSubmit={submit}>
        <h2>Import a file</h2>
        <p>
          <small>
            Binance trade or kline CSV/ZIP, recorded WebSocket NDJSON, or a generic CSV; gzip and
            zip are read as they arrive. Trades already stored are counted, not stored twice.
          </small>
        </p>
        <div class="controls">
          <label class="field">
            <span class="field-label">File</span>
            <input
              type="file"
              data-testid="upload-file"
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
            />
          </label>
          <label class="field">
            <span class="field-label">Venue (optional)</span>
            <input
              value={venue()}
              placeholder="binance-futures"
              onInput={(e) => setVenue(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="field-label">Symbol (optional)</span>
            <input value={symbol()} onInput={(e) => setSymbol(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span class="field-label">Format</span>
            <select value={format()} onChange={(e) => setFormat(e.currentTarget.value)}>
              <For each={FORMATS}>
                {(f) => <option value={f} selected={f === format()}>{f || "detect"}</option>}
              </For>
            </select>
          </label>
          <button type="submit" data-testid="upload-start" disabled={!file() || upload.busy()}>
            {upload.busy() ? "Importing…" : "Upload"}
          </button>
        </div>
        <ErrorList messages={upload.errors()} title="The upload did not go through" />
        <Show when={upload.job()}>
          {(job) => (
            <div class="import-report" data-testid="import-report" data-state={job().state}>
              <progress max="1" value={fraction()} data-testid="import-progress" />
              <div>
                <strong>{job().fileName}</strong>: {job().state === "RUNNING"
                  ? "importing"
                  : job().state === "DONE"
                  ? "imported"
                  : "failed"}
              </div>
              <Show when={job().error}>
                <div class="message error" role="alert">{job().error}</div>
              </Show>
              <dl class="counts">
                <Count label="Lines" value={job().lines} />
                <Count label="Trades read" value={job().tradesRead} />
                <Count label="Stored" value={job().stored} testId="import-stored" />
                <Count label="Already stored" value={job().duplicates} />
                <Count label="Bars read" value={job().barsRead} />
                <Count label="Bars stored" value={job().barsStored} />
                <Count label="Ignored" value={job().ignored} />
                <Count label="Rejected" value={job().rejected} testId="import-rejected" />
              </dl>
              <Show when={job().rejections.length > 0}>
                <details open>
                  <summary>First rejected lines</summary>
                  <ul class="rejections" data-testid="import-rejections">
                    <For each={job().rejections}>{(line) => <li>{line}</li>}</For>
                  </ul>
                </details>
              </Show>
            </div>
          )}
        </Show>
      </form>

      <div class="panel">
        <h2>CSV downloads</h2>
        <Show
          when={links().length > 0}
          fallback={
            <small>
              No instrument with data yet: import or stream trades first (new instruments appear
              here within 15 s).
            </small>
          }
        >
          <ul class="export-links" data-testid="export-links">
            <For each={links()}>
              {(link) => (
                <li>
                  <a href={link.href}>{link.title}</a>
                </li>
              )}
            </For>
          </ul>
          <small>
            With the instrument, timeframe and range of the market and pair views (open them, then
            come back here: the links follow the URL).
          </small>
        </Show>
      </div>
    </div>
  );
}

function Count(props: { label: string; value: number; testId?: string }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.value.toLocaleString("en-US")}</dd>
    </div>
  );
}
