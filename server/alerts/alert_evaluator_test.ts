import assert from "node:assert/strict";
import { type AlertEvaluatorOptions, createAlertEvaluator } from "./alert_evaluator.ts";

/** The indices of the observations that fire; observation i happens at i seconds. */
function firings(options: AlertEvaluatorOptions, values: number[]): number[] {
  const evaluator = createAlertEvaluator(options);
  const fired: number[] = [];
  values.forEach((value, i) => {
    if (evaluator.observe(value, i * 1_000_000).fired) fired.push(i);
  });
  return fired;
}

Deno.test("ABOVE fires once when the price rises over the level and again only after it fell back", () => {
  assert.deepEqual(
    firings({ condition: "ABOVE", level: 100 }, [99, 100, 101, 102, 103, 100, 101, 99, 99, 105]),
    [2, 6, 9],
  );
});

Deno.test("ABOVE fires at the first observation when the condition already holds", () => {
  assert.deepEqual(firings({ condition: "ABOVE", level: 100 }, [101, 102, 99, 101]), [0, 3]);
});

Deno.test("BELOW fires when the price drops under the level, not at the level itself", () => {
  assert.deepEqual(
    firings({ condition: "BELOW", level: 50 }, [51, 50, 49.99, 40, 50, 49, 49, 60, 10]),
    [2, 5, 8],
  );
});

Deno.test("CROSSING fires on each move from one side to the other, touching the level is no crossing", () => {
  // 99 -> 101 up (fires), stays above (re-arms), 100 touches, 98 down (fires), 98 re-arms,
  // 100 touches, 97 stays below, 103 up (fires).
  assert.deepEqual(
    firings({ condition: "CROSSING", level: 100 }, [99, 101, 102, 100, 98, 98, 100, 97, 103]),
    [1, 4, 8],
  );
});

Deno.test("CROSSING does not fire at its first observation, which only sets the side", () => {
  assert.deepEqual(firings({ condition: "CROSSING", level: 100 }, [101, 99]), [1]);
});

Deno.test("CROSSING flickering trade by trade fires once until a trade stays on its side", () => {
  // 101 up fires; 99 and 101 cross again but the rule has not seen a non-crossing observation.
  assert.deepEqual(
    firings({ condition: "CROSSING", level: 100 }, [99, 101, 99, 101, 102, 99]),
    [1, 5],
  );
});

Deno.test("OUTSIDE fires when |z| leaves the band on either side, re-arming inside it", () => {
  assert.deepEqual(
    firings({ condition: "OUTSIDE", level: 2 }, [0, 2.1, 2.5, 1, -2.2, -3, 2, -1.9, 2.01]),
    [1, 4, 8],
  );
});

Deno.test("OUTSIDE reports the side the value left the band on", () => {
  const evaluator = createAlertEvaluator({ condition: "OUTSIDE", level: 2 });
  assert.equal(evaluator.observe(-2.5, 0).direction, "DOWN");
  assert.equal(evaluator.observe(0, 1).direction, null);
  assert.equal(evaluator.observe(2.5, 2).direction, "UP");
});

Deno.test("cooldown swallows a transition that comes too soon after a firing", () => {
  // Cooldown 5 s; observations one second apart. Fires at 1 s; the re-entry at 3 s is within the
  // cooldown: no firing, and the rule stays disarmed while above; the re-entry at 7 s fires.
  assert.deepEqual(
    firings(
      { condition: "ABOVE", level: 100, cooldownUs: 5_000_000 },
      [99, 101, 99, 101, 101, 101, 99, 101, 99, 101],
    ),
    [1, 7],
  );
});

Deno.test("cooldown counts from the last firing, so a transition exactly at its end fires", () => {
  assert.deepEqual(
    firings({ condition: "BELOW", level: 10, cooldownUs: 2_000_000 }, [9, 11, 9, 11, 9]),
    [0, 2, 4],
  );
});

Deno.test("a rule restored disarmed does not fire while its condition keeps holding", () => {
  assert.deepEqual(
    firings({ condition: "ABOVE", level: 100, armed: false, lastFiredAtUs: -1 }, [
      101,
      102,
      99,
      101,
    ]),
    [3],
  );
});

Deno.test("a rule restored with its last firing applies the cooldown across the restart", () => {
  assert.deepEqual(
    firings(
      { condition: "ABOVE", level: 100, cooldownUs: 3_000_000, lastFiredAtUs: 0 },
      [101, 99, 99, 101],
    ),
    [3],
  );
});

Deno.test("armedChanged tells which observations change the state to store", () => {
  const evaluator = createAlertEvaluator({ condition: "ABOVE", level: 1 });
  const changes = [0, 2, 3, 0, 0].map((value, i) => evaluator.observe(value, i).armedChanged);
  assert.deepEqual(changes, [false, true, false, true, false]);
});

Deno.test("invalid levels, bands, cooldowns and observations are refused with the reason", () => {
  assert.throws(() => createAlertEvaluator({ condition: "ABOVE", level: NaN }), /finite/);
  assert.throws(() => createAlertEvaluator({ condition: "OUTSIDE", level: 0 }), /above 0/);
  assert.throws(
    () => createAlertEvaluator({ condition: "BELOW", level: 1, cooldownUs: -1 }),
    /cooldown/,
  );
  assert.throws(
    () => createAlertEvaluator({ condition: "BELOW", level: 1 }).observe(Infinity, 0),
    /finite/,
  );
});
