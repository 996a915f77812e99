/**
 * A synthetic cointegrated pair for the simulator (FEED=sim): x follows a random walk in log price,
 * y = alpha + beta * x + s where the spread s is an Ornstein-Uhlenbeck process, so a pairs model sees
 * a stable hedge ratio and a spread that reverts with a known half-life. Trades arrive per symbol as
 * a Poisson process. Everything follows from the seed and the start time.
 */
import type { Trade } from "../domain.ts";
import { createSeededRandom } from "./seeded_random.ts";

export interface SimPairOptions {
  /** [x, y]: x is the random walk, y follows it through the hedge ratio. */
  symbols: readonly [string, string];
  /** Start of the simulated time, microseconds since the epoch. */
  startUs: number;
  /** Default 42. */
  seed?: number;
  /** Mean trades per second per symbol. Default 10. */
  ratePerSecond?: number;
  /** Id of the first trade of each symbol. Default [1, 1]. */
  firstIds?: readonly [number, number];
  /** x at the start. Default 3000. */
  xStartPrice?: number;
  /** Volatility of ln x per square-root second. Default 0.0002 (about 6 % a day). */
  xVolatility?: number;
  /** y = alpha + beta * x + spread. Defaults 50 and 0.05 (y near 200). */
  alpha?: number;
  beta?: number;
  /** Half-life of the spread's mean reversion, seconds. Default 180. */
  halfLifeSeconds?: number;
  /** Stationary standard deviation of the spread, in y's price units. Default 0.25. */
  spreadStdDev?: number;
  /** Venue written into trades. Default "sim". */
  venue?: string;
}

export interface SimPair {
  /** Trades with times up to `timeUs`, in time order, each symbol's ids contiguous. */
  until(timeUs: number): Trade[];
}

export function createSimPair(options: SimPairOptions): SimPair {
  const random = createSeededRandom(options.seed ?? 42);
  const rate = options.ratePerSecond ?? 10;
  const xVolatility = options.xVolatility ?? 0.0002;
  const alpha = options.alpha ?? 50;
  const beta = options.beta ?? 0.05;
  const halfLifeSeconds = options.halfLifeSeconds ?? 180;
  const spreadStdDev = options.spreadStdDev ?? 0.25;
  const venue = options.venue ?? "sim";
  if (!(rate > 0)) {
    throw new RangeError(`Simulated trade rate must be above 0 per second, got ${rate}`);
  }
  if (!(halfLifeSeconds > 0)) {
    throw new RangeError(`Spread half-life must be above 0 s, got ${halfLifeSeconds}`);
  }
  // OU mean-reversion speed from the half-life: kappa = ln 2 / half-life.
  const kappa = Math.LN2 / halfLifeSeconds;

  let stateUs = options.startUs;
  let logX = Math.log(options.xStartPrice ?? 3000);
  let spread = spreadStdDev * random.normal();
  const nextIds = [...(options.firstIds ?? [1, 1])];
  const nextArrivalUs = [options.startUs + interArrivalUs(), options.startUs + interArrivalUs()];

  /** Exponential waiting time of a Poisson process with `rate` per second, in whole microseconds. */
  function interArrivalUs(): number {
    return Math.max(1, Math.round((-Math.log(1 - random.uniform()) / rate) * 1_000_000));
  }

  /**
   * Moves the latent prices forward by dt seconds: ln x gains N(0, sigma^2 dt); the spread takes the
   * exact OU transition s' = s e^(-kappa dt) + sd * sqrt(1 - e^(-2 kappa dt)) * N(0, 1)
   * (e.g. Gillespie, Phys. Rev. E 54, 2084, 1996).
   */
  function advance(toUs: number): void {
    const dt = (toUs - stateUs) / 1_000_000;
    stateUs = toUs;
    if (dt <= 0) return;
    logX += xVolatility * Math.sqrt(dt) * random.normal();
    const decay = Math.exp(-kappa * dt);
    spread = spread * decay + spreadStdDev * Math.sqrt(1 - decay * decay) * random.normal();
  }

  function trade(leg: 0 | 1): Trade {
    const x = Math.exp(logX);
    const price = leg === 0 ? x : alpha + beta * x + spread;
    const meanQty = leg === 0 ? 0.5 : 5;
    const qty = Math.max(0.0001, -Math.log(1 - random.uniform()) * meanQty);
    return {
      venue,
      symbol: options.symbols[leg],
      tradeId: nextIds[leg]++,
      price: Math.max(0.01, price).toFixed(2),
      qty: qty.toFixed(4),
      timeUs: stateUs,
      receivedAtUs: stateUs,
      buyerMaker: random.uniform() < 0.5,
    };
  }

  return {
    until(timeUs) {
      const trades: Trade[] = [];
      for (;;) {
        const leg = nextArrivalUs[0] <= nextArrivalUs[1] ? 0 : 1;
        if (nextArrivalUs[leg] > timeUs) return trades;
        advance(nextArrivalUs[leg]);
        trades.push(trade(leg));
        nextArrivalUs[leg] += interArrivalUs();
      }
    },
  };
}
