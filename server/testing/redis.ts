/**
 * The Redis the multi-replica tests use: `TEST_REDIS_URL`, default the local
 * `redis://127.0.0.1:6379`, or null when nothing answers there (those tests are then ignored,
 * saying so in their name). Each test uses a channel prefix of its own.
 */

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  try {
    const conn = await Deno.connect({ hostname, port: Number(port || 6379) });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(64);
      const read = await conn.read(buffer);
      return read !== null && new TextDecoder().decode(buffer.subarray(0, read)).includes("PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

const candidate = Deno.env.get("TEST_REDIS_URL") ?? "redis://127.0.0.1:6379";

/** The Redis to use, or null when none answers. */
export const TEST_REDIS_URL: string | null = (await reachable(candidate)) ? candidate : null;

/** A channel prefix no other test shares. */
export function uniqueRedisPrefix(): string {
  return `pairs-test-${crypto.randomUUID().slice(0, 8)}:`;
}
