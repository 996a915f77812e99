/**
 * Uploads through HTTP as a user's client sends them, compared with `deno task import` of the same
 * recorded file, with progress followed on the `importProgress` subscription.
 */
import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import { graphqlRequest, subscribe } from "../testing/graphql_client.ts";
import { databaseTest } from "../testing/databases.ts";
import { serveApp } from "../testing/served_app.ts";

const TICKS = "../shared/data/usdm-ticks-2025-12-16/btcusdt-ethusdt-usdm-ticks.csv.gz";
const TICKS_NAME = "btcusdt-ethusdt-usdm-ticks.csv.gz";

/** The counts `deno task import` prints for a file, run on a throw-away database. */
async function importCommandCounts(file: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "server/import.ts", "--quiet", file],
    env: { DATABASE_URL: "memory://", FEED: "none" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const count = (name: string) => Number(text.match(new RegExp(`${name} (\\d+)`))![1]);
  return {
    stored: count("stored"),
    rejected: count("rejected"),
    tradesRead: count("trades read"),
    firstRejection: text.match(/rejected (line \d+: .*)/)![1],
  };
}

const JOB_FIELDS = `id fileName state bytesRead lines tradesRead stored duplicates rejected ignored
  barsRead barsStored rejections error startedAt finishedAt`;

interface Job {
  id: string;
  state: string;
  bytesRead: number;
  lines: number;
  tradesRead: number;
  stored: number;
  duplicates: number;
  rejected: number;
  rejections: string[];
  error: string | null;
  finishedAt: string | null;
}

/**
 * A request body without a declared length, sent in parts of `partBytes` once `started` resolves,
 * `pauseMs` apart, as a slow connection would: the import is seen while it runs.
 */
function slowBody(bytes: Uint8Array, partBytes: number, pauseMs: number, started?: Promise<void>) {
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(bytes.slice(0, partBytes));
      await started;
      for (let offset = partBytes; offset < bytes.length; offset += partBytes) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        controller.enqueue(bytes.slice(offset, offset + partBytes));
      }
      controller.close();
    },
  });
}

databaseTest(
  "an uploaded recorded file stores what deno task import stores, with progress live and bars queryable",
  async (db) => {
    const expected = await importCommandCounts(TICKS);
    assert.equal(expected.stored, 33_661);
    assert.equal(expected.rejected, 192);
    // PGlite: a database of the app's own; PostgreSQL: the fresh database made for this test.
    const { baseUrl, stop } = await serveApp({ databaseUrl: db.url });
    try {
      const bytes = await Deno.readFile(TICKS);
      let subscribed = () => {};
      const body = slowBody(bytes, 20_000, 300, new Promise((resolve) => (subscribed = resolve)));
      const answer = await fetch(`${baseUrl}/upload?name=${TICKS_NAME}`, { method: "POST", body });
      assert.equal(answer.status, 202);
      // The answer's first line comes at once; the response ends once the upload has been read.
      const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
      let firstLine = "";
      while (!firstLine.includes("\n")) firstLine += (await reader.read()).value;
      const { jobId } = JSON.parse(firstLine);
      assert.match(jobId, /^[0-9a-f-]{36}$/);

      const progress = subscribe<{ importProgress: Job }>(
        baseUrl,
        `subscription ($id: ID!) { importProgress(id: $id) { ${JOB_FIELDS} } }`,
        { id: jobId },
      );
      await progress.waitFor((events) => events.length > 0);
      subscribed();
      const events = await progress.waitFor(
        (all) => all.at(-1)?.importProgress.state === "DONE",
        30_000,
      );
      await progress.close();
      assert.equal((await reader.read()).done, true);
      const running = events.filter((e) => e.importProgress.state === "RUNNING")
        .map((e) => e.importProgress);
      assert.ok(
        running.some((job) => job.bytesRead > 0 && job.bytesRead < bytes.length && job.lines > 0),
        `progress while running: ${JSON.stringify(running.map((job) => job.bytesRead))}`,
      );
      for (let i = 1; i < running.length; i++) {
        assert.ok(running[i].bytesRead >= running[i - 1].bytesRead);
        assert.ok(running[i].stored >= running[i - 1].stored);
      }
      const done = events.at(-1)!.importProgress;
      assert.equal(done.stored, expected.stored);
      assert.equal(done.rejected, expected.rejected);
      assert.equal(done.tradesRead, expected.tradesRead);
      assert.equal(done.duplicates, 0);
      assert.equal(done.bytesRead, bytes.length);
      assert.equal(done.rejections.length, 192);
      assert.equal(done.rejections[0], expected.firstRejection);
      for (const reason of done.rejections) assert.match(reason, /^line \d+: /);
      assert.notEqual(done.finishedAt, null);

      const status = await graphqlRequest<{ importJob: Job }>(
        baseUrl,
        `query ($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`,
        { id: jobId },
      );
      assert.equal(status.errors, undefined);
      assert.deepEqual(status.data!.importJob, done);

      // The file has 38 distinct minutes per symbol among its positive-price rows
      // (`zcat FILE | awk -F, 'NR>1 && $3>0 {print $2, substr($1,1,16)}' | sort -u`).
      const bars = await graphqlRequest<Record<string, { trades: number }[]>>(
        baseUrl,
        `{ btc: bars(symbol: "BTCUSDT", timeframe: M1) { time trades }
         eth: bars(symbol: "ETHUSDT", timeframe: M1) { time trades } }`,
      );
      assert.equal(bars.errors, undefined);
      assert.equal(bars.data!.btc.length, 38);
      assert.equal(bars.data!.eth.length, 38);
      const barTrades = [...bars.data!.btc, ...bars.data!.eth].reduce(
        (sum, bar) => sum + bar.trades,
        0,
      );
      assert.equal(barTrades, expected.stored);

      // The same file again: everything is a duplicate.
      const again = await fetch(`${baseUrl}/upload?name=${TICKS_NAME}&wait=1`, {
        method: "POST",
        body: bytes,
      });
      assert.equal(again.status, 200);
      const report = await again.json();
      assert.equal(report.stored, 0);
      assert.equal(report.duplicates, expected.stored);
      assert.equal(report.rejected, 192);
    } finally {
      await stop();
    }
  },
);

