/**
 * Kalman-filter hedge ratio, exactly the filter of ANALYTICS.md: the state θ_t = (β_t, α_t) follows
 * a random walk and y_t = β_t·x_t + α_t + noise. With Q = δ/(1−δ)·I₂, θ₀ = (0, 0), P₀ = I₂, for each t:
 *
 *   P⁻ = P_{t−1} + Q;   H = [x_t, 1];   e_t = y_t − H·θ_{t−1};   S_t = H·P⁻·Hᵀ + r;
 *   K = P⁻·Hᵀ / S_t;    θ_t = θ_{t−1} + K·e_t;   P_t = P⁻ − K·H·P⁻.
 *
 * e_t is the one-step-ahead innovation (no look-ahead): the KALMAN spread. O(1) per step, the
 * 2×2 algebra written out. δ = 1e-4 lets β drift slowly; r = 1e-3 is the observation noise variance.
 */

export interface KalmanOptions {
  /** δ: state noise Q = δ/(1−δ)·I₂. Default 1e-4. */
  delta?: number;
  /** r: observation noise variance. Default 1e-3. */
  observationVariance?: number;
}

/** The filter's state after a step: θ = (beta, alpha) and the symmetric covariance P. */
export interface KalmanState {
  beta: number;
  alpha: number;
  p11: number;
  p12: number;
  p22: number;
}

export interface KalmanStep {
  state: KalmanState;
  /** e_t = y_t − (β_{t−1}·x_t + α_{t−1}). */
  innovation: number;
  /** √S_t, the predicted standard deviation of e_t. */
  innovationStd: number;
}

/** θ₀ = (0, 0), P₀ = I₂. */
export const KALMAN_START: Readonly<KalmanState> = Object.freeze({
  beta: 0,
  alpha: 0,
  p11: 1,
  p12: 0,
  p22: 1,
});

/** One filter step from `previous` with the observation (y, x). */
export function kalmanStep(
  previous: Readonly<KalmanState>,
  observation: { y: number; x: number },
  options: KalmanOptions = {},
): KalmanStep {
  const { q, r } = noise(options);
  const { y, x } = observation;
  const a = previous.p11 + q;
  const b = previous.p12;
  const d = previous.p22 + q;
  // P⁻Hᵀ = (u, v); H·P⁻ is its transpose because P⁻ is symmetric.
  const u = a * x + b;
  const v = b * x + d;
  const s = x * u + v + r;
  const k1 = u / s;
  const k2 = v / s;
  const innovation = y - (previous.beta * x + previous.alpha);
  return {
    state: {
      beta: previous.beta + k1 * innovation,
      alpha: previous.alpha + k2 * innovation,
      p11: a - k1 * u,
      p12: b - k1 * v,
      p22: d - k2 * v,
    },
    innovation,
    innovationStd: Math.sqrt(s),
  };
}

export interface KalmanHedge {
  beta: Float64Array;
  alpha: Float64Array;
  innovation: Float64Array;
  innovationStd: Float64Array;
}

/** Runs the filter over the whole series from θ₀, P₀. */
export function kalmanHedge(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  options: KalmanOptions = {},
): KalmanHedge {
  if (y.length !== x.length) throw new RangeError(`y has ${y.length} points but x has ${x.length}`);
  noise(options);
  const n = y.length;
  const out: KalmanHedge = {
    beta: new Float64Array(n),
    alpha: new Float64Array(n),
    innovation: new Float64Array(n),
    innovationStd: new Float64Array(n),
  };
  let state: Readonly<KalmanState> = KALMAN_START;
  for (let t = 0; t < n; t++) {
    const step = kalmanStep(state, { y: y[t], x: x[t] }, options);
    state = step.state;
    out.beta[t] = state.beta;
    out.alpha[t] = state.alpha;
    out.innovation[t] = step.innovation;
    out.innovationStd[t] = step.innovationStd;
  }
  return out;
}

function noise(options: KalmanOptions): { q: number; r: number } {
  const delta = options.delta ?? 1e-4;
  const r = options.observationVariance ?? 1e-3;
  if (!(delta > 0 && delta < 1)) {
    throw new RangeError(`kalmanDelta must be in (0, 1), got ${delta}`);
  }
  if (!(r > 0)) throw new RangeError(`kalmanR must be positive, got ${r}`);
  return { q: delta / (1 - delta), r };
}
