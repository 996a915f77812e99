import assert from "node:assert/strict";
import { createSchema, createYoga } from "graphql-yoga";
import { useGraphQlJit } from "@envelop/graphql-jit";
import { throwIfTimedOut, useQueryTimeout } from "./query_timeout.ts";

/** A query that waits on a "database" until told or aborted, and counts the steps it ran after. */
function slowServer(timeoutMs: number) {
  const steps: string[] = [];
  const schema = createSchema<{ signal?: AbortSignal }>({
    typeDefs: "type Query { slow: Int! fast: Int! }",
    resolvers: {
      Query: {
        fast: () => 1,
        slow: async (_root, _args, context) => {
          steps.push("load");
          await new Promise((resolve) => setTimeout(resolve, timeoutMs * 4));
          // The analysis that would follow the load stops here once the deadline has passed.
          throwIfTimedOut(context);
          steps.push("analyse");
          return 2;
        },
      },
    },
  });
  const yoga = createYoga({
    schema,
    plugins: [useGraphQlJit(), useQueryTimeout(timeoutMs)],
    landingPage: false,
  });
  const post = async (query: string) =>
    await (await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query }),
    })).json();
  return { post, steps };
}

Deno.test("a query over QUERY_TIMEOUT_MS is answered QUERY_TIMEOUT and its resolver stops at the next check", async () => {
  const server = slowServer(50);
  const answer = await server.post("{ slow }");
  assert.equal(answer.errors[0].extensions.code, "QUERY_TIMEOUT");
  assert.match(answer.errors[0].message, /longer than 50 ms, the limit \(QUERY_TIMEOUT_MS\)/);
  // Let the abandoned resolver wake up: it must not go on to the analysis.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(server.steps, ["load"]);
});

Deno.test("a query within the timeout answers normally", async () => {
  const server = slowServer(60_000);
  assert.deepEqual(await server.post("{ fast }"), { data: { fast: 1 } });
});

Deno.test("a synchronous loop sees the deadline by the clock, where the timer cannot fire", () => {
  const context = { deadline: performance.now() + 20, timeoutMs: 20 };
  let rounds = 0;
  assert.throws(() => {
    // Busy rounds of analysis, each followed by the check, as pairScan does between pairs.
    while (true) {
      const until = performance.now() + 1;
      while (performance.now() < until) { /* one round of work */ }
      rounds++;
      throwIfTimedOut(context);
    }
  }, /longer than 20 ms/);
  assert.ok(rounds >= 1);
});
