/**
 * @module core/clock
 * Time is injected everywhere (tests drive TTL with a fake clock instead of sleeping).
 */

/** Milliseconds since the Unix epoch. */
export type Clock = () => number;

/** The real clock (`Date.now()`; injectable for testability). */
export const systemClock: Clock = () => Date.now();

/** A clock the caller moves by hand: `clock.set(ms)`, `clock.advance(ms)`. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

/** Create a {@link ManualClock} starting at `start` ms. */
export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.set = (ms) => {
    now = ms;
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}
