/**
 * The standard normal distribution function Phi, accurate to a few ulps relative also deep in the
 * lower tail (Phi(-37) ~ 6e-300), where 1 - Phi(|z|) would round to 0. MacKinnon p-values of
 * strongly stationary spreads live there.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Below this argument the power series of erf is used, above it the continued fraction of erfc. */
const SERIES_LIMIT = 2;

/**
 * erf(z) for 0 <= z < 2 by the everywhere-positive series (Abramowitz & Stegun 7.1.6):
 * erf(z) = 2/sqrt(pi) * exp(-z^2) * sum_{k>=0} (2 z^2)^k z / (1*3*...*(2k+1)).
 * No cancellation between terms; about 40 terms at z = 2.
 */
function errorFunctionSeries(z: number): number {
  const twoZSquared = 2 * z * z;
  let term = z;
  let sum = z;
  for (let k = 1; term > sum * Number.EPSILON * 0.25; k++) {
    term *= twoZSquared / (2 * k + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-z * z) * sum;
}

/**
 * erfc(z) for z >= 2 by its continued fraction (A&S 7.1.14):
 * erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))),
 * evaluated forward with the modified Lentz algorithm (Numerical Recipes, 3rd ed., 5.2).
 */
function complementaryErrorFunctionFraction(z: number): number {
  const tiny = 1e-300;
  let fraction = z;
  let numeratorRatio = fraction;
  let denominatorRatio = 0;
  for (let k = 1; k < 10_000; k++) {
    const partialNumerator = k / 2;
    denominatorRatio = z + partialNumerator * denominatorRatio;
    if (Math.abs(denominatorRatio) < tiny) denominatorRatio = tiny;
    numeratorRatio = z + partialNumerator / numeratorRatio;
    if (Math.abs(numeratorRatio) < tiny) numeratorRatio = tiny;
    denominatorRatio = 1 / denominatorRatio;
    const step = numeratorRatio * denominatorRatio;
    fraction *= step;
    if (Math.abs(step - 1) < Number.EPSILON) break;
  }
  return ONE_OVER_SQRT_PI * Math.exp(-z * z) / fraction;
}

/** erfc(z) = 1 - erf(z) for z >= 0. */
function complementaryErrorFunction(z: number): number {
  return z < SERIES_LIMIT ? 1 - errorFunctionSeries(z) : complementaryErrorFunctionFraction(z);
}

/**
 * Phi(x) = P(Z <= x) for a standard normal Z, as scipy's `norm.cdf`:
 * Phi(x) = erfc(-x / sqrt 2) / 2, using the tail that avoids cancellation. O(1) (at most a
 * few hundred continued-fraction steps, near |x| = 2.8).
 */
export function standardNormalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const z = Math.abs(x) / Math.SQRT2;
  const tail = complementaryErrorFunction(z) / 2;
  return x < 0 ? tail : 1 - tail;
}
