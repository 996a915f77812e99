/**
 * The product as a user meets it, in this process: the real app (embedded throw-away database,
 * no feed) serving the API and the built dashboard on a free port.
 */
import { type App, createApp } from "../../server/app.ts";
import { createWebAssets } from "../../server/web_assets.ts";

export interface DashboardServer {
  app: App;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startDashboardServer(): Promise<DashboardServer> {
  const assets = createWebAssets({ log: () => {} });
  await assets.ensureBuilt();
  const app = await createApp({
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
