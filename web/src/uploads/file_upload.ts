/**
 * One upload at a time: the file goes as the body of `POST /upload` (streamed by the browser, so
 * large files are never copied into memory here), then the import is followed with the
 * `importProgress` subscription until it is DONE or FAILED. The final report is read once more
 * with `importJob`, so a job that finished before the subscription started is still reported.
 */
import type { Client } from "@urql/solid";
import { type Accessor, createSignal, onCleanup } from "solid-js";
import { errorMessages } from "../graphql/error_messages.ts";
import { IMPORT_JOB, IMPORT_PROGRESS, type ImportJobResult } from "./import_documents.ts";

export interface UploadFields {
  /** Venue of files whose content does not tell; empty: the server's default. */
  venue: string;
  /** Symbol of files that do not name it; empty: from the file name or content. */
  symbol: string;
  /** One of the import formats; empty: detected from the name and content. */
  format: string;
}

export interface FileUpload {
  job: Accessor<ImportJobResult | null>;
  /** Bytes of the file, for the progress bar. */
  size: Accessor<number>;
  busy: Accessor<boolean>;
  errors: Accessor<string[]>;
  start(file: File, fields: UploadFields): Promise<void>;
}

export function createFileUpload(client: Client): FileUpload {
  const [job, setJob] = createSignal<ImportJobResult | null>(null);
  const [size, setSize] = createSignal(0);
  const [busy, setBusy] = createSignal(false);
  const [errors, setErrors] = createSignal<string[]>([]);
  const stops = new Set<() => void>();
  onCleanup(() => stops.forEach((stop) => stop()));

  async function start(file: File, fields: UploadFields) {
    setErrors([]);
    setJob(null);
    setSize(file.size);
    setBusy(true);
    const query = new URLSearchParams({ name: file.name });
    for (const key of ["venue", "symbol", "format"] as const) {
      if (fields[key].trim()) query.set(key, fields[key].trim());
    }
    try {
      const response = await fetch(`/upload?${query}`, { method: "POST", body: file });
      const answer = await response.json() as { jobId?: string; error?: string };
      if (!response.ok || !answer.jobId) {
        setErrors([answer.error ?? `The upload was refused (HTTP ${response.status})`]);
        setBusy(false);
        return;
      }
      follow(answer.jobId);
    } catch (error) {
      setErrors([`The upload failed: ${(error as Error).message}`]);
      setBusy(false);
    }
  }

  function follow(id: string) {
    const subscription = client.subscription(IMPORT_PROGRESS, { id }).subscribe((result) => {
      if (result.error) setErrors(errorMessages(result.error));
      const progress = result.data?.importProgress;
      if (progress) setJob(progress);
      if (result.error || (progress && progress.state !== "RUNNING")) finish(id);
    });
    const stop = () => subscription.unsubscribe();
    stops.add(stop);

    async function finish(jobId: string) {
      stop();
      stops.delete(stop);
      const final = await client.query(IMPORT_JOB, { id: jobId }).toPromise();
      if (final.data?.importJob) setJob(final.data.importJob);
      setBusy(false);
    }
  }

  return { job, size, busy, errors, start };
}
