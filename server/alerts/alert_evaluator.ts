/**
 * Decides, one observation at a time, when an alert rule fires.
 *
 * Conditions on an observed value v (a trade price, or the z-score of a closed pair bucket):
 * - ABOVE: v > level; BELOW: v < level; OUTSIDE: |v| > level (a band around zero);
 * - CROSSING: v is on the other side of the level than the previous observation. A value equal to
 *   the level keeps the previous side (touching is not crossing); the first observation only sets
 *   the side.
 *
 * Hysteresis: a rule is armed until its condition holds; it fires once and disarms, and re-arms only
 * after an observation where the condition is false. A price that stays above the level fires once,
 * however many trades print there. For CROSSING the condition is "this observation crossed", so a
 * price flickering across the level trade by trade fires on the first crossing and again only after
 * an observation on the same side as the one before it.
 *
 * Cooldown: when the condition becomes true less than `cooldownUs` after the last firing (in
 * observation time), the transition is not reported: the rule disarms without firing, so a firing
 * always marks the moment the condition became true, and at most one firing happens per cooldown.
 *
 * A rule whose condition already holds at its first observation fires then: the user asked to know
 * when the condition holds, and it does.
 */

export type AlertCondition = "ABOVE" | "BELOW" | "CROSSING" | "OUTSIDE";

export interface AlertEvaluatorOptions {
  condition: AlertCondition;
  level: number;
  /** Least time between two firings, microseconds. Default 0 (no cooldown). */
  cooldownUs?: number;
  /** Whether the rule may fire at its next true observation. Default true. */
  armed?: boolean;
  /** When it last fired (observation time, microseconds); null when never. Default null. */
  lastFiredAtUs?: number | null;
}

/** What one observation did to the rule. */
export interface AlertDecision {
  /** The rule fires at this observation. */
  fired: boolean;
  /** Whether `armed` changed (it must be stored so that a restart resumes the same state). */
  armedChanged: boolean;
  armed: boolean;
  /** Set when the rule fires: which way a CROSSING went, or the condition that holds. */
  direction: "UP" | "DOWN" | null;
}

export interface AlertEvaluator {
  observe(value: number, timeUs: number): AlertDecision;
  readonly armed: boolean;
  readonly lastFiredAtUs: number | null;
}

export function createAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluator {
  const { condition, level } = options;
  const cooldownUs = options.cooldownUs ?? 0;
  if (!Number.isFinite(level)) throw new RangeError(`Alert level must be finite, got ${level}`);
  if (condition === "OUTSIDE" && !(level > 0)) {
    throw new RangeError(`An OUTSIDE band needs a level above 0 (|value| > level), got ${level}`);
  }
  if (!(cooldownUs >= 0 && Number.isFinite(cooldownUs))) {
    throw new RangeError(`Alert cooldown must be a finite number >= 0, got ${cooldownUs}`);
  }
  let armed = options.armed ?? true;
  let lastFiredAtUs = options.lastFiredAtUs ?? null;
  /** CROSSING: +1 above the level, -1 below, 0 before any observation off the level. */
  let side = 0;

  function holds(value: number): { holds: boolean; direction: "UP" | "DOWN" | null } {
    switch (condition) {
      case "ABOVE":
        return { holds: value > level, direction: "UP" };
      case "BELOW":
        return { holds: value < level, direction: "DOWN" };
      case "OUTSIDE":
        return { holds: Math.abs(value) > level, direction: value > 0 ? "UP" : "DOWN" };
      case "CROSSING": {
        const now = value > level ? 1 : value < level ? -1 : side;
        const crossed = side !== 0 && now !== side;
        side = now;
        return { holds: crossed, direction: now > 0 ? "UP" : "DOWN" };
      }
    }
  }

  return {
    observe(value: number, timeUs: number): AlertDecision {
      if (!Number.isFinite(value)) {
        throw new RangeError(`Alert observation must be a finite number, got ${value}`);
      }
      const result = holds(value);
      const wasArmed = armed;
      let fired = false;
      if (!result.holds) armed = true;
      else if (armed) {
        armed = false;
        const cooling = lastFiredAtUs !== null && timeUs - lastFiredAtUs < cooldownUs;
        if (!cooling) {
          fired = true;
          lastFiredAtUs = timeUs;
        }
      }
      return {
        fired,
        armedChanged: armed !== wasArmed,
        armed,
        direction: fired ? result.direction : null,
      };
    },
    get armed() {
      return armed;
    },
    get lastFiredAtUs() {
      return lastFiredAtUs;
    },
  };
}
