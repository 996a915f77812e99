/**
 * Hostile requests against the running product: malformed bodies, wrong content types, unknown
 * operations, oversized bodies, deep documents, alias floods, huge variables, absurd numbers and
 * strings, too many sockets and subscriptions, foreign origins. Each is answered with an error
 * that says what is wrong, and the server stays healthy and keeps serving ordinary requests.
 */
import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import type { Trade } from "../domain.ts";
import { type AppOptions, createApp } from "../app.ts";
import { serveApp, type ServedApp } from "../testing/served_app.ts";
import { graphqlRequest, subscribe } from "../testing/graphql_client.ts";

const T0 = Date.UTC(2024, 7, 8, 23, 0, 0) * 1000;

function trade(symbol: string, tradeId: number, offsetSeconds: number, price: number): Trade {
  return {
    venue: "binance-futures",
    symbol,
    tradeId,
    price: String(price),
    qty: "0.5",
    timeUs: T0 + offsetSeconds * 1e6,
    receivedAtUs: T0 + offsetSeconds * 1e6,
    buyerMaker: false,
  };
}

type Served = ServedApp;

function serve(api: AppOptions["api"] = {}): Promise<Served> {
  return serveApp({ maxPointsPerResponse: 1_000, api });
}

async function post(baseUrl: string, body: BodyInit, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

/** The status line of a WebSocket upgrade sent by hand (fetch cannot send one). */
async function upgradeStatus(baseUrl: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(baseUrl);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  const lines = [
    "GET /graphql HTTP/1.1",
    `Host: ${hostname}:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Protocol: graphql-transport-ws",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  await connection.write(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`));
  const buffer = new Uint8Array(4096);
  const read = await connection.read(buffer);
  connection.close();
  const text = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
  return { status: Number(text.split(" ")[1]), text };
}

