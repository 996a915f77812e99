import assert from "node:assert/strict";
import { createSchema, createYoga } from "graphql-yoga";
import { createAccessControl } from "./auth.ts";

/** A schema with one mutation that counts its runs, so a test sees whether anything executed. */
function counterServer(options: { token?: string; reads?: boolean }) {
  let runs = 0;
  const schema = createSchema({
    typeDefs: `
      type Query { runs: Int! }
      type Mutation { bump: Int! }
      type Subscription { tick: Int! }`,
    resolvers: {
      Query: { runs: () => runs },
      Mutation: { bump: () => ++runs },
      Subscription: {
        tick: {
          subscribe: async function* () {
            yield { tick: 1 };
          },
        },
      },
    },
  });
  const access = createAccessControl(options);
  const yoga = createYoga({ schema, plugins: [access.plugin], landingPage: false });
  const post = async (query: string, authorization?: string) => {
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ query }),
    });
    return await response.json() as {
      data?: Record<string, number> | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
  };
  return { post, runs: () => runs, access };
}

Deno.test("with API_TOKEN set, a mutation without the token or with a wrong one is refused and not run", async () => {
  const server = counterServer({ token: "s3cret" });
  for (
    const authorization of [undefined, "Bearer wrong", "s3cret", "Basic s3cret", "Bearer s3cret2"]
  ) {
    const answer = await server.post("mutation { bump }", authorization);
    assert.equal(answer.errors?.[0]?.extensions?.code, "UNAUTHENTICATED", String(authorization));
    assert.ok(!answer.data?.bump);
  }
  const missing = await server.post("mutation { bump }");
  assert.match(missing.errors![0].message, /needs the API token/);
  const wrong = await server.post("mutation { bump }", "Bearer wrong");
  assert.match(wrong.errors![0].message, /token is wrong/);
  assert.equal(server.runs(), 0);
});

Deno.test("with the right bearer token a mutation runs", async () => {
  const server = counterServer({ token: "s3cret" });
  const answer = await server.post("mutation { bump }", "Bearer s3cret");
  assert.equal(answer.errors, undefined);
  assert.equal(answer.data?.bump, 1);
  assert.equal((await server.post("mutation { bump }", "bearer   s3cret")).data?.bump, 2);
});

Deno.test("queries stay open with a token unless reads are protected", async () => {
  const open = counterServer({ token: "s3cret" });
  assert.deepEqual((await open.post("{ runs }")).data, { runs: 0 });
  const closed = counterServer({ token: "s3cret", reads: true });
  const refused = await closed.post("{ runs }");
  assert.equal(refused.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
  assert.deepEqual((await closed.post("{ runs }", "Bearer s3cret")).data, { runs: 0 });
});

Deno.test("without a token everything is open", async () => {
  const server = counterServer({});
  assert.equal((await server.post("mutation { bump }")).data?.bump, 1);
  assert.equal(server.access.required("write"), false);
  assert.equal(server.access.refuse(new Request("http://x/upload"), "write"), null);
});

Deno.test("HTTP endpoints are answered 401 without the token and let through with it", async () => {
  const access = createAccessControl({ token: "s3cret" });
  const refused = access.refuse(new Request("http://x/upload", { method: "POST" }), "write");
  assert.equal(refused?.status, 401);
  assert.equal((await refused!.json()).code, "UNAUTHENTICATED");
  const withToken = new Request("http://x/upload", { headers: { authorization: "Bearer s3cret" } });
  assert.equal(access.refuse(withToken, "write"), null);
  assert.equal(access.refuse(new Request("http://x/export/trades.csv"), "read"), null);
  const reads = createAccessControl({ token: "s3cret", reads: true });
  assert.equal(reads.refuse(new Request("http://x/export/trades.csv"), "read")?.status, 401);
});
