import assert from "node:assert/strict";
import type { ImportProgress, ImportReport } from "../ingest/import_file.ts";
import { createImportJobs, type ImportJob } from "./import_jobs.ts";

function reportOf(stored: number): ImportReport {
  return {
    file: "f.csv",
    format: "generic-csv",
    lines: stored + 1,
    bytesRead: 100,
    tradesRead: stored,
    stored,
    duplicates: 0,
    barsRead: 0,
    barsStored: 0,
    barDuplicates: 0,
    rejected: 0,
    ignored: 1,
    rejections: [],
    seconds: 0,
  };
}

Deno.test("a watcher sees the job now, each progress, then the finished job, and the watch ends", async () => {
  const jobs = createImportJobs();
  let report = (_progress: ImportProgress) => {};
  let finish = () => {};
  const { job, done } = jobs.start("f.csv", (onProgress) => {
    report = onProgress;
    return new Promise((resolve) => (finish = () => resolve(reportOf(2))));
  });
  const seen: ImportJob[] = [];
  const watching = (async () => {
    for await (const update of jobs.watch(job.id)!) seen.push(update);
  })();
  await new Promise((resolve) => setTimeout(resolve, 10));
  report({ bytesRead: 50, lines: 1, tradesRead: 1, stored: 0, rejected: 0 });
  finish();
  await done;
  await watching;
  assert.deepEqual(seen.map((update) => [update.state, update.bytesRead, update.stored]), [
    ["RUNNING", 0, 0],
    ["RUNNING", 50, 0],
    ["DONE", 100, 2],
  ]);
  assert.equal(jobs.get(job.id)?.ignored, 1);
  assert.equal(jobs.watch("no-such-job"), null);
});

Deno.test("a failed import is FAILED with its message", async () => {
  const jobs = createImportJobs();
  const { done } = jobs.start("f.csv.gz", () => Promise.reject(new SyntaxError("Cannot read f")));
  const failed = await done;
  assert.equal(failed.state, "FAILED");
  assert.equal(failed.error, "Cannot read f");
  assert.notEqual(failed.finishedAtMs, null);
});

Deno.test("only the newest finished jobs are kept; running ones are never forgotten", async () => {
  const jobs = createImportJobs({ maxJobs: 2 });
  const running = jobs.start("slow.csv", () => new Promise(() => {})).job;
  const finished: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { job, done } = jobs.start(`f${i}.csv`, () => Promise.resolve(reportOf(i)));
    await done;
    finished.push(job.id);
  }
  assert.equal(jobs.get(running.id)?.state, "RUNNING");
  assert.equal(jobs.get(finished[0]), null);
  assert.equal(jobs.get(finished[1]), null);
  assert.equal(jobs.get(finished[2])?.state, "DONE");
});
