/**
 * The product on a free local port, as a client reaches it: an app on a throw-away embedded
 * database (unless `databaseUrl` says otherwise), served over HTTP, and one call that stops both.
 */
import { type App, type AppOptions, createApp } from "../app.ts";

export interface ServedApp {
  app: App;
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  stop(): Promise<void>;
}

export async function serveApp(options: Partial<AppOptions> = {}): Promise<ServedApp> {
  const app = await createApp({
    databaseUrl: "memory://",
    defaultVenue: "binance-futures",
    log: () => {},
    ...options,
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    app.http.handle,
  );
  return {
    app,
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    async stop() {
      await app.close();
      await server.shutdown();
    },
  };
}
