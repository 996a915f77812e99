/**
 * Imports started through the API, kept in memory (the newest `maxJobs`) so a client can follow
 * one by id: a status query reads the latest counts, a subscription receives them as they change.
 */
import { Repeater } from "graphql-yoga";
import {
  type ImportProgress,
  type ImportReport,
  ImportStoppedError,
} from "../ingest/import_file.ts";

export type ImportJobState = "RUNNING" | "DONE" | "FAILED";

/** A snapshot of one import; counts are those of `importFile`'s progress, then of its report. */
export interface ImportJob {
  id: string;
  fileName: string;
  state: ImportJobState;
  bytesRead: number;
  lines: number;
  tradesRead: number;
  stored: number;
  /** Known once the import is done (trades read minus trades stored for the first time). */
  duplicates: number;
  rejected: number;
  ignored: number;
  barsRead: number;
  barsStored: number;
  /** The first rejections, each "line N: what is wrong". */
  rejections: string[];
  /** Why a FAILED import stopped. */
  error: string | null;
  startedAtMs: number;
  finishedAtMs: number | null;
  /** The whole report of a DONE import. */
  report: ImportReport | null;
}

export interface ImportJobs {
  /**
   * Starts `run` as a job and returns it at once; `done` settles when the job finishes (it never
   * rejects: a failure is the job's FAILED state and error).
   */
  start(
    fileName: string,
    run: (onProgress: (progress: ImportProgress) => void) => Promise<ImportReport>,
  ): { job: ImportJob; done: Promise<ImportJob> };
  get(id: string): ImportJob | null;
  /** The job now, then each change, ending after it finished. Null for an unknown id. */
  watch(id: string): AsyncIterable<ImportJob> | null;
}

export interface ImportJobsOptions {
  /** Finished jobs beyond this many are forgotten, oldest first. Default 100. */
  maxJobs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

export function createImportJobs(options: ImportJobsOptions = {}): ImportJobs {
  const maxJobs = options.maxJobs ?? 100;
  const now = options.now ?? Date.now;
  const jobs = new Map<string, ImportJob>();
  const watchers = new Map<string, Set<(job: ImportJob) => void>>();

  function update(id: string, change: Partial<ImportJob>): ImportJob {
    const job = { ...jobs.get(id)!, ...change };
    jobs.set(id, job);
    for (const notify of watchers.get(id) ?? []) notify(job);
    return job;
  }

  function forgetOldest(): void {
    for (const [id, job] of jobs) {
      if (jobs.size <= maxJobs) return;
      if (job.state !== "RUNNING") jobs.delete(id);
    }
  }

  function start(
    fileName: string,
    run: (onProgress: (progress: ImportProgress) => void) => Promise<ImportReport>,
  ) {
    const id = crypto.randomUUID();
    const job: ImportJob = {
      id,
      fileName,
      state: "RUNNING",
      bytesRead: 0,
      lines: 0,
      tradesRead: 0,
      stored: 0,
      duplicates: 0,
      rejected: 0,
      ignored: 0,
      barsRead: 0,
      barsStored: 0,
      rejections: [],
      error: null,
      startedAtMs: now(),
      finishedAtMs: null,
      report: null,
    };
    jobs.set(id, job);
    forgetOldest();
    const onProgress = (progress: ImportProgress) => {
      if (jobs.get(id)?.state === "RUNNING") update(id, progress);
    };
    const done = run(onProgress).then(
      (report) => update(id, { state: "DONE", ...countsOf(report), finishedAtMs: now(), report }),
      (error) =>
        update(id, {
          state: "FAILED",
          // What was read and stored before the import stopped, when it says.
          ...(error instanceof ImportStoppedError ? countsOf(error.report) : {}),
          error: error instanceof Error ? error.message : String(error),
          finishedAtMs: now(),
        }),
    ).finally(() => forgetOldest());
    return { job, done };
  }

  function watch(id: string): AsyncIterable<ImportJob> | null {
    const current = jobs.get(id);
    if (!current) return null;
    return new Repeater<ImportJob>(async (push, stop) => {
      const listeners = watchers.get(id) ?? new Set();
      watchers.set(id, listeners);
      const notify = (job: ImportJob) => {
        push(job);
        if (job.state !== "RUNNING") stop();
      };
      listeners.add(notify);
      notify(jobs.get(id) ?? current);
      await stop;
      listeners.delete(notify);
      if (listeners.size === 0) watchers.delete(id);
    });
  }

  return { start, get: (id) => jobs.get(id) ?? null, watch };
}

function countsOf(report: ImportReport): Partial<ImportJob> {
  return {
    bytesRead: report.bytesRead,
    lines: report.lines,
    tradesRead: report.tradesRead,
    stored: report.stored,
    duplicates: report.duplicates,
    rejected: report.rejected,
    ignored: report.ignored,
    barsRead: report.barsRead,
    barsStored: report.barsStored,
    rejections: report.rejections,
  };
}
