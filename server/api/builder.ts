/** The Pothos schema builder. It defines no types: each file in `schema/` adds its own domain. */
import SchemaBuilder from "@pothos/core";
import type { ApiContext } from "./context.ts";

export const builder = new SchemaBuilder<{
  Context: ApiContext;
  DefaultFieldNullability: false;
}>({ defaultFieldNullability: false });

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
