/**
 * The HTTP surface on one port: `/graphql` (GraphQL over HTTP, GraphiQL on a browser GET, and the
 * `graphql-transport-ws` WebSocket protocol on upgrade), `POST /upload`, CSV downloads under
 * `/export/`, `/healthz`, `/metrics`, and the dashboard at `/`. `auth.ts` applies `API_TOKEN`.
 *
 * Every GraphQL operation, on HTTP and on a socket, goes through the same envelop plugins: the
 * token check, persisted operations, the document limits (tokens, depth, cost, aliases),
 * introspection when turned off, the query timeout and latency metrics.
 *
 * graphql-ws's bundled Deno handler reads `socket.protocol`, which is empty on this Deno, and so
 * rejects every socket; the socket is wired to graphql-ws's `makeServer` here with the protocol the
 * client asked for.
 */
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { useGraphQlJit } from "@envelop/graphql-jit";
import {
  CloseCode,
  type Context as SocketServerContext,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  makeServer,
} from "graphql-ws";
import { type ExecutionArgs, type ExecutionResult, getOperationAST, GraphQLError } from "graphql";
import { schema } from "./schema.ts";
import type { ApiContext } from "./context.ts";
import { type AccessOptions, createAccessControl, type SocketContext } from "./auth.ts";
import { handleExport } from "./export.ts";
import { defaultOperationLimits, type OperationLimits, useOperationLimits } from "./limits.ts";
import { useNoIntrospection } from "./introspection.ts";
import { useQueryTimeout } from "./query_timeout.ts";
import {
  type PersistedOperations,
  resolveDocument,
  usePersistedOperations,
} from "./persisted_operations.ts";
import { allowsSocketOrigin, corsOptions } from "./cors.ts";
import { limitRequestBody } from "./body_limit.ts";
import { createAddressLimiter } from "./socket_limits.ts";
import { createOperationLatency } from "./operation_metrics.ts";
import { useOperationNameCheck } from "./operation_name.ts";
import { shown } from "./arguments.ts";
import {
  deliverDirectly,
  isAsyncIterable,
  type SocketDelivery,
  useSharedSubscriptionExecution,
} from "./shared_subscriptions.ts";
import { runningPairStreams } from "./schema/shared_pair_streams.ts";
import type { MetricFamily } from "../metrics/prometheus.ts";

export interface HttpOptions {
  context: ApiContext;
  /** The `/healthz` document; `ok: false` answers 503. */
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  /** The `/metrics` exposition; absent: 404. */
  metrics?: () => Promise<string> | string;
  /** Serves the dashboard for paths other than /graphql and /healthz; null: 404. */
  serveStatic?: (request: Request) => Promise<Response | null>;
  /** Show GraphiQL on a browser GET of /graphql (`GRAPHIQL`). Default true. */
  graphiql?: boolean;
  /** Answer `__schema` and `__type` (`GRAPHQL_INTROSPECTION`). Default true. */
  introspection?: boolean;
  /** `API_TOKEN` rules for mutations, uploads and (optionally) reads. Default: open. */
  access?: AccessOptions;
  /** Answers `POST /upload`; absent: no uploads. */
  upload?: (request: Request) => Promise<Response>;
  /** Document limits. Default: `defaultOperationLimits(context.maxPointsPerResponse)`. */
  limits?: Partial<OperationLimits>;
  /** Longest run of a query or mutation, ms (`QUERY_TIMEOUT_MS`). Default 30,000. */
  queryTimeoutMs?: number;
  /** Largest GraphQL request body or socket message, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** The dashboard's persisted operations; `only` refuses anything else. Default: none. */
  persisted?: { operations: PersistedOperations | null; only?: boolean };
  /** Origins of other sites allowed to call the API (`CORS_ORIGINS`). Default: none. */
  corsOrigins?: string[];
  /** Operations one socket may run at once (`MAX_SUBSCRIPTIONS_PER_SOCKET`). Default 100. */
  maxSubscriptionsPerSocket?: number;
  /** Sockets one client address may hold open (`MAX_SOCKETS_PER_ADDRESS`). Default 512. */
  maxSocketsPerAddress?: number;
  /**
   * Bytes a socket may have waiting to be sent (`MAX_SOCKET_BUFFER_BYTES`); a client reading
   * slower than its subscriptions produce is disconnected past it. Default 16 MiB.
   */
  maxSocketBufferBytes?: number;
}