Deno.test("a malformed upload answers a line-numbered report", async () => {
  const { baseUrl, stop } = await serveApp();
  try {
    const csv = "time,symbol,price,qty\n" +
      "2025-12-16T16:44:10.614Z,BTCUSDT,87479.2,0.006\n" +
      "2025-12-16T16:44:11.000Z,BTCUSDT,not-a-price,0.006\n" +
      "2025-12-16T16:44:12.000Z,BTCUSDT,87480.1,0.010\n" +
      "yesterday,BTCUSDT,87480.1,0.010\n";
    const answer = await fetch(`${baseUrl}/upload?name=ticks.csv&wait=1`, {
      method: "POST",
      body: csv,
    });
    assert.equal(answer.status, 200);
    const report = await answer.json();
    assert.equal(report.stored, 2);
    assert.equal(report.rejected, 2);
    assert.match(report.rejections[0], /^line 3: /);
    assert.match(report.rejections[1], /^line 5: /);

    const noSymbol = await fetch(`${baseUrl}/upload?name=ticks.csv&wait=1`, {
      method: "POST",
      body: "time,price,qty\n2025-12-16T16:44:10.614Z,87479.2,0.006\n",
    });
    assert.equal(noSymbol.status, 400);
    assert.match((await noSymbol.json()).error, /^Cannot tell the symbol of ticks.csv/);

    const noName = await fetch(`${baseUrl}/upload`, { method: "POST", body: csv });
    assert.equal(noName.status, 400);
    assert.match((await noName.json()).error, /^name is required/);
    const badFormat = await fetch(`${baseUrl}/upload?name=a.csv&format=xml`, {
      method: "POST",
      body: csv,
    });
    assert.equal(badFormat.status, 400);
    assert.match((await badFormat.json()).error, /^format "xml"/);
  } finally {
    await stop();
  }
});

Deno.test("an upload over UPLOAD_MAX_BYTES is refused with 413, before reading when its length is declared", async () => {
  const { baseUrl, app, stop } = await serveApp({ uploadMaxBytes: 50_000 });
  try {
    const bytes = await Deno.readFile(TICKS);
    const declared = await fetch(`${baseUrl}/upload?name=${TICKS_NAME}`, {
      method: "POST",
      body: bytes,
    });
    assert.equal(declared.status, 413);
    assert.match((await declared.json()).error, /larger than 50000 bytes.*UPLOAD_MAX_BYTES/);

    assert.deepEqual(await app.store.instruments(), []);

    // No Content-Length: the limit is met while reading; what was read before it stays stored.
    const body = slowBody(bytes, 10_000, 0);
    const streamed = await fetch(`${baseUrl}/upload?name=${TICKS_NAME}&wait=1`, {
      method: "POST",
      body,
    });
    assert.equal(streamed.status, 413);
    const answer = await streamed.json();
    assert.match(answer.error, /larger than 50000 bytes/);
    const job = await graphqlRequest<{ importJob: Job }>(
      baseUrl,
      `query ($id: ID!) { importJob(id: $id) { state error } }`,
      { id: answer.jobId },
    );
    assert.equal(job.data!.importJob.state, "FAILED");
    const stored = (await app.store.instruments()).reduce((sum, row) => sum + row.tradeCount, 0);
    assert.ok(stored < 33_661, `${stored} trades stored from the first 50,000 bytes`);
  } finally {
    await stop();
  }
});

