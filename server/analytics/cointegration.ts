/**
 * Engle-Granger two-step cointegration test, reproducing statsmodels 0.13.5
 * `coint(y, x, trend="c", method="aeg", maxlag=None, autolag="aic")`:
 *
 * 1. OLS y_t = alpha + beta x_t + u_t over all n points;
 * 2. ADF without constant on the residuals u (`adfuller(u, regression="n", autolag="AIC")`);
 * 3. p-value from MacKinnon (1994) with regression "c" and N = 2 series, critical values from
 *    MacKinnon (2010) with N = 2, regression "c" and sample size n - 1 (statsmodels uses
 *    nobs - 1 "to match egranger in Stata").
 *
 * Where statsmodels warns that y and x are (almost) perfectly collinear (R^2 >= 1 - 100 sqrt(eps))
 * and returns a statistic of -inf, this throws instead: an infinite statistic is no test result
 * a person can use, and it cannot be sent as a GraphQL Float.
 */

import { adfTest, type CriticalValues } from "./adf.ts";
import { fitOls, lineResiduals } from "./linear_regression.ts";
import { mackinnoncrit, mackinnonp } from "./mackinnon.ts";

export interface CointegrationResult {
  /** ADF t-statistic of the cointegrating residuals. */
  statistic: number;
  /** MacKinnon (1994) approximate p-value for two series. */
  pValue: number;
  /** MacKinnon (2010) critical values for two series. */
  criticalValues: CriticalValues;
}

/** statsmodels' `1 - 100 * SQRTEPS` with SQRTEPS = sqrt(float64 eps). */
const COLLINEAR_R_SQUARED = 1 - 100 * Math.sqrt(Number.EPSILON);

/** Engle-Granger test that y and x (same length, no nulls) are cointegrated. O(n maxlag). */
export function engleGrangerTest(y: ArrayLike<number>, x: ArrayLike<number>): CointegrationResult {
  if (y.length !== x.length) {
    throw new RangeError(
      `Engle-Granger needs series of equal length; y has ${y.length} points, x has ${x.length}`,
    );
  }
  const residuals = cointegratingResiduals(y, x);
  const statistic = adfTest(residuals, { regression: "n", autolag: "AIC" }).statistic;
  return {
    statistic,
    pValue: mackinnonp(statistic, { regression: "c", seriesCount: 2 }),
    criticalValues: mackinnoncrit({ seriesCount: 2, regression: "c", nobs: y.length - 1 }),
  };
}

/** Residuals of the OLS fit with intercept, after checking the inputs. */
function cointegratingResiduals(y: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const n = y.length;
  for (let index = 0; index < n; index++) {
    if (!Number.isFinite(y[index]) || !Number.isFinite(x[index])) {
      throw new RangeError(
        `Engle-Granger needs finite numbers; y[${index}] = ${y[index]}, x[${index}] = ${x[index]}`,
      );
    }
  }
  const line = fitOls(y, x);
  if (line.rSquared === null) {
    throw new RangeError(`Engle-Granger needs y to move; all ${n} values are equal`);
  }
  if (line.rSquared >= COLLINEAR_R_SQUARED) {
    throw new RangeError(
      `Engle-Granger is not reliable: y and x are (almost) perfectly collinear ` +
        `(R^2 = ${line.rSquared})`,
    );
  }
  return lineResiduals(line, y, x);
}
