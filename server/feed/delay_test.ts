import assert from "node:assert/strict";
import { abortableDelay } from "./delay.ts";

Deno.test("a delay waits about the requested time", async () => {
  const started = performance.now();
  await abortableDelay(50);
  assert.ok(performance.now() - started >= 45);
});

Deno.test("aborting a long delay ends it at once and leaves no timer behind", async () => {
  const controller = new AbortController();
  const started = performance.now();
  const waiting = abortableDelay(60_000, controller.signal);
  controller.abort();
  await waiting;
  assert.ok(performance.now() - started < 1000);
});

Deno.test("a delay with an already aborted signal returns immediately", async () => {
  const controller = new AbortController();
  controller.abort();
  const started = performance.now();
  await abortableDelay(60_000, controller.signal);
  assert.ok(performance.now() - started < 100);
});
