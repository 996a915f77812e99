/** Asks the test server's GraphQL API as any client would, failing on an error answer. */
import assert from "node:assert/strict";
import type { DashboardServer } from "./dashboard_server.ts";

// deno-lint-ignore no-explicit-any -- each caller reads the fields its own query selects
export async function graphql(server: DashboardServer, query: string): Promise<any> {
  const response = await server.app.http.handle(
    new Request("http://local/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  const answer = await response.json();
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data;
}