export interface HttpHandler {
  /** `info` (from `Deno.serve`) gives the client address the socket limit counts by. */
  handle(request: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
  yoga: YogaServerInstance<Record<string, unknown>, ApiContext>;
  /** Open graphql-ws sockets. */
  socketCount(): number;
  /** Operations running on the open sockets (live subscriptions, mostly). */
  subscriptionCount(): number;
  /** Sockets, subscriptions and operation latency, for `/metrics`. */
  metricFamilies(): MetricFamily[];
  /** Closes every open subscription socket. */
  closeSockets(): void;
}

/** What a socket's graphql-ws context carries besides the token. */
interface SocketExtra extends SocketContext {
  connection: { subscriptions(): number };
  /** Sends a message on the socket, unless it is closing or too far behind. */
  send(message: string): void;
}

/** How an operation started on a socket reaches Yoga's engine and its own socket. */
interface SocketOperationRoot extends SocketDelivery {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export function createHttpHandler(options: HttpOptions): HttpHandler {
  const access = createAccessControl(options.access);
  const limits = {
    ...defaultOperationLimits(options.context.maxPointsPerResponse),
    ...options.limits,
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1024 ** 2;
  const corsOrigins = options.corsOrigins ?? [];
  const maxSubscriptions = options.maxSubscriptionsPerSocket ?? 100;
  const addresses = createAddressLimiter(options.maxSocketsPerAddress ?? 512);
  // A client that does not read would otherwise make the server hold everything sent to it.
  const maxSocketBuffer = options.maxSocketBufferBytes ?? 16 * 1024 ** 2;
  const bufferCheckBytes = Math.min(64 * 1024, maxSocketBuffer / 8);
  let slowSocketsClosed = 0;
  const persisted = options.persisted ?? { operations: null };
  const latency = createOperationLatency();

  const yoga = createYoga<Record<string, unknown>, ApiContext>({
    schema,
    context: () => ({ ...options.context, requestCache: new Map() }),
    graphqlEndpoint: "/graphql",
    plugins: [
      access.plugin,
      usePersistedOperations(persisted),
      useOperationLimits(limits),
      ...(options.introspection === false ? [useNoIntrospection()] : []),
      useOperationNameCheck(),
      useSharedSubscriptionExecution(),
      // Queries are compiled once into JavaScript (graphql-jit): a pair analysis of 100,000 points
      // builds 700,000 fields, several times faster than graphql-js interpreting the query.
      // Subscriptions keep graphql-js: their resolvers return async iterables it handles natively.
      useGraphQlJit({}, {
        enableIf: (args) =>
          getOperationAST(args.document, args.operationName)?.operation !== "subscription",
      }),
      // After graphql-jit, so that the timeout wraps the compiled execution.
      useQueryTimeout(options.queryTimeoutMs ?? 30_000),
      latency.plugin,
    ],
    cors: corsOptions(corsOrigins),
    graphiql: options.graphiql === false ? false : {
      title: "Pairs analytics",
      subscriptionsProtocol: "WS",
    },
    landingPage: false,
  });

  const sockets = new Set<WebSocket>();
  const connections = new Set<SocketExtra["connection"]>();
  const wsServer = makeServer<Record<string, unknown>, SocketExtra>({
    schema,
    onConnect: (context: SocketServerContext<Record<string, unknown>, SocketExtra>) => {
      context.extra.connection.subscriptions = () => Object.keys(context.subscriptions).length;
    },
    onSubscribe: async (context, id, payload) => {
      // graphql-ws lists the operation being started among the socket's operations already.
      const running = Object.keys(context.subscriptions).length;
      if (running > maxSubscriptions) {
        return [
          new GraphQLError(
            `This connection already runs ${maxSubscriptions} operations, the limit ` +
              "(MAX_SUBSCRIPTIONS_PER_SOCKET): complete some before starting more",
            { extensions: { code: "TOO_MANY_SUBSCRIPTIONS", max: maxSubscriptions } },
          ),
        ];
      }
      let query: string | null;
      try {
        query = resolveDocument(payload, persisted);
      } catch (error) {
        return [error as GraphQLError];
      }
      // No `request` here: the upgrade was a GET, which Yoga would take for a mutation sent by GET
      // and refuse; and Deno has closed that request by now.
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...context,
        upgradeAuthorization: context.extra.upgradeAuthorization,
        params: { ...payload, query },
      });
      let document;
      try {
        document = parse(query ?? "");
      } catch (error) {
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
      const args: ExecutionArgs = {
        schema,
        operationName: payload.operationName,
        document,
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: {
          execute,
          subscribe,
          id,
          send: context.extra.send,
        } satisfies SocketOperationRoot,
      };
      const errors = validate(args.schema, args.document);
      if (errors.length > 0) return errors;
      return args;
    },
    execute: (args: ExecutionArgs) =>
      (args.rootValue as SocketOperationRoot).execute(args) as never,
    // Live streams that can be pushed are sent to the socket by the shared execution as each event
    // is published (the root value is the socket's `SocketDelivery`); the others' results go out
    // through `deliverDirectly`. Either way a result shared by many subscribers is serialised once.
    subscribe: async (args: ExecutionArgs) => {
      const root = args.rootValue as SocketOperationRoot;
      const result = await root.subscribe(args);
      return (isAsyncIterable<ExecutionResult>(result)
        ? deliverDirectly(result, root.id, root.send)
        : result) as never;
    },
  });

