import assert from "node:assert/strict";
import { createBinanceRest } from "./binance_rest.ts";

/** A fetch that answers from a script and records what was asked. */
function scriptedFetch(answers: (() => Response)[]) {
  const requests: { url: string; headers: Headers }[] = [];
  const fetchImpl = (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), headers: new Headers(init?.headers) });
    const answer = answers.shift();
    if (!answer) throw new Error("no scripted answer left");
    return Promise.resolve(answer());
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

const aggRows = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) => ({
    a: from + index,
    p: "100.0",
    q: "1.0",
    f: 1,
    l: 1,
    T: 1_700_000_000_000 + index,
    m: true,
  }));

const ok = (body: unknown, weight = "20") => () =>
  new Response(JSON.stringify(body), { status: 200, headers: { "X-MBX-USED-WEIGHT-1M": weight } });

Deno.test("a page of aggTrades is asked for by id and parsed into trades of the venue", async () => {
  const script = scriptedFetch([ok(aggRows(5, 3))]);
  const rest = createBinanceRest("spot", {
    restBaseUrl: "http://localhost:1",
    fetch: script.fetch,
    pageSize: 3,
  });
  const page = await rest.fetchTradesFrom("BTCUSDT", 5);
  assert.equal(
    script.requests[0].url,
    "http://localhost:1/api/v3/aggTrades?symbol=BTCUSDT&fromId=5&limit=3",
  );
  assert.deepEqual(
    page.map((row) => row.kind === "trade" && [row.trade.venue, row.trade.tradeId]),
    [
      ["binance-spot", 5],
      ["binance-spot", 6],
      ["binance-spot", 7],
    ],
  );
  assert.equal(rest.status().usedWeight1m, 20);
});

Deno.test("weight near the per-minute limit holds further requests until the next minute", async () => {
  const minuteStart = 1_700_000_040_000; // a multiple of 60,000 ms
  let nowMs = minuteStart + 40_000;
  const answers = [ok(aggRows(1, 1), "2200")];
  const script = scriptedFetch(answers);
  const rest = createBinanceRest("futures", {
    restBaseUrl: "http://localhost:1",
    fetch: script.fetch,
    now: () => nowMs,
    maxWaitMs: 5_000,
  });
  await rest.fetchTradesFrom("BTCUSDT", 1);
  assert.equal(rest.status().blockedUntilMs, minuteStart + 60_000);
  await assert.rejects(
    rest.fetchTradesFrom("BTCUSDT", 2),
    /request weight 2200 of 2400 per minute used; REST requests are paused for another 20 s/,
  );
  assert.equal(script.requests.length, 1, "nothing was sent while over the limit");
  nowMs = minuteStart + 60_000;
  answers.push(ok(aggRows(2, 1)));
  assert.equal((await rest.fetchTradesFrom("BTCUSDT", 2)).length, 1);
  assert.equal(script.requests.length, 2, "the next minute it asks again");
});

Deno.test("server errors and network failures are retried; a 400 is reported with Binance's message", async () => {
  let calls = 0;
  const flaky = ((_input: string | URL | Request) => {
    calls++;
    if (calls === 1) return Promise.reject(new TypeError("connection reset"));
    if (calls === 2) return Promise.resolve(new Response("busy", { status: 503 }));
    return Promise.resolve(ok(aggRows(1, 2))());
  }) as typeof fetch;
  const errors: string[] = [];
  const rest = createBinanceRest("futures", {
    restBaseUrl: "http://localhost:1",
    fetch: flaky,
    retryBackoff: { initialMs: 1, maxMs: 2 },
    onError: (message) => errors.push(message),
  });
  assert.equal((await rest.fetchTradesFrom("BTCUSDT", 1)).length, 2);
  assert.equal(calls, 3);
  assert.match(errors[0], /unreachable: connection reset/);
  assert.match(errors[1], /HTTP 503 .*: busy/);

  const invalid = scriptedFetch([
    () => new Response('{"code":-1121,"msg":"Invalid symbol."}', { status: 400 }),
  ]);
  const strict = createBinanceRest("futures", {
    restBaseUrl: "http://localhost:1",
    fetch: invalid.fetch,
  });
  await assert.rejects(
    strict.fetchTradesFrom("NOPE", 1),
    /HTTP 400 from Binance REST .*NOPE.*: Invalid symbol\./,
  );
});

Deno.test("single-trade history uses historicalTrades and sends the API key when one is given", async () => {
  const row = {
    id: 9,
    price: "1.5",
    qty: "2",
    quoteQty: "3",
    time: 1_700_000_000_000,
    isBuyerMaker: false,
  };
  const script = scriptedFetch([ok([row])]);
  const rest = createBinanceRest("futures", {
    restBaseUrl: "http://localhost:1",
    stream: "trade",
    apiKey: "key-123",
    fetch: script.fetch,
  });
  const [parsed] = await rest.fetchTradesFrom("ETHUSDT", 9);
  assert.equal(
    script.requests[0].url,
    "http://localhost:1/fapi/v1/historicalTrades?symbol=ETHUSDT&fromId=9&limit=1000",
  );
  assert.equal(script.requests[0].headers.get("X-MBX-APIKEY"), "key-123");
  assert.equal(parsed.kind === "trade" && parsed.trade.price, "1.5");
});

Deno.test("a page size above Binance's 1000 is refused", () => {
  assert.throws(
    () => createBinanceRest("futures", { pageSize: 5000 }),
    /pageSize must be 1\.\.1000, got 5000/,
  );
});
