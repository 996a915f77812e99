/**
 * Imports started by `POST /upload`: their state and counts by id (`importJob`), and the same live
 * as the file is read (`importProgress`: the job now, then each change, until it is done).
 */
import { isoFromMicros } from "../../domain.ts";
import { builder } from "../builder.ts";
import type { ApiContext } from "../context.ts";
import type { ImportJob, ImportJobs } from "../import_jobs.ts";
import { notFound } from "../errors.ts";
import { shown } from "../arguments.ts";

const ImportJobStateEnum = builder.enumType("ImportJobState", {
  values: ["RUNNING", "DONE", "FAILED"] as const,
});

const ImportJobType = builder.objectRef<ImportJob>("ImportJob").implement({
  description:
    "One upload being imported, or imported; the counts are those of `deno task import`.",
  fields: (t) => ({
    id: t.exposeID("id"),
    fileName: t.exposeString("fileName"),
    state: t.field({ type: ImportJobStateEnum, resolve: (job) => job.state }),
    bytesRead: t.float({
      description: "Bytes of the upload read so far (compressed bytes for a compressed file).",
      resolve: (job) => job.bytesRead,
    }),
    lines: t.exposeInt("lines"),
    tradesRead: t.exposeInt("tradesRead"),
    stored: t.int({
      description: "Trades stored for the first time.",
      resolve: (job) => job.stored,
    }),
    duplicates: t.int({
      description: "Trades stored before (known once the job is DONE).",
      resolve: (job) => job.duplicates,
    }),
    rejected: t.exposeInt("rejected"),
    ignored: t.exposeInt("ignored"),
    barsRead: t.exposeInt("barsRead"),
    barsStored: t.exposeInt("barsStored"),
    rejections: t.stringList({
      description: 'The first rejections, each "line N: what is wrong" (known once DONE).',
      resolve: (job) => job.rejections,
    }),
    error: t.string({ nullable: true, resolve: (job) => job.error }),
    startedAt: t.string({ resolve: (job) => isoFromMicros(job.startedAtMs * 1000) }),
    finishedAt: t.string({
      nullable: true,
      resolve: (job) => job.finishedAtMs === null ? null : isoFromMicros(job.finishedAtMs * 1000),
    }),
  }),
});

function importJobs(context: ApiContext): ImportJobs {
  if (!context.imports) throw notFound("This server takes no uploads, so it has no import jobs");
  return context.imports;
}

builder.queryFields((t) => ({
  importJob: t.field({
    type: ImportJobType,
    nullable: true,
    description: "An upload's import by the jobId POST /upload answered; null once forgotten.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => importJobs(context).get(String(args.id)),
  }),
}));

builder.subscriptionFields((t) => ({
  importProgress: t.field({
    type: ImportJobType,
    description:
      "The import now, then its counts as they change, ending when it is DONE or FAILED.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const updates = importJobs(context).watch(String(args.id));
      if (!updates) {
        throw notFound(`No import job ${shown(args.id)}: it never existed or was forgotten`);
      }
      return updates;
    },
    resolve: (job) => job,
  }),
}));
