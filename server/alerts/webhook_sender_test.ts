import assert from "node:assert/strict";
import { createWebhookSender } from "./webhook_sender.ts";

/** A local receiver that answers 503 to the first `failures` requests, then 204. */
function startReceiver(failures: number) {
  const received: { at: number; body: unknown; contentType: string | null }[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    received.push({
      at: performance.now(),
      body: await req.json(),
      contentType: req.headers.get("content-type"),
    });
    return new Response(null, { status: received.length <= failures ? 503 : 204 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    received,
    close: () => server.shutdown(),
  };
}

Deno.test("a webhook that fails twice then accepts receives the same JSON three times, backing off", async () => {
  const receiver = startReceiver(2);
  const logs: string[] = [];
  const sender = createWebhookSender({
    initialDelayMs: 50,
    maxDelayMs: 80,
    log: (m) => logs.push(m),
  });
  try {
    const started = performance.now();
    sender.send(receiver.url, { ruleId: "7", value: 101.5 });
    assert.equal(sender.stats().pending, 1, "send returns before the delivery finishes");
    await sender.idle();
    assert.equal(receiver.received.length, 3);
    for (const request of receiver.received) {
      assert.deepEqual(request.body, { ruleId: "7", value: 101.5 });
      assert.equal(request.contentType, "application/json");
    }
    // Delays 50 ms then min(100, 80) = 80 ms.
    const gaps = [1, 2].map((i) => receiver.received[i].at - receiver.received[i - 1].at);
    assert.ok(gaps[0] >= 45 && gaps[1] >= 75, `gaps ${gaps}`);
    assert.ok(receiver.received[0].at - started < 45);
    assert.deepEqual(sender.stats(), { delivered: 1, failed: 0, retries: 2, pending: 0 });
    assert.deepEqual(logs, []);
  } finally {
    await sender.close();
    await receiver.close();
  }
});

Deno.test("a webhook that never accepts is given up after the last attempt, logged and counted", async () => {
  const receiver = startReceiver(Infinity);
  const logs: string[] = [];
  const sender = createWebhookSender({ attempts: 3, initialDelayMs: 10, log: (m) => logs.push(m) });
  try {
    sender.send(receiver.url, { n: 1 });
    await sender.idle();
    assert.equal(receiver.received.length, 3);
    assert.deepEqual(sender.stats(), { delivered: 0, failed: 1, retries: 2, pending: 0 });
    assert.equal(logs.length, 1);
    assert.match(logs[0], /failed 3 time\(s\), giving up: HTTP 503/);
  } finally {
    await sender.close();
    await receiver.close();
  }
});

Deno.test("an unreachable webhook is retried, and close abandons the waiting retries at once", async () => {
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const sender = createWebhookSender({ initialDelayMs: 60_000, maxDelayMs: 60_000, log: () => {} });
  sender.send(`http://127.0.0.1:${port}/hook`, {});
  while (sender.stats().retries === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const started = performance.now();
  await sender.close();
  assert.ok(performance.now() - started < 1_000);
  assert.deepEqual(sender.stats(), { delivered: 0, failed: 1, retries: 1, pending: 0 });
});
