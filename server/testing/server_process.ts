/**
 * `server/main.ts` as a child process on a free local port, as it is deployed, for tests that kill
 * or restart it. Its output is read as it comes (a full pipe would stall the server) and kept for
 * failure messages. Test code only.
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;

export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  port: number;
  /** True once the process has exited. */
  exited(): boolean;
  /** Everything the server printed so far (the last `keepChars`). */
  output(): string;
  /** Sends the signal (unless it already exited) and waits for the exit and its last output. */
  kill(signal: Deno.Signal): Promise<Deno.CommandStatus>;
}

export function startServerProcess(
  env: Record<string, string>,
  options: { keepChars?: number } = {},
): ServerProcess {
  const keepChars = options.keepChars ?? 1_000_000;
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--unstable-no-legacy-abort", MAIN],
    env: { PORT: String(port), WEB_BUILD: "off", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text = (text + decoder.decode(chunk, { stream: true })).slice(-keepChars);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]).catch(() => {});
  let exited = false;
  const status = child.status.then((result) => (exited = true, result));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    exited: () => exited,
    output: () => text,
    async kill(signal) {
      if (!exited) child.kill(signal);
      const result = await status;
      await drained;
      return result;
    },
  };
}

/** A port nothing listens on now. */
export function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}
