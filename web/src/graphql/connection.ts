/**
 * The dashboard's one connection to the API: queries over HTTP POST to `/graphql`, subscriptions
 * over the `graphql-transport-ws` WebSocket on the same URL, and the socket's state for the
 * connection indicator. The socket stays open (not lazy) and reconnects forever with capped
 * backoff, so a restarted server is picked up without a reload.
 *
 * Every operation is sent as a persisted operation: the sha256 of its document instead of the
 * text (the build lists the dashboard's documents for the server). A server that does not know the
 * hash answers PersistedQueryNotFound and the operation is sent again with its text; a server in
 * persisted-only mode runs the dashboard's operations and nothing else.
 */
import { Client, fetchExchange, subscriptionExchange } from "@urql/solid";
import { persistedExchange } from "@urql/exchange-persisted";
import { createClient as createWebSocketClient } from "graphql-ws";
import { type Accessor, createSignal } from "solid-js";
import type { SocketState } from "../state/connection_status.ts";

export interface GraphqlConnection {
  client: Client;
  socketState: Accessor<SocketState>;
  /**
   * Counts the socket's reconnections: each change means live data may have been missed. The
   * first connection is not one, so a view opened before the socket is up loads once, not twice.
   */
  reconnections: Accessor<number>;
  dispose(): void;
}

export interface GraphqlConnectionOptions {
  /** HTTP endpoint. Default: `/graphql` of the page's origin. */
  url?: string;
  /** Longest wait between reconnection attempts, ms. Default 10,000. */
  maxRetryWaitMs?: number;
}

export function createGraphqlConnection(options: GraphqlConnectionOptions = {}): GraphqlConnection {
  const url = options.url ?? new URL("/graphql", location.href).href;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 10_000;
  const [socketState, setSocketState] = createSignal<SocketState>("connecting");
  const [reconnections, setReconnections] = createSignal(0);
  let everConnected = false;

  const socket = createWebSocketClient({
    url: url.replace(/^http/, "ws"),
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    // Exponential backoff with jitter, capped: 0.5 s, 1 s, 2 s, ... 10 s.
    retryWait: (retries) =>
      new Promise((resolve) =>
        setTimeout(
          resolve,
          Math.min(maxRetryWaitMs, 500 * 2 ** retries) * (0.75 + Math.random() / 2),
        )
      ),
    on: {
      connecting: (isRetry) =>
        setSocketState(isRetry || everConnected ? "reconnecting" : "connecting"),
      connected: () => {
        if (everConnected) setReconnections((count) => count + 1);
        everConnected = true;
        setSocketState("live");
      },
      closed: () => {
        if (everConnected) setSocketState("reconnecting");
      },
    },
  });

  const client = new Client({
    url,
    requestPolicy: "network-only",
    // POST keeps long pair inputs out of URLs and logs.
    preferGetMethod: false,
    exchanges: [
      persistedExchange({
        enableForMutation: true,
        enableForSubscriptions: true,
        // POST keeps long pair inputs out of URLs and logs, for persisted queries too.
        preferGetForPersistedQueries: false,
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: socket.subscribe({ ...request, query: request.query ?? "" }, sink),
          }),
        }),
      }),
    ],
  });

  return { client, socketState, reconnections, dispose: () => void socket.dispose() };
}
