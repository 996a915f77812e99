/**
 * Carries the live events (`LiveTopics`) between replicas through Redis pub/sub, with
 * `@graphql-yoga/redis-event-target`: every replica publishes what it produces and each subscriber
 * receives it back from Redis, from whichever replica it came, once. Each instrument is ingested by
 * one replica, which publishes on one connection, so its events keep their order.
 *
 * Channels are the pubsub topics prefixed by `prefix` (`REDIS_PREFIX`), so that several
 * deployments (or tests) can share one Redis.
 *
 * A Redis outage stops nothing but the fan-out: both connections reconnect on their own (every
 * 0.05-2 s), subscriptions are renewed on reconnection, and an event published while Redis is
 * unreachable is not queued (memory stays bounded) but counted as not delivered; `/healthz`
 * shows the state. Trades are stored regardless, and queries see them.
 */
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";

type EventTargetConfig = Parameters<typeof createRedisEventTarget>[0];

export interface RedisEventsHealth {
  ok: boolean;
  /** ioredis' connection state of the publishing connection, e.g. `ready`, `reconnecting`. */
  publisher: string;
  subscriber: string;
  prefix: string;
  /** Events that could not be published (Redis unreachable): no subscriber saw them live. */
  undelivered: number;
  /** Times a connection was lost since start. */
  disconnects: number;
  lastError: string | null;
}

export interface RedisEvents {
  /** For `createLivePubSub({ eventTarget })`. */
  eventTarget: ReturnType<typeof createRedisEventTarget>;
  /** Resolves once both connections are ready (the first time), or rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  health(): RedisEventsHealth;
  close(): Promise<void>;
}

export interface RedisEventsOptions {
  /** Channel prefix. Default `pairs:`. */
  prefix?: string;
  /** Reports lost and regained connections. Default `console.error`. */
  log?: (message: string) => void;
}

export function createRedisEvents(url: string, options: RedisEventsOptions = {}): RedisEvents {
  const prefix = options.prefix ?? "pairs:";
  const log = options.log ?? ((message: string) => console.error(message));
  const counts = { undelivered: 0, disconnects: 0 };
  let lastError: string | null = null;

  function connect(role: string, offlineQueue: boolean): Redis {
    const client = new Redis(url, {
      // Publishing never waits for Redis: while it is away, events are counted, not queued.
      enableOfflineQueue: offlineQueue,
      maxRetriesPerRequest: offlineQueue ? null : 0,
      retryStrategy: (attempt) => Math.min(attempt * 50, 2_000),
    });
    let wasReady = false;
    let up = false;
    client.on("ready", () => {
      if (wasReady) log(`Redis ${role} connection restored: live events fan out again`);
      wasReady = true;
      up = true;
    });
    client.on("error", (error: Error) => {
      if (error.message !== lastError) log(`Redis ${role} connection: ${error.message}`);
      lastError = error.message;
    });
    client.on("close", () => {
      if (!up) return;
      up = false;
      counts.disconnects++;
      log(`Redis ${role} connection lost: live events reach no other replica until it returns`);
    });
    return client;
  }

  const publisher = connect("publishing", false);
  // Subscriptions wait in the offline queue and are renewed by ioredis on every reconnection.
  const subscriber = connect("subscribing", true);

  // Only `publish`, `subscribe`, `unsubscribe` and the `message` event are used by the event
  // target: these adapters add the prefix and keep a failed command from becoming an unhandled
  // rejection that would stop the process.
  const publishClient = {
    publish(channel: string, message: string) {
      return publisher.publish(prefix + channel, message).catch((error: Error) => {
        counts.undelivered++;
        lastError = error.message;
        return 0;
      });
    },
  };
  const subscribeClient = {
    on(event: string, listener: (channel: string, message: string) => void) {
      subscriber.on(event, (channel: string, message: string) => {
        if (channel.startsWith(prefix)) listener(channel.slice(prefix.length), message);
      });
      return subscribeClient;
    },
    subscribe(channel: string) {
      return subscriber.subscribe(prefix + channel).catch((error: Error) => {
        lastError = error.message;
        log(`Redis: could not subscribe to ${channel}: ${error.message}`);
      });
    },
    unsubscribe(channel: string) {
      return subscriber.unsubscribe(prefix + channel).catch(() => {});
    },
  };
  const eventTarget = createRedisEventTarget({
    publishClient: publishClient as unknown as EventTargetConfig["publishClient"],
    subscribeClient: subscribeClient as unknown as EventTargetConfig["subscribeClient"],
  });

  return {
    eventTarget,
    ready(timeoutMs = 10_000) {
      const both = [publisher, subscriber].map((client) =>
        client.status === "ready"
          ? Promise.resolve()
          : new Promise<void>((resolve) => client.once("ready", () => resolve()))
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      return Promise.race([
        Promise.all(both).then(() => {}),
        new Promise<void>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `Redis at ${url} not ready within ${timeoutMs} ms${
                    lastError ? `: ${lastError}` : ""
                  }`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    },
    health: () => ({
      ok: publisher.status === "ready" && subscriber.status === "ready",
      publisher: publisher.status,
      subscriber: subscriber.status,
      prefix,
      undelivered: counts.undelivered,
      disconnects: counts.disconnects,
      lastError,
    }),
    async close() {
      await Promise.all([publisher, subscriber].map(async (client) => {
        // QUIT on a connection that is up; on one that is not it would wait in the queue forever.
        if (client.status === "ready") {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            client.quit().catch(() => {}),
            new Promise((resolve) => (timer = setTimeout(resolve, 2_000))),
          ]);
          clearTimeout(timer);
        }
        client.disconnect();
      }));
    },
  };
}
