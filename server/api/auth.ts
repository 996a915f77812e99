/**
 * Access control by a shared token (`API_TOKEN`). When a token is configured, every mutation and
 * every upload needs `Authorization: Bearer <token>`; queries, subscriptions and exports stay open
 * unless reads are protected too (`API_TOKEN_READS=1`). Over graphql-ws the token comes from the
 * `connection_init` payload `{ "authorization": "Bearer ..." }` or from the upgrade request's header.
 *
 * The check is an envelop plugin on execute and subscribe, so it covers every operation of the
 * schema, including fields added later, and refuses before any resolver runs.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { getOperationAST, type OperationTypeNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { unauthenticated } from "./errors.ts";

export interface AccessOptions {
  /** The shared token; undefined or empty: everything is open. */
  token?: string;
  /** Require the token for queries, subscriptions and exports too. Default false. */
  reads?: boolean;
}

/** `write`: mutations and uploads. `read`: queries, subscriptions and exports. */
export type AccessKind = "write" | "read";

export interface AccessControl {
  /** Whether requests of this kind must carry the token. */
  required(kind: AccessKind): boolean;
  /** Whether an `Authorization` value carries the configured token. */
  allows(authorization: string | null | undefined): boolean;
  /** The 401 answer for an HTTP endpoint (upload, export), or null when the request may go on. */
  refuse(request: Request, kind: AccessKind): Response | null;
  /** Refuses GraphQL operations that need the token and lack it; nothing is executed then. */
  plugin: Plugin;
}

/** What the graphql-ws server puts in the context of an operation received on a socket. */
export interface SocketContext {
  /** The `connection_init` payload. */
  connectionParams?: Record<string, unknown>;
  /** The `Authorization` header of the upgrade request; null when it had none. */
  upgradeAuthorization?: string | null;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function createAccessControl(options: AccessOptions = {}): AccessControl {
  const token = options.token === undefined || options.token === "" ? null : options.token;
  // Comparing digests of equal length in constant time tells nothing about the token's length or
  // its first differing byte.
  const expected = token === null ? null : sha256(token);

  const required = (kind: AccessKind) =>
    expected !== null && (kind === "write" || options.reads === true);

  function allows(authorization: string | null | undefined): boolean {
    if (expected === null) return true;
    const match = BEARER.exec(authorization ?? "");
    if (!match) return false;
    return timingSafeEqual(sha256(match[1]), expected);
  }

  function refusal(authorization: string | null | undefined): string {
    return authorization
      ? "The API token is wrong: send Authorization: Bearer <API_TOKEN>"
      : "This operation needs the API token: send Authorization: Bearer <API_TOKEN>";
  }

  function refuse(request: Request, kind: AccessKind): Response | null {
    if (!required(kind)) return null;
    const authorization = request.headers.get("authorization");
    if (allows(authorization)) return null;
    return Response.json(
      { error: refusal(authorization), code: "UNAUTHENTICATED" },
      { status: 401, headers: { "www-authenticate": "Bearer" } },
    );
  }

  /**
   * The token of a GraphQL request: the graphql-ws connection payload, else the header of the
   * WebSocket upgrade (read before upgrading: Deno closes that request), else the HTTP header.
   */
  function authorizationOf(context: unknown): string | null {
    const { connectionParams, upgradeAuthorization, request } = (context ?? {}) as SocketContext & {
      request?: Request;
    };
    const fromPayload = connectionParams?.authorization ?? connectionParams?.Authorization;
    if (typeof fromPayload === "string") return fromPayload;
    if (upgradeAuthorization !== undefined) return upgradeAuthorization;
    return request?.headers.get("authorization") ?? null;
  }

  function deniedOperation(
    args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null },
    context: unknown,
  ): string | null {
    if (expected === null) return null;
    const operation: OperationTypeNode | undefined = getOperationAST(
      args.document,
      args.operationName,
    )?.operation;
    // An unknown operation is left to execute(), which reports it; it cannot run anything.
    if (operation === undefined) return null;
    if (!required(operation === "mutation" ? "write" : "read")) return null;
    const authorization = authorizationOf(context);
    return allows(authorization) ? null : refusal(authorization);
  }

  const plugin: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      const denied = deniedOperation(args, args.contextValue);
      if (denied !== null) setResultAndStopExecution({ errors: [unauthenticated(denied)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const denied = deniedOperation(args, args.contextValue);
      if (denied !== null) setResultAndStopExecution({ errors: [unauthenticated(denied)] });
    },
  };

  return { required, allows, refuse, plugin };
}

function sha256(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}
