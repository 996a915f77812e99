/** The whole GraphQL schema: every domain file adds its types and fields to the builder. */
import { lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "./builder.ts";
import "./schema/market.ts";
import "./schema/pairs.ts";
import "./schema/alerts.ts";
import "./schema/imports.ts";
import "./schema/backtest.ts";
import "./schema/gaps.ts";

export const schema = builder.toSchema();

/** The SDL committed as `schema.graphql`. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
