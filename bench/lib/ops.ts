/**
 * @module bench/lib/ops
 * What the in-process store benchmarks (store, redis) share: the target shape, op-by-op interleaving with a
 * rotating first system, and an append-throughput loop.
 */
import type { NewTurn } from '../../src/core/types.ts';
import { now } from './stats.ts';

/** One system under test; sessions are numbered. */
export interface Target {
  name: string;
  append(s: number, t: NewTurn): Promise<void>;
  appendBatch(s: number, ts: NewTurn[]): Promise<void>;
  last20(s: number): Promise<number>;
  session(s: number): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Run `fn` n times on every target, interleaved op by op so machine noise hits all alike, rotating who goes first
 * (the op right after another system's async commit pays for that system's write thread winding down).
 * Returns latencies (ms) by target name.
 */
export async function interleaved(targets: Target[], fn: (t: Target, i: number) => Promise<unknown>, n: number): Promise<Record<string, number[]>> {
  const lat: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(i + k) % targets.length]!;
      const t0 = now();
      await fn(t, i);
      lat[t.name]!.push(now() - t0);
    }
  }
  return lat;
}

/**
 * Append `turns` with `concurrency` workers in batches of `batch` (1 = single-turn appends) to sessions
 * `sessionBase … sessionBase + sessions - 1`; returns turns/s.
 */
export async function appendThroughput(t: Target, turns: NewTurn[], batch: number, concurrency: number, sessionBase: number, sessions: number): Promise<number> {
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < turns.length) {
        const start = next;
        next += batch;
        const chunk = turns.slice(start, start + batch);
        if (chunk.length === 0) break;
        if (batch === 1) await t.append(sessionBase + ((start + w) % sessions), chunk[0]!);
        else await t.appendBatch(sessionBase + ((start / batch) % sessions), chunk);
      }
    }),
  );
  return turns.length / ((now() - t0) / 1000);
}

/**
 * Seq bookkeeping for the raw floors (they have no session record): `take(s, n)` reserves n seqs of session s and
 * returns the first; `count(s)` is how many were taken.
 */
export function seqCounter(): { take(s: number, n: number): number; count(s: number): number } {
  const counts = new Map<number, number>();
  return {
    take: (s, n) => {
      const c = counts.get(s) ?? 0;
      counts.set(s, c + n);
      return c + 1;
    },
    count: (s) => counts.get(s) ?? 0,
  };
}
