import assert from "node:assert/strict";
import { getIntrospectionQuery } from "graphql";
import { createYoga } from "graphql-yoga";
import { schema } from "./schema.ts";
import { defaultOperationLimits, measureDocument, useOperationLimits } from "./limits.ts";

const limits = defaultOperationLimits(100_000);

/** The real schema behind only the limits: documents over a limit never reach a resolver. */
async function post(query: string) {
  const yoga = createYoga({ schema, plugins: [useOperationLimits(limits)], landingPage: false });
  const response = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = await response.json() as {
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  return { errors: body.errors ?? [] };
}

const PAIR = `{ base: "BTCUSDT", quote: "ETHUSDT", timeframe: M1 }`;

Deno.test("a document nested deeper than GRAPHQL_MAX_DEPTH is refused, naming the limit", async () => {
  let selection = "name";
  for (let level = 0; level < 17; level++) selection = `ofType { ${selection} }`;
  const deep = `{ __type(name: "Query") { fields { type { ${selection} } } } }`;
  const answer = await post(deep);
  assert.equal(answer.errors[0].extensions?.code, "QUERY_LIMIT");
  assert.equal(answer.errors[0].extensions?.limit, "depth");
  assert.match(answer.errors[0].message, /is 21 levels deep/);
  assert.match(answer.errors[0].message, /limit of 20 \(GRAPHQL_MAX_DEPTH\)/);
});

Deno.test("GraphiQL's introspection query passes the default limits", () => {
  const [measured] = measureDocument(getIntrospectionQuery(), schema, limits);
  assert.ok(measured.depth <= limits.maxDepth, `introspection depth ${measured.depth}`);
  assert.ok(measured.cost <= limits.maxCost);
});

Deno.test("cost counts lists of points by MAX_POINTS, or by a literal limit", () => {
  const [bars] = measureDocument(
    `{ bars(symbol: "BTCUSDT", timeframe: M1) { time close } }`,
    schema,
    limits,
  );
  assert.equal(bars.cost, 100_000 * 3);
  const [limited] = measureDocument(
    `{ bars(symbol: "BTCUSDT", timeframe: M1, limit: 500) { time close } }`,
    schema,
    limits,
  );
  assert.equal(limited.cost, 500 * 3);
  const [variable] = measureDocument(
    `query($n: Int) { bars(symbol: "BTCUSDT", timeframe: M1, limit: $n) { time close } }`,
    schema,
    limits,
  );
  assert.equal(variable.cost, 100_000 * 3, "a variable limit counts as the bound");
});

Deno.test("aliases that multiply a pair's 100,000 points past GRAPHQL_MAX_COST are refused", async () => {
  const alias = (i: number) => `a${i}: pairAnalytics(input: ${PAIR}) { n points { time zscore } }`;
  const six = await post(`{ ${[1, 2, 3, 4, 5, 6].map(alias).join(" ")} }`);
  assert.notEqual(six.errors[0]?.extensions?.code, "QUERY_LIMIT", "6 x 300,002 is under 5,000,000");
  const many = await post(`{ ${Array.from({ length: 17 }, (_, i) => alias(i)).join(" ")} }`);
  const cost = many.errors.find((error) => error.extensions?.limit === "cost");
  assert.ok(cost, JSON.stringify(many.errors));
  assert.match(cost.message, /estimated cost of 5100034, over the limit of 5000000/);
  assert.equal(cost.extensions?.code, "QUERY_LIMIT");
});

Deno.test("more than GRAPHQL_MAX_ALIASES aliases are refused; 10,000 stop at the token limit", async () => {
  const aliases = (count: number) =>
    `{ ${Array.from({ length: count }, (_, i) => `i${i}: instruments { symbol }`).join(" ")} }`;
  const thirty = await post(aliases(30));
  assert.ok(!thirty.errors.some((error) => error.extensions?.code === "QUERY_LIMIT"));
  const over = await post(aliases(31));
  assert.equal(over.errors[0].extensions?.limit, "aliases");
  assert.match(over.errors[0].message, /31 aliases, over the limit of 30 \(GRAPHQL_MAX_ALIASES\)/);
  const flood = await post(aliases(10_000));
  assert.equal(flood.errors[0].extensions?.limit, "tokens");
  assert.match(flood.errors[0].message, /more than 5000 tokens.*GRAPHQL_MAX_TOKENS/);
});
