/** GraphQL errors shown as the server wrote them: its messages say what to fix. */
import type { CombinedError } from "@urql/solid";

export function errorMessages(error: CombinedError | undefined): string[] {
  if (!error) return [];
  if (error.graphQLErrors.length > 0) return error.graphQLErrors.map((e) => e.message);
  if (error.networkError) return [`Cannot reach the API: ${error.networkError.message}`];
  return [error.message];
}
