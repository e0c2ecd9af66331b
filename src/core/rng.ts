/**
 * @module core/rng
 * The seeded pseudo-random generator every reproducible part uses (training, generators, simulations, property
 * tests, benchmarks): mulberry32, floats in [0, 1) from a 32-bit seed. Inject it where randomness matters.
 */

/** A generator of floats in [0, 1). */
export type Rng = () => number;

/** mulberry32 seeded with `seed` (only its low 32 bits count). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
