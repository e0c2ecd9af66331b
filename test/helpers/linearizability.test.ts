import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRegister, type RegisterOp, type RegisterState } from './linearizability.ts';

const FC_SEED = Number(process.env.SIRA_FC_SEED ?? 20261202);

type WriteOut = { ok: number } | { conflict: number } | 'unknown';
const w = (start: number, end: number | undefined, expected: number | undefined, tag: string, out: WriteOut): RegisterOp =>
  end === undefined ? { kind: 'write', start, expected, tag, out } : { kind: 'write', start, end, expected, tag, out };
const r = (start: number, end: number, version: number, tag: string): RegisterOp => ({ kind: 'read', start, end, out: { version, tag } });

describe('checkRegister (known histories)', () => {
  it('accepts a sequential history', () => {
    expect(checkRegister([w(0, 1, 0, 'a', { ok: 1 }), r(2, 3, 1, 'a'), w(4, 5, 1, 'b', { ok: 2 }), r(6, 7, 2, 'b')]).ok).toBe(true);
  });
  it('accepts two concurrent CAS writers on one version: one wins, the other is refused at the new version', () => {
    expect(checkRegister([w(0, 10, 0, 'a', { ok: 1 }), w(1, 9, 0, 'b', { conflict: 1 }), r(11, 12, 1, 'a')]).ok).toBe(true);
  });
  it('rejects two CAS writers that both won the same version (a lost update)', () => {
    const res = checkRegister([w(0, 10, 0, 'a', { ok: 1 }), w(1, 9, 0, 'b', { ok: 1 }), r(11, 12, 1, 'a')]);
    expect(res.ok).toBe(false);
  });
  it('rejects a stale read after an acknowledged write', () => {
    expect(checkRegister([w(0, 1, 0, 'a', { ok: 1 }), r(2, 3, 0, '')]).ok).toBe(false);
  });
  it('accepts either value for a read that overlaps the write', () => {
    expect(checkRegister([w(0, 10, 0, 'a', { ok: 1 }), r(2, 3, 0, '')]).ok).toBe(true);
    expect(checkRegister([w(0, 10, 0, 'a', { ok: 1 }), r(2, 3, 1, 'a')]).ok).toBe(true);
  });
  it('rejects reads that go back in time (new value, then old value, both after the write began)', () => {
    expect(checkRegister([w(0, 10, 0, 'a', { ok: 1 }), r(2, 3, 1, 'a'), r(4, 5, 0, '')]).ok).toBe(false);
  });
  it('rejects reading a value whose write began after the read ended', () => {
    expect(checkRegister([r(0, 1, 1, 'a'), w(2, 3, 0, 'a', { ok: 1 })]).ok).toBe(false);
  });
  it('an unknown outcome may have happened or not, but not both', () => {
    expect(checkRegister([w(0, undefined, 0, 'a', 'unknown'), r(5, 6, 1, 'a')]).ok).toBe(true);
    expect(checkRegister([w(0, undefined, 0, 'a', 'unknown'), r(5, 6, 0, '')]).ok).toBe(true);
    expect(checkRegister([w(0, undefined, 0, 'a', 'unknown'), r(5, 6, 1, 'a'), r(7, 8, 0, '')]).ok).toBe(false);
  });
  it('a refused write must report the version current at some point of its interval', () => {
    expect(checkRegister([w(0, 1, 0, 'a', { ok: 1 }), w(2, 3, 0, 'b', { conflict: 1 })]).ok).toBe(true);
    expect(checkRegister([w(0, 1, 0, 'a', { ok: 1 }), w(2, 3, 0, 'b', { conflict: 2 })]).ok).toBe(false);
  });
});

/** A real register's run: ops with random overlapping intervals around distinct, ordered linearization points. */
const execution = fc
  .record({
    ops: fc.array(fc.record({ read: fc.boolean(), stale: fc.integer({ min: 0, max: 2 }), before: fc.integer({ min: 1, max: 30 }), after: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 40 }),
  })
  .map(({ ops }) => {
    let s: RegisterState = { version: 0, tag: '' };
    const out: RegisterOp[] = [];
    ops.forEach((o, i) => {
      const at = (i + 1) * 10; // distinct linearization points, in order
      const start = at - o.before / 10;
      const end = at + o.after;
      if (o.read) out.push({ kind: 'read', start, end, out: s });
      else {
        // A CAS on the version it read a little earlier: sometimes stale (and so refused).
        const expected = Math.max(0, s.version - o.stale);
        if (expected === s.version) {
          s = { version: s.version + 1, tag: `w${i}` };
          out.push({ kind: 'write', start, end, expected, tag: `w${i}`, out: { ok: s.version } });
        } else out.push({ kind: 'write', start, end, expected, tag: `w${i}`, out: { conflict: s.version } });
      }
    });
    return out;
  });

describe('checkRegister (properties)', () => {
  it('accepts every history of a real register', () => {
    fc.assert(
      fc.property(execution, (h) => {
        expect(checkRegister(h).ok).toBe(true);
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
  it('rejects a history once a read after a completed write reports the state before it', () => {
    fc.assert(
      fc.property(execution, (h) => {
        // The last read that starts after some acknowledged write ended: make it report the initial state.
        const writes = h.filter((o): o is Extract<RegisterOp, { kind: 'write' }> => o.kind === 'write' && o.out !== 'unknown' && 'ok' in o.out);
        const idx = h.findLastIndex((o) => o.kind === 'read' && writes.some((wr) => wr.end! < o.start));
        fc.pre(idx >= 0);
        const bad = h.map((o, i) => (i === idx && o.kind === 'read' ? { ...o, out: { version: 0, tag: '' } } : o));
        expect(checkRegister(bad).ok).toBe(false);
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
});
console.info(`linearizability properties: fast-check seed ${FC_SEED}`);
