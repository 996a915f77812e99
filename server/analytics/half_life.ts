/**
 * Half-life of mean reversion of a spread, in bars: fit
 *   s_t - s_{t-1} = a + b s_{t-1} + e_t
 * by OLS (statsmodels `OLS(diff(s), add_constant(s[:-1]))`); a spread pulled back by the
 * fraction -b per bar halves its distance to the mean after ln 2 / -ln(1 + b) bars. Null when
 * b is outside (-1, 0): no decay (b >= 0) or an overshoot at every bar (b <= -1). O(n).
 */

import { fitOls } from "./linear_regression.ts";

export function halfLifeBars(spread: ArrayLike<number>): number | null {
  const n = spread.length;
  if (n < 3) {
    throw new RangeError(`Half-life needs at least 3 points, the spread has ${n}`);
  }
  for (let index = 0; index < n; index++) {
    if (!Number.isFinite(spread[index])) {
      throw new RangeError(
        `Half-life needs finite numbers; spread[${index}] is ${spread[index]} (drop nulls first)`,
      );
    }
  }
  const lagged = new Float64Array(n - 1);
  const changes = new Float64Array(n - 1);
  let moves = false;
  for (let t = 0; t < n - 1; t++) {
    lagged[t] = spread[t];
    changes[t] = spread[t + 1] - spread[t];
    moves ||= spread[t] !== spread[0];
  }
  if (!moves) {
    throw new RangeError(
      `Half-life needs a spread that moves; the first ${n - 1} values are equal`,
    );
  }
  const slope = fitOls(changes, lagged).slope;
  return slope > -1 && slope < 0 ? -Math.LN2 / Math.log1p(slope) : null;
}
