import assert from "node:assert/strict";
import { type ExecutionResult, GraphQLError } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import type { AlertEvent } from "../store/alert_store.ts";
import { createLivePubSub } from "./pubsub.ts";
import { PUSH } from "./live_iterators.ts";
import {
  deliverDirectly,
  type SocketDelivery,
  useSharedSubscriptionExecution,
} from "./shared_subscriptions.ts";

/**
 * A schema whose subscription follows the product's pubsub, which hands one event object to every
 * subscriber, and counts how often the payload's field is resolved.
 */
function countingServer(options: { pushable?: boolean } = {}) {
  const pubsub = createLivePubSub();
  let resolved = 0;
  let sources = 0;
  const schema = createSchema({
    typeDefs: `
      type Query { ok: Boolean }
      type Tick { price(scale: Float = 1): Float, later(ms: Int!): Float }
      type Subscription { ticks: Tick! }`,
    resolvers: {
      Tick: {
        price: (event: { price: number }, args: { scale: number }) => {
          resolved++;
          return event.price * args.scale;
        },
        // Resolved after `ms`: results that are promises.
        later: (event: { price: number }, args: { ms: number }) =>
          new Promise((resolve) => setTimeout(() => resolve(event.price), args.ms)),
      },
      Subscription: {
        ticks: {
          subscribe: () => {
            const source = pubsub.subscribe("alerts");
            sources++;
            return {
              ...(options.pushable ? { [PUSH]: source[PUSH] } : {}),
              next: () => source.next(),
              return: () => {
                sources--;
                return source.return!();
              },
              [Symbol.asyncIterator]() {
                return this;
              },
            };
          },
          resolve: (event: unknown) => event,
        },
      },
    },
  });
  const yoga = createYoga({ schema, plugins: [useSharedSubscriptionExecution()] });
  const subscribe = async (
    query: string,
    variables: Record<string, unknown> = {},
    socket?: SocketDelivery,
  ) => {
    const enveloped = yoga.getEnveloped({});
    const result = await enveloped.subscribe({
      schema: enveloped.schema,
      document: enveloped.parse(query),
      variableValues: variables,
      contextValue: await enveloped.contextFactory(),
      rootValue: socket,
    });
    return (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
  };
  const publish = (price: number) => pubsub.publish("alerts", { price } as unknown as AlertEvent);
  return { subscribe, publish, resolved: () => resolved, sources: () => sources };
}

/** A result as the client reads it (graphql-js builds its objects without a prototype). */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

Deno.test("subscribers of one operation share each event's result; other variables get their own", async () => {
  const server = countingServer();
  const query = "subscription ($scale: Float) { ticks { price(scale: $scale) } }";
  const first = await server.subscribe(query, { scale: 2 });
  const second = await server.subscribe(query, { scale: 2 });
  const third = await server.subscribe(query, { scale: 10 });
  const nexts = [first.next(), second.next(), third.next()];
  await new Promise((resolve) => setTimeout(resolve, 10));
  server.publish(1.5);
  const [a, b, c] = await Promise.all(nexts);
  assert.deepEqual(asJson(a.value), { data: { ticks: { price: 3 } } });
  assert.equal(a.value, b.value, "the same result object for the same operation");
  assert.deepEqual(asJson(c.value), { data: { ticks: { price: 15 } } });
  assert.equal(server.resolved(), 2, "one execution per distinct operation, not per subscriber");
  await Promise.all([first.return?.(), second.return?.(), third.return?.()]);
  assert.equal(server.sources(), 0, "ending a subscription ends its source");
});

Deno.test("results are sent as graphql-ws next messages of their subscription; ending it ends the source", async () => {
  const server = countingServer();
  const results = await server.subscribe("subscription { ticks { price } }");
  const sent: string[] = [];
  const delivery = deliverDirectly(
    { [Symbol.asyncIterator]: () => results },
    "op-1",
    (message) => sent.push(message),
  );
  const running = delivery.next();
  await new Promise((resolve) => setTimeout(resolve, 10));
  server.publish(2);
  server.publish(2.5);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(sent.map((message) => JSON.parse(message)), [
    { id: "op-1", type: "next", payload: { data: { ticks: { price: 2 } } } },
    { id: "op-1", type: "next", payload: { data: { ticks: { price: 2.5 } } } },
  ]);
  await delivery.return(undefined);
  assert.deepEqual(await running, { done: true, value: undefined });
  assert.equal(server.sources(), 0);
  server.publish(3);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(sent.length, 2, "nothing is sent once the subscription is ended");
});

Deno.test("a result with errors is sent with its errors, as graphql-ws would", async () => {
  const sent: string[] = [];
  async function* failing(): AsyncGenerator<ExecutionResult> {
    yield { data: null, errors: [new GraphQLError("No such tick")] };
  }
  const delivery = deliverDirectly(failing(), "op-2", (message) => sent.push(message));
  assert.deepEqual(await delivery.next(), { done: true, value: undefined });
  assert.deepEqual(JSON.parse(sent[0]), {
    id: "op-2",
    type: "next",
    payload: { data: null, errors: [{ message: "No such tick" }] },
  });
});

/** A socket that keeps what is sent to it, parsed. */
function socket(id: string) {
  const sent: { id: string; type: string; payload: unknown }[] = [];
  const texts: string[] = [];
  const delivery: SocketDelivery = {
    id,
    send: (message) => {
      texts.push(message);
      sent.push(JSON.parse(message));
    },
  };
  return { delivery, sent, texts };
}

Deno.test("an operation on a socket is sent each event while it is published, executed and serialised once per distinct operation", async () => {
  const server = countingServer({ pushable: true });
  const query = "subscription ($scale: Float) { ticks { price(scale: $scale) } }";
  const sockets = [socket("a"), socket("b"), socket("c")];
  const scales = [2, 2, 10];
  const operations = await Promise.all(
    sockets.map((s, i) => server.subscribe(query, { scale: scales[i] }, s.delivery)),
  );
  // graphql-ws starts each operation by asking for its first result; none is ever yielded.
  const running = operations.map((operation) => operation.next());

  server.publish(1.5);
  // Sent before anything is awaited: no queue, no promise per subscriber.
  assert.deepEqual(sockets.map((s) => s.sent), [
    [{ id: "a", type: "next", payload: { data: { ticks: { price: 3 } } } }],
    [{ id: "b", type: "next", payload: { data: { ticks: { price: 3 } } } }],
    [{ id: "c", type: "next", payload: { data: { ticks: { price: 15 } } } }],
  ]);
  assert.equal(server.resolved(), 2, "one execution per distinct operation, not per subscriber");
  server.publish(2);
  assert.deepEqual(sockets.map((s) => s.sent.length), [2, 2, 2]);

  await operations[0].return?.();
  assert.deepEqual(await running[0], { done: true, value: undefined });
  server.publish(3);
  assert.deepEqual(sockets.map((s) => s.sent.length), [2, 3, 3], "nothing for the ended one");
  await Promise.all(operations.slice(1).map((operation) => operation.return?.()));
  assert.equal(server.sources(), 0, "ending a subscription ends its source");
});

Deno.test("events published before a socket's operation starts are sent first, in order", async () => {
  const server = countingServer({ pushable: true });
  const { delivery, sent } = socket("early");
  const operation = await server.subscribe("subscription { ticks { price } }", {}, delivery);
  server.publish(1);
  server.publish(2);
  assert.equal(sent.length, 0, "not started yet");
  const running = operation.next();
  server.publish(3);
  assert.deepEqual(
    sent.map((message) => (message.payload as { data: { ticks: { price: number } } }).data),
    [{ ticks: { price: 1 } }, { ticks: { price: 2 } }, { ticks: { price: 3 } }],
  );
  await operation.return?.();
  await running;
});

Deno.test("results that are promises are sent to a socket in the order of their events", async () => {
  const server = countingServer({ pushable: true });
  const { delivery, sent } = socket("later");
  const query = "subscription ($ms: Int!) { ticks { later(ms: $ms) } }";
  const operation = await server.subscribe(query, { ms: 1 }, delivery);
  const running = operation.next();
  for (const price of [1, 2, 3, 4, 5]) server.publish(price);
  const deadline = Date.now() + 5_000;
  while (sent.length < 5 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(
    sent.map((message) => (message.payload as { data: { ticks: { later: number } } }).data),
    [1, 2, 3, 4, 5].map((later) => ({ ticks: { later } })),
  );
  await operation.return?.();
  await running;
});
