import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import { createApp } from "../app.ts";
import { graphqlRequest } from "../testing/graphql_client.ts";
import {
  createPersistedOperations,
  type PersistedOperations,
  sha256Hex,
} from "./persisted_operations.ts";

const INSTRUMENTS = "query Instruments {\n  instruments {\n    symbol\n  }\n}";
const HASH = sha256Hex(INSTRUMENTS);
const PERSISTED = { persistedQuery: { version: 1, sha256Hash: HASH } };

Deno.test("a manifest entry whose hash is not its document's is refused at load", () => {
  assert.throws(
    () => createPersistedOperations({ ["0".repeat(64)]: INSTRUMENTS }, "persisted.json"),
    /persisted\.json: the entry 0{64} holds a document whose sha256 is [0-9a-f]{64}/,
  );
  assert.equal(createPersistedOperations({ [HASH]: INSTRUMENTS }).get(HASH), INSTRUMENTS);
});

async function serve(operations: PersistedOperations, only: boolean) {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    log: () => {},
    api: { persisted: { operations, only } },
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    async stop() {
      await app.close();
      await server.shutdown();
    },
  };
}

async function postHash(baseUrl: string, extensions: unknown, query?: string) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, extensions, variables: {} }),
  });
  return await response.json();
}

/** The first answer of one operation over graphql-ws. */
async function overSocket(baseUrl: string, payload: Record<string, unknown>) {
  const client = createClient({
    url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  try {
    return await new Promise<Record<string, unknown>>((resolve) => {
      client.subscribe({ query: "", ...payload } as never, {
        next: (value) => resolve(value as never),
        error: (error) => resolve({ errors: error }),
        complete: () => {},
      });
    });
  } finally {
    await client.dispose();
  }
}

Deno.test("persisted-only: the manifest's operations run by hash on HTTP and sockets, document text is refused", async () => {
  const { baseUrl, stop } = await serve(createPersistedOperations({ [HASH]: INSTRUMENTS }), true);
  try {
    assert.deepEqual(await postHash(baseUrl, PERSISTED), { data: { instruments: [] } });
    assert.deepEqual(await overSocket(baseUrl, { extensions: PERSISTED }), {
      data: { instruments: [] },
    });
    const text = await graphqlRequest(baseUrl, "{ instruments { symbol } }");
    assert.equal(text.errors?.[0].extensions?.code, "PERSISTED_QUERY_ONLY");
    assert.match(text.errors![0].message, /GRAPHQL_PERSISTED_ONLY=1/);
    const socketText = await overSocket(baseUrl, { query: "{ instruments { symbol } }" });
    assert.equal(
      (socketText.errors as { extensions: { code: string } }[])[0].extensions.code,
      "PERSISTED_QUERY_ONLY",
    );
    const unknown = await postHash(baseUrl, {
      persistedQuery: { version: 1, sha256Hash: "f".repeat(64) },
    });
    assert.equal(unknown.errors[0].message, "PersistedQueryNotFound");
    assert.equal(unknown.errors[0].extensions.code, "PERSISTED_QUERY_NOT_FOUND");
    // The dashboard's retry after a miss carries the text: refused too in this mode.
    const retry = await postHash(baseUrl, PERSISTED, "{ __schema { types { name } } }");
    assert.equal(retry.errors[0].extensions.code, "PERSISTED_QUERY_ONLY");
  } finally {
    await stop();
  }
});

Deno.test("by default text runs too, and an unknown hash asks for the text the way APQ clients expect", async () => {
  const { baseUrl, stop } = await serve(createPersistedOperations({}), false);
  try {
    const miss = await postHash(baseUrl, PERSISTED);
    assert.equal(miss.errors[0].message, "PersistedQueryNotFound");
    const retry = await postHash(baseUrl, {
      persistedQuery: { ...PERSISTED.persistedQuery, miss: true },
    }, INSTRUMENTS);
    assert.deepEqual(retry, { data: { instruments: [] } });
    const plain = await graphqlRequest(baseUrl, "{ instruments { symbol } }");
    assert.deepEqual(plain.data, { instruments: [] });
  } finally {
    await stop();
  }
});
