/** @module training/lib/rng — seeded PRNG (mulberry32) so every benchmark's data is reproducible. */
export type Rng = () => number;

export { mulberry32 } from '../../src/core/rng.ts';

/** A random element of `xs`. */
export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}
