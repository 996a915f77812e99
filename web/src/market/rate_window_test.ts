import assert from "node:assert/strict";
import { createRateWindow } from "./rate_window.ts";

Deno.test("trades per second averages the events of the last ten seconds", () => {
  const window = createRateWindow();
  for (let i = 0; i < 50; i++) window.add(100_000 + i * 100);
  assert.equal(window.rate(104_999), 5);
});

Deno.test("events older than the window no longer count", () => {
  const window = createRateWindow({ windowSeconds: 2 });
  window.add(1_000, 10);
  window.add(2_500, 4);
  assert.equal(window.rate(2_900), 7);
  assert.equal(window.rate(3_100), 2);
  assert.equal(window.rate(5_000), 0);
});

Deno.test("clearing forgets every event", () => {
  const window = createRateWindow();
  window.add(1_000, 10);
  window.clear();
  assert.equal(window.rate(1_000), 0);
});
