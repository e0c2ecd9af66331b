import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lru } from './lru.ts';

describe('models/lru', () => {
  it('get(key) keeps a used entry over an unused older one; set(key) evicts the oldest unused entry', () => {
    const c = new Lru<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3); // a was used: b goes
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c')]).toEqual([1, 3]);
    c.set('a', 10); // overwrite in place
    expect(c.get('a')).toBe(10);
    expect(c.size).toBe(2);
    expect(c.delete('a')).toBe(true);
    expect(c.delete('a')).toBe(false);
    c.clear();
    expect(c.size).toBe(0);
    expect(() => new Lru(0)).toThrow(RangeError);
  });

  it('never holds more than max entries, and a value read back is the last one set (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 15 }), fc.integer()), { maxLength: 200 }), (max, ops) => {
        const c = new Lru<number, number>(max);
        const last = new Map<number, number>();
        for (const [isSet, k, v] of ops) {
          if (isSet) {
            c.set(k, v);
            last.set(k, v);
          } else {
            const got = c.get(k);
            if (got !== undefined) expect(got).toBe(last.get(k));
          }
          expect(c.size).toBeLessThanOrEqual(max);
        }
      }),
      { seed: 20261126 },
    );
  });

  it('the entry just set survives the eviction it causes', () => {
    const c = new Lru<number, number>(3);
    for (let i = 0; i < 100; i++) {
      c.set(i, i);
      expect(c.get(i)).toBe(i);
    }
  });
});
