import assert from "node:assert/strict";
import { createBackoff } from "./backoff.ts";

Deno.test("reconnection delays double up to the cap when the random part is at its maximum", () => {
  const backoff = createBackoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  const delays = Array.from({ length: 6 }, () => backoff.next());
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoff.attempts, 6);
});

Deno.test("jitter takes away at most the configured fraction of each delay", () => {
  const backoff = createBackoff({
    initialMs: 100,
    maxMs: 1000,
    jitter: 0.5,
    random: () => 0.999999,
  });
  assert.ok(Math.abs(backoff.next() - 50) < 0.001);
  assert.ok(Math.abs(backoff.next() - 100) < 0.001);
});

Deno.test("a healthy connection resets the delay to the initial one", () => {
  const backoff = createBackoff({ initialMs: 100, random: () => 0 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.attempts, 0);
  assert.equal(backoff.next(), 100);
});

Deno.test("nonsensical backoff settings are refused with the offending values", () => {
  assert.throws(() => createBackoff({ initialMs: 0 }), /initialMs=0/);
  assert.throws(() => createBackoff({ initialMs: 10, maxMs: 5 }), /maxMs=5/);
  assert.throws(() => createBackoff({ jitter: 2 }), /jitter must be in \[0, 1\], got 2/);
});
