/**
 * The product as a user meets it, in this process: the real app (embedded throw-away database,
 * no feed) serving the API and the built dashboard on a free port.
 */
import { type App, createApp } from "../../server/app.ts";
import { createWebAssets } from "../../server/web_assets.ts";
import { loadPersistedOperations } from "../../server/api/persisted_operations.ts";

/** The dashboard's operations, written by its build. */
export const PERSISTED_MANIFEST = new URL("../dist/persisted-operations.json", import.meta.url);

export interface DashboardServer {
  app: App;
  baseUrl: string;
  close(): Promise<void>;
}

/** `persistedOnly`: run the dashboard's persisted operations and refuse anything else. */
export async function startDashboardServer(
  options: { persistedOnly?: boolean } = {},
): Promise<DashboardServer> {
  const assets = createWebAssets({ log: () => {} });
  await assets.ensureBuilt();
  const operations = await loadPersistedOperations(PERSISTED_MANIFEST);
  const app = await createApp({
    api: { persisted: { operations, only: options.persistedOnly ?? false } },
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    serveStatic: assets.serve,
    log: () => {},
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  return {
    app,
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      await app.close();
      await server.shutdown();
    },
  };
}