Deno.test("with API_TOKEN set, uploads and mutations need the token while queries stay open", async () => {
  const { baseUrl, app, stop } = await serveApp({ access: { token: "s3cret" } });
  try {
    const csv = "time,symbol,price,qty\n2025-12-16T16:44:10.614Z,BTCUSDT,87479.2,0.006\n";
    for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
      const refused = await fetch(`${baseUrl}/upload?name=ticks.csv&wait=1`, {
        method: "POST",
        headers,
        body: csv,
      });
      assert.equal(refused.status, 401);
      assert.equal((await refused.json()).code, "UNAUTHENTICATED");
    }
    assert.deepEqual(await app.store.instruments(), []);
    const accepted = await fetch(`${baseUrl}/upload?name=ticks.csv&wait=1`, {
      method: "POST",
      headers: { authorization: "Bearer s3cret" },
      body: csv,
    });
    assert.equal(accepted.status, 200);
    assert.equal((await accepted.json()).stored, 1);
    const open = await graphqlRequest(baseUrl, "{ instruments { symbol tradeCount } }");
    assert.deepEqual(open.data, { instruments: [{ symbol: "BTCUSDT", tradeCount: 1 }] });
    const exported = await fetch(`${baseUrl}/export/trades.csv?symbol=BTCUSDT`);
    assert.equal(exported.status, 200);
    assert.equal((await exported.text()).split("\n").length, 3);

    const create = `mutation { createAlertRule(input: { symbol: "BTCUSDT", condition: ABOVE,
      level: 100000 }) { id } }`;
    const rules = async () =>
      (await graphqlRequest<{ alertRules: unknown[] }>(baseUrl, "{ alertRules { id } }")).data!
        .alertRules.length;
    for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
      const refused = await graphqlRequest(baseUrl, create, {}, headers);
      assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
      assert.equal(refused.data ?? null, null);
    }
    const overSocket = await firstSubscriptionResult(baseUrl, create, {}, {});
    assert.equal(overSocket.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    assert.equal(await rules(), 0, "nothing created without the token");

    const created = await graphqlRequest(baseUrl, create, {}, { authorization: "Bearer s3cret" });
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const createdOverSocket = await firstSubscriptionResult(baseUrl, create, {}, {
      authorization: "Bearer s3cret",
    });
    assert.equal(createdOverSocket.errors, undefined, JSON.stringify(createdOverSocket.errors));
    assert.equal(await rules(), 2);
  } finally {
    await stop();
  }
});

Deno.test("with API_TOKEN_READS, queries, subscriptions and exports need the token too", async () => {
  const { baseUrl, stop } = await serveApp({ access: { token: "s3cret", reads: true } });
  try {
    const refused = await graphqlRequest(baseUrl, "{ instruments { symbol } }");
    assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    assert.equal(refused.data ?? null, null);
    const allowed = await graphqlRequest(baseUrl, "{ instruments { symbol } }", {}, {
      authorization: "Bearer s3cret",
    });
    assert.deepEqual(allowed.data, { instruments: [] });
    const exported = await fetch(`${baseUrl}/export/trades.csv?symbol=BTCUSDT`);
    assert.equal(exported.status, 401);
    await exported.body?.cancel();

    const answer = await fetch(`${baseUrl}/upload?name=ticks.csv&wait=1`, {
      method: "POST",
      headers: { authorization: "Bearer s3cret" },
      body: "time,symbol,price,qty\n2025-12-16T16:44:10.614Z,BTCUSDT,87479.2,0.006\n",
    });
    const { jobId } = await answer.json();
    const query = `subscription ($id: ID!) { importProgress(id: $id) { state stored } }`;
    const withoutToken = await firstSubscriptionResult(baseUrl, query, { id: jobId }, {});
    assert.equal(withoutToken.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    const withToken = await firstSubscriptionResult(baseUrl, query, { id: jobId }, {
      authorization: "Bearer s3cret",
    });
    assert.deepEqual(withToken.data, { importProgress: { state: "DONE", stored: 1 } });
    const withUpgradeHeader = await firstSubscriptionResult(baseUrl, query, { id: jobId }, {}, {
      authorization: "Bearer s3cret",
    });
    assert.deepEqual(withUpgradeHeader.data, { importProgress: { state: "DONE", stored: 1 } });
    const wrongUpgradeHeader = await firstSubscriptionResult(baseUrl, query, { id: jobId }, {}, {
      authorization: "Bearer wrong",
    });
    assert.equal(wrongUpgradeHeader.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
  } finally {
    await stop();
  }
});

/**
 * The first result (or error) of a graphql-ws operation opened with a connection payload, and
 * with headers on the upgrade request (as a server-side client can send them).
 */
async function firstSubscriptionResult(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  connectionParams: Record<string, string>,
  upgradeHeaders: Record<string, string> = {},
): Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }> {
  // Deno's WebSocket takes `{ protocols, headers }` as its second argument; lib.dom's type says not.
  const DenoWebSocket = WebSocket as unknown as new (
    url: string | URL,
    options: { protocols?: string | string[]; headers?: Record<string, string> },
  ) => WebSocket;
  class WebSocketWithHeaders extends DenoWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, {
        protocols: protocols === undefined ? [] : [protocols].flat(),
        headers: upgradeHeaders,
      });
    }
  }
  const client = createClient({
    url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocketWithHeaders,
    retryAttempts: 0,
    connectionParams,
  });
  try {
    return await new Promise((resolve, reject) => {
      client.subscribe({ query, variables }, {
        next: (value) => resolve(value as never),
        error: (error) =>
          Array.isArray(error) ? resolve({ errors: error as never }) : reject(error),
        complete: () => {},
      });
    });
  } finally {
    await client.dispose();
  }
}