async function assertHealthy(served: Served) {
  const health = await fetch(`${served.baseUrl}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const answer = await graphqlRequest<{ instruments: { symbol: string }[] }>(
    served.baseUrl,
    "{ instruments { symbol } }",
  );
  assert.deepEqual(answer.data?.instruments.map((i) => i.symbol), ["BTCUSDT", "ETHUSDT"]);
}

Deno.test("hostile HTTP requests get clear errors and the server stays healthy", async (t) => {
  const served = await serve({ maxBodyBytes: 512 * 1024 });
  const { baseUrl } = served;
  try {
    served.app.queue.push(
      Array.from({ length: 20 }, (_, i) => [
        trade("BTCUSDT", i + 1, i * 60, 60_000 + i),
        trade("ETHUSDT", i + 1, i * 60, 2_600 + i / 10),
      ]).flat(),
    );
    await served.app.queue.flush();

    await t.step("malformed JSON", async () => {
      const answer = await post(baseUrl, '{"query": "{ instruments { symbol } }"');
      assert.equal(answer.status, 400);
      assert.match(answer.json().errors[0].message, /JSON/);
    });

    await t.step("a content type that is not GraphQL", async () => {
      const answer = await post(baseUrl, "{ instruments { symbol } }", {
        "content-type": "text/plain",
      });
      assert.equal(answer.status, 415);
      assert.equal(answer.json().errors[0].extensions.code, "UNSUPPORTED_MEDIA_TYPE");
      assert.match(
        answer.json().errors[0].message,
        /application\/json.*got Content-Type text\/plain/,
      );
    });

    await t.step("an unknown operation name", async () => {
      const answer = await post(
        baseUrl,
        JSON.stringify({ query: "query A { instruments { symbol } }", operationName: "B" }),
      );
      assert.match(
        answer.json().errors[0].message,
        /Unknown operation named "B": the document defines A/,
      );
      assert.equal(answer.json().errors[0].extensions.code, "BAD_USER_INPUT");
    });

    await t.step("a body over GRAPHQL_MAX_BODY_BYTES: 413 by Content-Length", async () => {
      const huge = JSON.stringify({ query: `{ instruments { symbol } }`, x: "a".repeat(600_000) });
      const answer = await post(baseUrl, huge);
      assert.equal(answer.status, 413);
      assert.equal(answer.json().errors[0].extensions.code, "PAYLOAD_TOO_LARGE");
      assert.match(answer.json().errors[0].message, /over 524288 bytes.*GRAPHQL_MAX_BODY_BYTES/);
    });

    await t.step("a streamed body without Content-Length is stopped at the limit", async () => {
      const chunk = new TextEncoder().encode("a".repeat(16 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 100) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const answer = await post(baseUrl, body);
      assert.equal(answer.status, 413);
    });

    await t.step("a document nested 30 levels deep", async () => {
      let selection = "name";
      for (let level = 0; level < 26; level++) selection = `ofType { ${selection} }`;
      const answer = await post(
        baseUrl,
        JSON.stringify({ query: `{ __type(name: "Query") { fields { type { ${selection} } } } }` }),
      );
      const [error] = answer.json().errors;
      assert.equal(error.extensions.code, "QUERY_LIMIT");
      assert.match(error.message, /30 levels deep, over the limit of 20 \(GRAPHQL_MAX_DEPTH\)/);
    });

    await t.step("the same document limits apply over graphql-ws", async () => {
      let selection = "name";
      for (let level = 0; level < 26; level++) selection = `ofType { ${selection} }`;
      const deep = await subscribeOnce(
        baseUrl,
        `{ __type(name: "Query") { fields { type { ${selection} } } } }`,
      );
      assert.equal(deep.errors?.[0].extensions?.code, "QUERY_LIMIT");
      assert.match(deep.errors![0].message, /30 levels deep/);
      const aliases = await subscribeOnce(
        baseUrl,
        `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: instruments { symbol }`).join(" ")} }`,
      );
      assert.match(aliases.errors![0].message, /31 aliases.*GRAPHQL_MAX_ALIASES/);
    });

    await t.step("10,000 aliases", async () => {
      const query = `{ ${
        Array.from({ length: 10_000 }, (_, i) => `a${i}: instruments { symbol }`).join(" ")
      } }`;
      const answer = await post(baseUrl, JSON.stringify({ query }));
      const [error] = answer.json().errors;
      assert.equal(error.extensions.code, "QUERY_LIMIT");
      assert.match(error.message, /GRAPHQL_MAX_TOKENS/);
    });

    await t.step("huge variables: 5,000 symbols for a scan", async () => {
      const symbols = Array.from({ length: 5_000 }, (_, i) => `SYM${i}USDT`);
      const answer = await graphqlRequest(
        baseUrl,
        "query($s: [String!]!) { pairScan(symbols: $s, timeframe: M1) { base } }",
        { s: symbols },
      );
      assert.equal(answer.errors?.[0].extensions?.code, "BAD_USER_INPUT");
      assert.match(answer.errors![0].message, /at most 30 symbols \(5000 given\)/);
    });

    await t.step("a 100,000-character symbol is refused without being echoed whole", async () => {
      const answer = await post(
        baseUrl,
        JSON.stringify({
          query: "query($s: String!) { bars(symbol: $s, timeframe: M1) { time } }",
          variables: { s: "X".repeat(60_000) },
        }),
      );
      const [error] = answer.json().errors;
      assert.equal(error.extensions.code, "BAD_USER_INPUT");
      assert.match(error.message, /symbol "X{40}\.\.\. \(60000 characters\)" is not a symbol/);
      assert.ok(answer.text.length < 2_000, `answer of ${answer.text.length} bytes`);
    });

    const pair = `{ base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1 }`;
    const refusals: [string, RegExp][] = [
      [
        `{ bars(symbol: "BTCUSDT", timeframe: M1, limit: -5) { time } }`,
        /limit must be a positive/,
      ],
      [
        `{ bars(symbol: "BTCUSDT", timeframe: M1, limit: 5000) { time } }`,
        /over the limit of 1000/,
      ],
      [
        `{ bars(symbol: "BTCUSDT", timeframe: M1, from: "9999999999999999") { time } }`,
        /from "9999999999999999" is outside 1970 to 9999/,
      ],
      [
        `{ bars(symbol: "BTCUSDT", timeframe: M1, from: "2024-13-45") { time } }`,
        /from "2024-13-45" is not a time/,
      ],
      [`{ bars(symbol: "BTCUSDT", venue: "Ω", timeframe: M1) { time } }`, /venue "Ω" is not/],
      [
        `{ pairAnalytics(input: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1, zWindow: 2000000000 }) { n } }`,
        /zWindow must be a whole number from 2 to 1000 points, got 2000000000/,
      ],
      [
        `{ pairAnalytics(input: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1, kalmanR: 1e999 }) { n } }`,
        /kalmanR must be a positive number, got Infinity/,
      ],
      [
        `{ pairAnalytics(input: { base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1, kalmanDelta: -1 }) { n } }`,
        /kalmanDelta must be between 0 and 1/,
      ],
      [
        `{ backtest(input: { pair: ${pair}, entry: 1e999 }) { netPnl } }`,
        /entry must be a positive/,
      ],
      [
        `{ backtest(input: { pair: ${pair}, feeBps: -3 }) { netPnl } }`,
        /feeBps must be at least 0/,
      ],
      [
        `{ backtest(input: { pair: ${pair}, notional: 1e300 }) { netPnl } }`,
        /notional 1e\+300 is over the limit of 1000000000000/,
      ],
      [
        `subscription { trades(symbols: [${'"BTCUSDT",'.repeat(1001)}]) { price } }`,
        /trades takes at most 1000 symbols \(1001 given\)/,
      ],
      [
        `{ backtestSweep(input: { pair: ${pair}, entries: [${
          "1,".repeat(500)
        }], exits: [0] }) { netPnl } }`,
        /500 cells .* over the limit of 400/,
      ],
      [`{ alertEvents(limit: 0) { id } }`, /limit must be a positive whole number, got 0/],
      [
        `mutation { createAlertRule(input: { condition: ABOVE, level: 1e999, symbol: "BTCUSDT" }) { id } }`,
        /level must be a finite number/,
      ],
      [
        `mutation { createAlertRule(input: { condition: ABOVE, level: 1, symbol: "BTCUSDT", webhookUrl: "https://x.example/${
          "a".repeat(3000)
        }" }) { id } }`,
        /webhookUrl is 3\d{3} characters long, over the limit of 2048/,
      ],
      [
        `subscription { pairStream(input: ${pair}, maxPerSecond: 1e999) { time } }`,
        /maxPerSecond must be above 0 and at most 100/,
      ],
    ];
    await t.step("absurd numbers, dates and strings in arguments", async () => {
      for (const [query, message] of refusals) {
        const answer = query.startsWith("subscription")
          ? await subscribeOnce(baseUrl, query)
          : await graphqlRequest(baseUrl, query);
        const error = answer.errors?.[0];
        assert.equal(error?.extensions?.code, "BAD_USER_INPUT", `${query}: ${error?.message}`);
        assert.match(error!.message, message, query);
      }
    });

    await t.step("a 32-bit overflow is refused by GraphQL's own Int check", async () => {
      const answer = await graphqlRequest(
        baseUrl,
        `{ bars(symbol: "BTCUSDT", timeframe: M1, limit: 99999999999) { time } }`,
      );
      assert.match(answer.errors![0].message, /Int cannot represent non 32-bit signed integer/);
    });

    await t.step("after all of it the server is healthy", () => assertHealthy(served));
  } finally {
    await served.stop();
  }
});

