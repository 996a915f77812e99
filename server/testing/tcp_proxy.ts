/**
 * A loopback TCP proxy that a test can cut and restore, to make a database (or any server)
 * unavailable for a while the way a network failure or a restart would.
 */

export interface TcpProxy {
  /** `127.0.0.1:<port>` to connect to instead of the target. */
  readonly port: number;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let cut = false;

  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    try {
      await from.readable.pipeTo(to.writable);
    } catch {
      // A cut connection ends with an error on one side or the other: nothing to report.
    } finally {
      for (const conn of [from, to]) {
        if (open.delete(conn)) {
          try {
            conn.close();
          } catch {
            // Already closed by the other pipe.
          }
        }
      }
    }
  };

  const accepting = (async () => {
    for await (const client of listener) {
      if (cut) {
        client.close();
        continue;
      }
      try {
        const server = await Deno.connect(target);
        open.add(client);
        open.add(server);
        pipe(client, server);
        pipe(server, client);
      } catch {
        client.close();
      }
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    cut() {
      cut = true;
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // Closed meanwhile.
        }
      }
      open.clear();
    },
    restore() {
      cut = false;
    },
    async close() {
      this.cut();
      listener.close();
      await accepting.catch(() => {});
    },
  };
}
