/**
 * Which other sites may call the API from a browser (`CORS_ORIGINS`). Empty (the default): none,
 * only pages served by this server (the dashboard) — a browser then refuses to let another site
 * read the answers. `*` allows every origin; a list allows those origins exactly.
 *
 * Browsers apply no CORS to WebSockets, so the upgrade checks the `Origin` header itself: a page of
 * another site could otherwise open a socket with the user's network position (an intranet
 * server) and read live data. Clients that are not browsers send no `Origin` and are let through.
 */
import type { CORSOptions } from "graphql-yoga";

/** Yoga's `cors` option for these origins. */
export function corsOptions(origins: readonly string[]): CORSOptions | false {
  if (origins.length === 0) return false;
  return {
    origin: origins.includes("*") ? "*" : [...origins],
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["content-type", "authorization", "accept"],
    credentials: false,
    maxAge: 600,
  };
}

/** Whether a WebSocket upgrade may proceed: no Origin, the same origin, or an allowed one. */
export function allowsSocketOrigin(request: Request, origins: readonly string[]): boolean {
  const origin = request.headers.get("origin");
  if (origin === null || origins.includes("*") || origins.includes(origin)) return true;
  const host = request.headers.get("host") ?? new URL(request.url).host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