  function upgrade(request: Request, address: string): Response {
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",").map((p) => p.trim());
    if (!offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
      return new Response(
        `WebSocket subscriptions need the "${GRAPHQL_TRANSPORT_WS_PROTOCOL}" subprotocol`,
        { status: 400 },
      );
    }
    if (!allowsSocketOrigin(request, corsOrigins)) {
      return new Response(
        `Origin ${request.headers.get("origin")} may not open sockets here (CORS_ORIGINS)`,
        { status: 403 },
      );
    }
    if (!addresses.acquire(address)) {
      return new Response(
        `Too many open sockets from ${address}: ${addresses.held(address)}, the limit ` +
          "(MAX_SOCKETS_PER_ADDRESS)",
        { status: 429, headers: { "retry-after": "10" } },
      );
    }
    const upgradeAuthorization = request.headers.get("authorization");
    let upgraded: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgraded = Deno.upgradeWebSocket(request, {
        protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
        idleTimeout: 60,
      });
    } catch (error) {
      addresses.release(address);
      throw error;
    }
    const { socket, response } = upgraded;
    const connection = { subscriptions: () => 0 };
    let closed: (code?: number, reason?: string) => Promise<void> = () => Promise.resolve();
    socket.onopen = () => {
      sockets.add(socket);
      connections.add(connection);
      let unchecked = 0;
      const send = (data: string) => {
        if (socket.readyState !== WebSocket.OPEN) {
          // Closing, but a client that no longer reads never completes the close handshake:
          // end its operations now rather than executing events for nobody.
          release(1006, "Socket closing");
          return;
        }
        // Asking for the buffered amount is a call into the runtime: ask once per
        // `bufferCheckBytes` sent, so the buffer may pass the limit by that much at most.
        unchecked += data.length;
        if (unchecked >= bufferCheckBytes) {
          unchecked = 0;
          if (socket.bufferedAmount > maxSocketBuffer) {
            slowSocketsClosed++;
            const reason =
              `Client too slow: over ${maxSocketBuffer} bytes waiting (MAX_SOCKET_BUFFER_BYTES)`;
            socket.close(1013, reason);
            release(1013, reason);
            return;
          }
        }
        socket.send(data);
      };
      closed = wsServer.opened({
        protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
        send,
        close: (code, reason) => socket.close(code, reason),
        onMessage: (callback) => {
          socket.onmessage = (event) => {
            const data = String(event.data);
            if (data.length > maxBodyBytes) {
              socket.close(
                CloseCode.BadRequest,
                `Message over ${maxBodyBytes} bytes (GRAPHQL_MAX_BODY_BYTES)`,
              );
              return;
            }
            callback(data).catch(() => socket.close(1011, "Internal server error"));
          };
        },
      }, { upgradeAuthorization, connection, send });
    };
    let released = false;
    /** Forgets the socket and ends its operations, once, at its close or when it stops reading. */
    const release = (code: number, reason: string) => {
      if (released) return;
      released = true;
      addresses.release(address);
      sockets.delete(socket);
      connections.delete(connection);
      closed(code, reason);
    };
    socket.onclose = (event) => release(event.code, event.reason);
    socket.onerror = () => {};
    return response;
  }

