/**
 * The HTTP surface on one port: `/graphql` (GraphQL over HTTP, GraphiQL on a browser GET, and the
 * `graphql-transport-ws` WebSocket protocol on upgrade), `POST /upload`, CSV downloads under
 * `/export/`, `/healthz`, and the dashboard at `/`. `auth.ts` applies `API_TOKEN` to the first three.
 *
 * graphql-ws's bundled Deno handler reads `socket.protocol`, which is empty on this Deno, and so
 * rejects every socket; the socket is wired to graphql-ws's `makeServer` here with the protocol the
 * client asked for.
 */
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { useGraphQlJit } from "@envelop/graphql-jit";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer } from "graphql-ws";
import { type ExecutionArgs, getOperationAST } from "graphql";
import { schema } from "./schema.ts";
import type { ApiContext } from "./context.ts";
import { type AccessOptions, createAccessControl, type SocketContext } from "./auth.ts";
import { handleExport } from "./export.ts";

export interface HttpOptions {
  context: ApiContext;
  /** The `/healthz` document; `ok: false` answers 503. */
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  /** Serves the dashboard for paths other than /graphql and /healthz; null: 404. */
  serveStatic?: (request: Request) => Promise<Response | null>;
  /** Show GraphiQL on a browser GET of /graphql. Default true. */
  graphiql?: boolean;
  /** `API_TOKEN` rules for mutations, uploads and (optionally) reads. Default: open. */
  access?: AccessOptions;
  /** Answers `POST /upload`; absent: no uploads. */
  upload?: (request: Request) => Promise<Response>;
}

export interface HttpHandler {
  handle(request: Request): Promise<Response>;
  yoga: YogaServerInstance<Record<string, unknown>, ApiContext>;
  /** Open graphql-ws sockets. */
  socketCount(): number;
  /** Closes every open subscription socket. */
  closeSockets(): void;
}

export function createHttpHandler(options: HttpOptions): HttpHandler {
  const access = createAccessControl(options.access);
  const yoga = createYoga<Record<string, unknown>, ApiContext>({
    schema,
    context: () => ({ ...options.context, requestCache: new Map() }),
    graphqlEndpoint: "/graphql",
    // Queries are compiled once into JavaScript (graphql-jit): a pair analysis of 100,000 points
    // builds 700,000 fields, several times faster than graphql-js interpreting the query.
    // Subscriptions keep graphql-js: their resolvers return async iterables it handles natively.
    plugins: [
      access.plugin,
      useGraphQlJit({}, {
        enableIf: (args) =>
          getOperationAST(args.document, args.operationName)?.operation !== "subscription",
      }),
    ],
    graphiql: options.graphiql === false ? false : {
      title: "Pairs analytics",
      subscriptionsProtocol: "WS",
    },
    landingPage: false,
  });

  const sockets = new Set<WebSocket>();
  const wsServer = makeServer<Record<string, unknown>, SocketContext>({
    schema,
    onSubscribe: async (context, _id, payload) => {
      // No `request` here: the upgrade was a GET, which Yoga would take for a mutation sent by GET
      // and refuse; and Deno has closed that request by now.
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...context,
        upgradeAuthorization: context.extra.upgradeAuthorization,
        params: payload,
      });
      const args: ExecutionArgs = {
        schema,
        operationName: payload.operationName,
        document: parse(payload.query),
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
      };
      const errors = validate(args.schema, args.document);
      if (errors.length > 0) return errors;
      return args;
    },
    execute: (args: ExecutionArgs) =>
      (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
    subscribe: (args: ExecutionArgs) =>
      (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
  });

  function upgrade(request: Request): Response {
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",").map((p) => p.trim());
    if (!offered.includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
      return new Response(
        `WebSocket subscriptions need the "${GRAPHQL_TRANSPORT_WS_PROTOCOL}" subprotocol`,
        { status: 400 },
      );
    }
    const upgradeAuthorization = request.headers.get("authorization");
    const { socket, response } = Deno.upgradeWebSocket(request, {
      protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
      idleTimeout: 60,
    });
    let closed: (code?: number, reason?: string) => Promise<void> = () => Promise.resolve();
    socket.onopen = () => {
      sockets.add(socket);
      closed = wsServer.opened({
        protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
        send: (data) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(data);
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (callback) => {
          socket.onmessage = (event) => {
            callback(String(event.data)).catch(() => socket.close(1011, "Internal server error"));
          };
        },
      }, { upgradeAuthorization });
    };
    socket.onclose = (event) => {
      sockets.delete(socket);
      closed(event.code, event.reason);
    };
    socket.onerror = () => {};
    return response;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/graphql") {
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return upgrade(request);
      return await yoga.fetch(request, {});
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
    const page = options.serveStatic ? await options.serveStatic(request) : null;
    return page ?? new Response("Not found", { status: 404 });
  }

  return {
    handle,
    yoga,
    socketCount: () => sockets.size,
    closeSockets: () => {
      for (const socket of sockets) socket.close(1001, "Server shutting down");
    },
  };
}
