/** Writes the schema to `schema.graphql` (`deno task schema`); a test checks it is up to date. */
import { printedSchema } from "./schema.ts";

if (import.meta.main) {
  await Deno.writeTextFile(new URL("../../schema.graphql", import.meta.url), printedSchema());
  console.log("schema.graphql written");
}
