/**
 * Persisted operations: the dashboard sends `extensions.persistedQuery.sha256Hash` (the APQ shape
 * urql's persisted exchange sends) instead of the document, and the server runs the document the
 * manifest stores under that hash. The manifest is generated from the dashboard's own documents
 * when the dashboard is built (`web/dist/persisted-operations.json`), so it cannot drift from them.
 *
 * With `GRAPHQL_PERSISTED_ONLY=1` any request carrying document text is refused: only operations
 * of the manifest run (GraphiQL and ad-hoc clients then stop working, by design). Otherwise text is
 * run as usual, and an unknown hash answers `PersistedQueryNotFound`, upon which the dashboard
 * retries with the text. The same rules apply to HTTP and graphql-ws.
 */
import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

export interface PersistedOperations {
  /** The document stored under a sha256 hash (lowercase hex). */
  get(hash: string): string | undefined;
  size: number;
}

/** The manifest as a map, each hash checked against its document. */
export function createPersistedOperations(
  manifest: Record<string, unknown>,
  source = "the manifest",
): PersistedOperations {
  const operations = new Map<string, string>();
  for (const [hash, document] of Object.entries(manifest)) {
    if (typeof document !== "string") {
      throw new TypeError(`${source}: the entry ${hash} is not a document`);
    }
    const actual = sha256Hex(document);
    if (actual !== hash) {
      throw new TypeError(
        `${source}: the entry ${hash} holds a document whose sha256 is ${actual}`,
      );
    }
    operations.set(hash, document);
  }
  return { get: (hash) => operations.get(hash.toLowerCase()), size: operations.size };
}

/** Reads a manifest file; null when it does not exist (no dashboard build). */
export async function loadPersistedOperations(
  path: string | URL,
): Promise<PersistedOperations | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return createPersistedOperations(JSON.parse(text), String(path));
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface PersistedOptions {
  operations: PersistedOperations | null;
  /** Refuse document text: run only operations of the manifest. Default false. */
  only?: boolean;
}

interface OperationParams {
  query?: string | null;
  extensions?: Record<string, unknown> | null;
}

function hashOf(params: OperationParams): string | null {
  const persisted = params.extensions?.persistedQuery as
    | { version?: unknown; sha256Hash?: unknown }
    | undefined;
  if (!persisted || typeof persisted !== "object") return null;
  return persisted.version === 1 && typeof persisted.sha256Hash === "string"
    ? persisted.sha256Hash
    : null;
}

/**
 * The document text to run for these parameters: the text sent, or the persisted document of the
 * hash sent. Throws the refusal otherwise; returns null when neither is given (the server's usual
 * "no query" error follows).
 */
export function resolveDocument(params: OperationParams, options: PersistedOptions): string | null {
  const text = typeof params.query === "string" && params.query.trim() !== "" ? params.query : null;
  if (text !== null) {
    if (options.only) {
      throw new GraphQLError(
        "This server runs only the dashboard's persisted operations (GRAPHQL_PERSISTED_ONLY=1): " +
          "send extensions.persistedQuery { version: 1, sha256Hash } of a known operation, " +
          "without the document",
        { extensions: { code: "PERSISTED_QUERY_ONLY", http: { status: 400 } } },
      );
    }
    return text;
  }
  const hash = hashOf(params);
  if (hash === null) {
    if (options.only) {
      throw new GraphQLError(
        "Send extensions.persistedQuery { version: 1, sha256Hash } of a persisted operation " +
          "(GRAPHQL_PERSISTED_ONLY=1)",
        { extensions: { code: "PERSISTED_QUERY_ID_REQUIRED", http: { status: 400 } } },
      );
    }
    return null;
  }
  const document = options.operations?.get(hash);
  if (document === undefined) {
    // The message is the one APQ clients (urql, Apollo) recognise to retry with the document.
    throw new GraphQLError("PersistedQueryNotFound", {
      extensions: {
        code: "PERSISTED_QUERY_NOT_FOUND",
        detail: `No persisted operation has sha256Hash ${hash.slice(0, 80)}` +
          (options.only ? "" : ": send the document with it"),
      },
    });
  }
  return document;
}

/** The Yoga plugin for HTTP requests; the graphql-ws path calls `resolveDocument` itself. */
export function usePersistedOperations(options: PersistedOptions): Plugin {
  return {
    onParams({ params, setParams }) {
      const document = resolveDocument(params, options);
      if (document !== null && document !== params.query) setParams({ ...params, query: document });
    },
  };
}
