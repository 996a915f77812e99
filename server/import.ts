/**
 * `deno task import [--venue V] [--symbol S] [--format F] FILE...`: loads recorded data through the
 * ingest path, prints progress while it runs and the counts per file, then exits (1 when a file
 * could not be read at all).
 */
import { parseArgs } from "node:util";
import { readConfig, venueOfFeed } from "./config.ts";
import { openDatabase } from "./store/database.ts";
import { loadMigrations, migrate } from "./store/migrations.ts";
import { createTradeStore } from "./store/trade_store.ts";
import { importFile, type ImportReport, ImportStoppedError } from "./ingest/import_file.ts";
import { REPLAY_FORMATS, type ReplayFormat } from "./feed/replay/replay_record.ts";

const USAGE = "Usage: deno task import [--venue V] [--symbol S] [--format " +
  `${REPLAY_FORMATS.join("|")}] FILE...`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      venue: { type: "string" },
      symbol: { type: "string" },
      format: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.format !== undefined && !REPLAY_FORMATS.includes(values.format as ReplayFormat)) {
    console.error(`--format ${values.format} is not one of ${REPLAY_FORMATS.join(", ")}`);
    return 2;
  }
  const config = readConfig(Deno.env.toObject());
  const db = await openDatabase(config.databaseUrl);
  let failures = 0;
  try {
    const migration = await migrate(
      db.sql,
      await loadMigrations(new URL("../migrations/", import.meta.url)),
    );
    const store = createTradeStore(db.sql, { continuousAggregates: migration.timescale });
    for (const file of positionals) {
      const size = await Deno.stat(file).then((info) => info.size, () => null);
      if (size === null) {
        console.error(`${file}: no such file`);
        failures += 1;
        continue;
      }
      try {
        const report = await importFile(file, store, {
          defaultVenue: venueOfFeed(config.feed),
          venue: values.venue,
          symbol: values.symbol,
          format: values.format as ReplayFormat | undefined,
          onProgress: values.quiet ? undefined : (progress) => {
            const percent = size > 0 ? Math.min(100, (100 * progress.bytesRead) / size) : 100;
            Deno.stderr.writeSync(new TextEncoder().encode(
              `\r${file}: ${percent.toFixed(0)}%  ${progress.lines} lines, ` +
                `${progress.stored} stored, ${progress.rejected} rejected   `,
            ));
          },
        });
        if (!values.quiet) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
        printReport(report);
      } catch (error) {
        if (!values.quiet) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
        console.error(`${file}: ${(error as Error).message}`);
        if (error instanceof ImportStoppedError) {
          console.error(
            `  stopped after ${error.report.lines} lines; stored before it stopped ` +
              "(kept: importing the file again stores only what is missing):",
          );
          printReport(error.report);
        }
        failures += 1;
      }
    }
    // TimescaleDB: make the imported range visible in the bars now rather than at the next policy run.
    await store.refreshBars(null);
  } finally {
    await db.close();
  }
  return failures > 0 ? 1 : 0;
}

function printReport(report: ImportReport): void {
  const lines = [
    `${report.file} (${report.format ?? "unknown format"}, ${report.seconds}s)`,
    `  lines ${report.lines}: trades read ${report.tradesRead}, stored ${report.stored}, ` +
    `duplicates ${report.duplicates}, rejected ${report.rejected}, ignored ${report.ignored}`,
  ];
  if (report.barsRead > 0) {
    lines.push(
      `  bars read ${report.barsRead}, stored ${report.barsStored}, duplicates ${report.barDuplicates}`,
    );
  }
  for (const reason of report.rejections.slice(0, 20)) lines.push(`  rejected ${reason}`);
  if (report.rejected > 20) lines.push(`  ... and ${report.rejected - 20} more rejections`);
  console.log(lines.join("\n"));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