/** The first answer of a subscription over graphql-ws (its error, typically). */
async function subscribeOnce(baseUrl: string, query: string) {
  const client = createClient({
    url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  try {
    return await new Promise<{ errors?: { message: string; extensions?: { code?: string } }[] }>(
      (resolve) => {
        client.subscribe({ query }, {
          next: (value) => resolve(value as never),
          error: (error) => resolve({ errors: error as never }),
          complete: () => resolve({}),
        });
      },
    );
  } finally {
    await client.dispose();
  }
}

Deno.test("sockets per address, operations per socket, socket origins and socket messages are limited", async (t) => {
  const served = await serve({
    maxSocketsPerAddress: 3,
    maxSubscriptionsPerSocket: 2,
    maxBodyBytes: 4_096,
    corsOrigins: ["https://charts.example"],
  });
  const { baseUrl } = served;
  const open: { close(): Promise<void> }[] = [];
  try {
    served.app.queue.push([trade("BTCUSDT", 1, 0, 60_000), trade("ETHUSDT", 1, 0, 2_600)]);
    await served.app.queue.flush();

    await t.step("a third subscription on one socket is refused; the first two go on", async () => {
      const client = createClient({
        url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      open.push({ close: () => client.dispose() as Promise<void> });
      const errors: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        client.subscribe({ query: "subscription { alerts { id } }" }, {
          next: () => {},
          error: (error) => errors.push(error),
          complete: () => {},
        });
      }
      const deadline = Date.now() + 10_000;
      while (errors.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const [refusal] = errors[0] as { message: string; extensions: { code: string } }[];
      assert.equal(refusal.extensions.code, "TOO_MANY_SUBSCRIPTIONS");
      assert.match(refusal.message, /already runs 2 operations.*MAX_SUBSCRIPTIONS_PER_SOCKET/);
      while (served.app.http.subscriptionCount() !== 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(served.app.http.subscriptionCount(), 2);
    });

    await t.step("a fourth socket from one address is answered 429", async () => {
      for (let i = 0; i < 2; i++) {
        const live = subscribe(baseUrl, "subscription { alerts { id } }");
        open.push(live);
      }
      const deadline = Date.now() + 10_000;
      while (served.app.http.socketCount() < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const refused = await upgradeStatus(baseUrl);
      assert.equal(refused.status, 429);
      assert.match(
        refused.text,
        /Too many open sockets from 127\.0\.0\.1: 3.*MAX_SOCKETS_PER_ADDRESS/,
      );
      await open.pop()!.close();
      while (served.app.http.socketCount() > 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // A slot was freed: the address may connect again.
      assert.equal((await upgradeStatus(baseUrl)).status, 101);
    });

    await t.step("a socket from a page of another site is refused 403", async () => {
      while (served.app.http.socketCount() > 2) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const foreign = await upgradeStatus(baseUrl, { Origin: "https://evil.example" });
      assert.equal(foreign.status, 403);
      assert.match(foreign.text, /Origin https:\/\/evil\.example may not open sockets/);
    });

    await t.step("CORS answers only the configured origin", async () => {
      const preflight = (origin: string) =>
        fetch(`${baseUrl}/graphql`, {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
          },
        });
      const allowed = await preflight("https://charts.example");
      await allowed.body?.cancel();
      assert.equal(allowed.headers.get("access-control-allow-origin"), "https://charts.example");
      const other = await preflight("https://evil.example");
      await other.body?.cancel();
      assert.notEqual(other.headers.get("access-control-allow-origin"), "https://evil.example");
      assert.notEqual(other.headers.get("access-control-allow-origin"), "*");
    });

    await t.step("a socket message over the body limit closes that socket only", async () => {
      const client = createClient({
        url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        client.on("closed", (event) => resolve(event as { code: number; reason: string }));
      });
      client.subscribe(
        { query: `{ instruments { symbol } }`, variables: { pad: "x".repeat(10_000) } },
        { next: () => {}, error: () => {}, complete: () => {} },
      );
      const event = await closed;
      assert.equal(event.code, 4400);
      assert.match(event.reason, /over 4096 bytes/);
      await client.dispose();
    });
  } finally {
    for (const socket of open) await socket.close();
    await served.stop();
  }
});

Deno.test("with introspection and GraphiQL off, __schema is refused on HTTP and sockets and no page is served", async () => {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    log: () => {},
    graphiql: false,
    api: { introspection: false },
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  try {
    const http = await graphqlRequest(baseUrl, "{ __schema { types { name } } }");
    assert.equal(http.errors?.[0].extensions?.code, "INTROSPECTION_DISABLED");
    assert.match(http.errors![0].message, /GRAPHQL_INTROSPECTION=0/);
    const socket = await subscribeOnce(baseUrl, `{ __type(name: "Query") { name } }`);
    assert.equal(socket.errors?.[0].extensions?.code, "INTROSPECTION_DISABLED");
    const typename = await graphqlRequest(baseUrl, "{ __typename }");
    assert.deepEqual(typename.data, { __typename: "Query" });
    const page = await fetch(`${baseUrl}/graphql`, { headers: { accept: "text/html" } });
    assert.doesNotMatch(await page.text(), /graphiql/i);
  } finally {
    await app.close();
    await server.shutdown();
  }
});
