/**
 * Whether the server's schema already has a field, so that the browser tests of a view whose API
 * is still being added are skipped with a stated reason, and run as soon as the field exists.
 */
import { schema } from "../../server/api/schema.ts";

export function schemaHas(type: "Query" | "Subscription", field: string): boolean {
  const root = type === "Query" ? schema.getQueryType() : schema.getSubscriptionType();
  return root?.getFields()[field] !== undefined;
}
