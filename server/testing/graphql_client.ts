/**
 * Talks to a running server the way a user's client would: GraphQL over HTTP, and graphql-ws
 * subscriptions collected into arrays, with helpers to wait for what a test expects.
 */
import { createClient } from "graphql-ws";

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function graphqlRequest<T = Record<string, unknown>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return await response.json();
}

export interface Subscription<T> {
  events: T[];
  errors: unknown[];
  /** Resolves once `predicate` holds for the events received, or rejects after `timeoutMs`. */
  waitFor(predicate: (events: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  close(): Promise<void>;
}

export function subscribe<T>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<T> {
  const client = createClient({
    url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const dispose = client.subscribe<T>({ query, variables }, {
    next: (value) => {
      if (value.errors) errors.push(...value.errors);
      if (value.data) events.push(value.data as T);
      for (const wake of waiters.splice(0)) wake();
    },
    error: (error) => {
      errors.push(error);
      for (const wake of waiters.splice(0)) wake();
    },
    complete: () => {},
  });
  return {
    events,
    errors,
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (errors.length > 0) throw new Error(`Subscription failed: ${JSON.stringify(errors)}`);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`Timed out after ${timeoutMs} ms with ${events.length} events`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return events;
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}

/** Waits until a GraphQL subscription socket is acknowledged, so events published later arrive. */
export async function settle(ms = 100): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
