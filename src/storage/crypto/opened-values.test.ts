import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openValue, sealValue } from './envelope.ts';
import { OpenedValues } from './opened-values.ts';

const key = createSecretKey(randomBytes(32));
const aad = Buffer.from('turns');
const seal = (text: string) => sealValue(1, key, Buffer.from(text), aad);

describe('OpenedValues', () => {
  it('get(key, sealed) returns the plaintext only for the very sealed value it was opened from', () => {
    const c = new OpenedValues(1 << 20);
    const a = seal('first');
    c.set('t\u0000s\u00001', a, openValue(a, () => key, aad)!);
    expect(c.get('t\u0000s\u00001', a)?.toString()).toBe('first');
    // A copy of the same bytes (as LMDB hands back on the next read) hits too.
    expect(c.get('t\u0000s\u00001', Buffer.from(a))?.toString()).toBe('first');
    // The same plaintext sealed again (a rewrite: fresh nonce, so another tag) misses.
    expect(c.get('t\u0000s\u00001', seal('first'))).toBeUndefined();
    expect(c.get('t\u0000s\u00002', a)).toBeUndefined();
    // One flipped tag bit misses.
    const flipped = Buffer.from(a);
    flipped[flipped.byteLength - 1]! ^= 1;
    expect(c.get('t\u0000s\u00001', flipped)).toBeUndefined();
  });

  it('stays within maxBytes, evicting the oldest entries first; delete and clear forget', () => {
    const c = new OpenedValues(10_000);
    for (let i = 0; i < 100; i++) {
      const s = seal(`value ${i} `.repeat(20));
      c.set(`k${i}`, s, Buffer.from(`value ${i} `.repeat(20)));
      expect(c.bytes).toBeLessThanOrEqual(10_000);
    }
    const newest = seal('newest');
    c.set('k-new', newest, Buffer.from('newest'));
    expect(c.get('k-new', newest)?.toString()).toBe('newest');
    expect(c.get('k0', seal('x'))).toBeUndefined();
    c.delete('k-new');
    expect(c.get('k-new', newest)).toBeUndefined();
    c.clear();
    expect(c.bytes).toBe(0);
  });

  it('never keeps a value over maxEntryBytes', () => {
    const c = new OpenedValues(1 << 20, 200); // cost: plaintext + 2 × key length + 100
    const small = seal('small');
    const big = seal('b'.repeat(200));
    c.set('small', small, Buffer.from('small'));
    c.set('big', big, Buffer.from('b'.repeat(200)));
    expect(c.get('small', small)?.toString()).toBe('small');
    expect(c.get('big', big)).toBeUndefined();
  });

  it('maxBytes 0 holds nothing', () => {
    const c = new OpenedValues(0);
    const a = seal('x');
    c.set('k', a, Buffer.from('x'));
    expect(c.get('k', a)).toBeUndefined();
    expect(c.bytes).toBe(0);
  });
});
