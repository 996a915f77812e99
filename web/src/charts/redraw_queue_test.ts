import assert from "node:assert/strict";
import { createRedrawQueue } from "./redraw_queue.ts";

/** Frames that come when the test says so. */
function manualFrames() {
  const waiting: (() => void)[] = [];
  return {
    nextFrame: (callback: () => void) => waiting.push(callback),
    waiting: () => waiting.length,
    /** Runs the frame callbacks due now and lets their jobs settle. */
    async paint() {
      for (const callback of waiting.splice(0)) callback();
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("changes before a frame become one redraw with the newest data, on that frame", async () => {
  const frames = manualFrames();
  const queue = createRedrawQueue(frames.nextFrame);
  const drawn: number[] = [];
  for (let value = 1; value <= 3; value++) {
    queue.schedule("series", () => Promise.resolve(drawn.push(value)));
  }
  assert.deepEqual(drawn, [], "nothing is drawn before the frame");
  assert.equal(frames.waiting(), 1, "one frame is asked for, not one per change");
  await frames.paint();
  assert.deepEqual(drawn, [3]);
  assert.equal(frames.waiting(), 0, "no frame is asked for without a change");
});

Deno.test("kinds are drawn together, each with its newest job", async () => {
  const frames = manualFrames();
  const queue = createRedrawQueue(frames.nextFrame);
  const drawn: string[] = [];
  queue.schedule("series", () => Promise.resolve(drawn.push("series 1")));
  queue.schedule("annotations", () => Promise.resolve(drawn.push("annotations")));
  queue.schedule("series", () => Promise.resolve(drawn.push("series 2")));
  await frames.paint();
  assert.deepEqual(drawn.sort(), ["annotations", "series 2"]);
});

Deno.test("a change during a redraw waits for it to finish, then takes the next frame", async () => {
  const frames = manualFrames();
  const queue = createRedrawQueue(frames.nextFrame);
  let finishFirst!: () => void;
  const drawn: string[] = [];
  queue.schedule("series", () => {
    drawn.push("first");
    return new Promise<void>((resolve) => finishFirst = resolve);
  });
  await frames.paint();
  queue.schedule("series", () => Promise.resolve(drawn.push("second")));
  queue.schedule("series", () => Promise.resolve(drawn.push("third")));
  assert.equal(frames.waiting(), 0, "no frame is asked for while a redraw is drawing");
  finishFirst();
  await sleep(0);
  assert.equal(frames.waiting(), 1);
  await frames.paint();
  assert.deepEqual(drawn, ["first", "third"]);
});

Deno.test("redraws start at least the interval apart however often data changes", async () => {
  const frames = manualFrames();
  const queue = createRedrawQueue(frames.nextFrame, { minIntervalMs: 40 });
  const startedAt: number[] = [];
  queue.schedule("series", () => Promise.resolve(startedAt.push(performance.now())));
  await frames.paint();
  queue.schedule("series", () => Promise.resolve(startedAt.push(performance.now())));
  assert.equal(frames.waiting(), 0, "the next frame is not asked for before the interval");
  await sleep(20);
  assert.equal(frames.waiting(), 0);
  await sleep(40);
  assert.equal(frames.waiting(), 1, "the frame is asked for once the interval has passed");
  await frames.paint();
  assert.equal(startedAt.length, 2);
  assert.ok(startedAt[1] - startedAt[0] >= 40, `started ${startedAt[1] - startedAt[0]} ms apart`);
});

Deno.test("a slow redraw is followed by a rest that keeps redrawing to its share of the time", async () => {
  const frames = manualFrames();
  let clock = 1000;
  const queue = createRedrawQueue(frames.nextFrame, { maxDrawShare: 0.25, now: () => clock });
  let drawn = 0;
  // Each redraw takes 10 ms on the clock: the next may start 40 ms after it started.
  const slowRedraw = () => {
    drawn++;
    clock += 10;
    return Promise.resolve();
  };
  queue.schedule("series", slowRedraw);
  await frames.paint();
  queue.schedule("series", slowRedraw);
  clock += 20;
  await sleep(10);
  assert.equal(frames.waiting(), 0, "30 ms after the start of a 10 ms redraw is too soon");
  clock += 10;
  await sleep(40);
  assert.equal(frames.waiting(), 1, "40 ms after it, the next frame is asked for");
  await frames.paint();
  assert.equal(drawn, 2);
});

Deno.test("a draw share outside (0, 1] is refused", () => {
  for (const maxDrawShare of [0, -0.5, 1.5, Number.NaN]) {
    assert.throws(() => createRedrawQueue(() => {}, { maxDrawShare }), RangeError);
  }
});

Deno.test("nothing runs after cancel, not even a redraw waiting for its frame", async () => {
  const frames = manualFrames();
  const queue = createRedrawQueue(frames.nextFrame, { minIntervalMs: 10 });
  const drawn: string[] = [];
  queue.schedule("series", () => Promise.resolve(drawn.push("waiting for its frame")));
  queue.cancel();
  await frames.paint();
  queue.schedule("series", () => Promise.resolve(drawn.push("after cancel")));
  await sleep(20);
  await frames.paint();
  assert.deepEqual(drawn, []);
});
