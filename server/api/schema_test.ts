import assert from "node:assert/strict";
import { printedSchema } from "./schema.ts";

Deno.test("schema.graphql is the schema the server serves (run `deno task schema` after a change)", async () => {
  const committed = await Deno.readTextFile(new URL("../../schema.graphql", import.meta.url));
  assert.equal(committed, printedSchema());
});

Deno.test("the names CONTRACT.md fixes are in the schema", () => {
  const schema = printedSchema();
  for (
    const name of [
      "instruments: [Instrument!]!",
      "bars(from: String, limit: Int, symbol: String!, timeframe: Timeframe!, to: String, venue: String): [Bar!]!",
      "pairAnalytics(input: PairInput!): PairAnalytics!",
      "trades(symbols: [String!], venue: String): Trade!",
      "bars(symbol: String!, timeframe: Timeframe!, venue: String): Bar!",
      "enum Timeframe {\n  M1\n  M5\n  S1\n}",
      "enum HedgeMethod {\n  HUBER\n  KALMAN\n  OLS\n  ROLLING_OLS\n  THEIL_SEN\n}",
      "enum PriceTransform {\n  LOG\n  RAW\n}",
    ]
  ) assert.ok(schema.includes(name), `schema has ${name}`);
});
