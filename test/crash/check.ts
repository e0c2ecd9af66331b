/** Shared verdict of the crash tests: acknowledged batches present at their seqs, no partial batch. */
import { expect } from 'vitest';
import type { Turn } from '../../src/core/types.ts';

/** One acknowledged append: the batch tag written into each turn's text, its size and the first seq given. */
export interface Ack {
  session: string;
  first: number;
  n: number;
  batch: string;
}

/** Turns carry text `b<batch>:<i>/<n> …`. */
export function checkBatches(turnsBySession: Map<string, Turn[]>, acks: Ack[]): void {
  const byBatch = new Map<string, { n: number; got: Set<number>; seqs: number[] }>();
  for (const turns of turnsBySession.values()) {
    turns.forEach((t, i) => expect(t.seq).toBe(i + 1)); // dense seqs survive the crash
    for (const t of turns) {
      const m = /^b(\S+):(\d+)\/(\d+) /.exec(t.parts[0]?.type === 'text' ? t.parts[0].text : '');
      expect(m).not.toBeNull();
      const [, b, i, n] = m!;
      const e = byBatch.get(b!) ?? { n: Number(n), got: new Set<number>(), seqs: [] };
      e.got.add(Number(i));
      e.seqs.push(t.seq);
      byBatch.set(b!, e);
    }
  }
  // No partial batch: every batch present is complete and contiguous.
  for (const [b, e] of byBatch) {
    expect(e.got.size, `batch ${b}`).toBe(e.n);
    expect(Math.max(...e.seqs) - Math.min(...e.seqs)).toBe(e.n - 1);
  }
  // Every acknowledged batch is present at the acknowledged seqs.
  for (const a of acks) {
    const e = byBatch.get(a.batch);
    expect(e, `acknowledged batch ${a.batch} lost`).toBeDefined();
    expect(Math.min(...e!.seqs)).toBe(a.first);
  }
}