  async function handle(request: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/graphql") {
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        return upgrade(request, addressOf(info));
      }
      const limited = await limitRequestBody(request, maxBodyBytes);
      if (limited instanceof Response) return limited;
      const response = await yoga.fetch(limited, {});
      if (response.status !== 415) return response;
      // Yoga answers an unknown content type with an empty 415: say what it takes.
      await response.body?.cancel();
      const type = request.headers.get("content-type") ?? "none";
      return Response.json({
        errors: [{
          message: `POST /graphql takes a JSON body (Content-Type: application/json), got ` +
            `Content-Type ${shown(type)}`,
          extensions: { code: "UNSUPPORTED_MEDIA_TYPE" },
        }],
      }, { status: 415 });
    }
    if (url.pathname === "/upload" && options.upload) {
      return access.refuse(request, "write") ?? await options.upload(request);
    }
    if (url.pathname.startsWith("/export/")) {
      return access.refuse(request, "read") ?? await handleExport(request, options.context);
    }
    if (url.pathname === "/healthz") {
      const report = await options.health();
      return Response.json(report, { status: report.ok ? 200 : 503 });
    }
    if (url.pathname === "/metrics" && options.metrics) {
      return access.refuse(request, "read") ?? new Response(await options.metrics(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    const page = options.serveStatic ? await options.serveStatic(request) : null;
    return page ?? new Response("Not found", { status: 404 });
  }

  const subscriptionCount = () => {
    let count = 0;
    for (const connection of connections) count += connection.subscriptions();
    return count;
  };

  return {
    handle,
    yoga,
    socketCount: () => sockets.size,
    subscriptionCount,
    metricFamilies: () => [
      {
        name: "pairs_graphql_sockets",
        help: "Open graphql-ws sockets.",
        type: "gauge",
        samples: [{ value: sockets.size }],
      },
      {
        name: "pairs_graphql_subscriptions",
        help: "Operations running on the open sockets (live subscriptions).",
        type: "gauge",
        samples: [{ value: subscriptionCount() }],
      },
      {
        name: "pairs_pair_streams",
        help:
          "Live pair computations running, each shared by the pairStream subscriptions that ask " +
          "the same.",
        type: "gauge",
        samples: [{ value: runningPairStreams(options.context.pubsub) }],
      },
      {
        name: "pairs_graphql_slow_sockets_closed_total",
        help: "Sockets closed because over MAX_SOCKET_BUFFER_BYTES waited to be sent to them.",
        type: "counter",
        samples: [{ value: slowSocketsClosed }],
      },
      latency.histogram.family(),
    ],
    closeSockets: () => {
      for (const socket of sockets) socket.close(1001, "Server shutting down");
    },
  };
}

function addressOf(info: Deno.ServeHandlerInfo | undefined): string {
  const remote = info?.remoteAddr as Deno.NetAddr | undefined;
  return remote?.hostname ?? "unknown";
}
