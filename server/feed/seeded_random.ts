/**
 * Reproducible random numbers for the simulator and for test fixtures: the same seed gives the same
 * sequence on every machine.
 */

export interface SeededRandom {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal, mean 0 and variance 1. */
  normal(): number;
}

/**
 * Uniforms from Mulberry32 (Tommy Ettinger, 2017; a 32-bit state generator that passes gjrand's
 * tests for the stream lengths used here), normals by the Box-Muller transform:
 * z = sqrt(-2 ln u1) * cos(2 pi u2).
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  function uniform(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  }
  return {
    uniform,
    normal() {
      const u1 = 1 - uniform(); // in (0, 1], so the logarithm is finite
      const u2 = uniform();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
  };
}
