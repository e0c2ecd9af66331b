import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.ts';
import { bearerKey, createKeyCache } from './auth.ts';

describe('bearerKey', () => {
  it('bearerKey(header) returns the key of a Bearer header and undefined otherwise', () => {
    expect(bearerKey('Bearer abc')).toBe('abc');
    expect(bearerKey('bearer  abc ')).toBe('abc');
    expect(bearerKey('Basic abc')).toBeUndefined();
    expect(bearerKey('Bearer a b')).toBeUndefined();
    expect(bearerKey('Bearer')).toBeUndefined();
    expect(bearerKey(undefined)).toBeUndefined();
  });
});

describe('createKeyCache', () => {
  const counting = (table: Record<string, string>) => {
    const calls: string[] = [];
    return { calls, lookup: async (k: string) => (calls.push(k), table[k]) };
  };

  it('a hit within ttlMs skips the lookup; after ttlMs it looks up again', async () => {
    const clock = manualClock();
    const { calls, lookup } = counting({ k1: 'acme' });
    const auth = createKeyCache(lookup, { clock, ttlMs: 1000 });
    expect(await auth('k1')).toBe('acme');
    expect(await auth('k1')).toBe('acme');
    expect(calls).toEqual(['k1']);
    clock.advance(1000);
    expect(await auth('k1')).toBe('acme');
    expect(calls).toEqual(['k1', 'k1']);
  });

  it('failures are never cached', async () => {
    const table: Record<string, string> = {};
    const { calls, lookup } = counting(table);
    const auth = createKeyCache(lookup, { clock: manualClock() });
    expect(await auth('new')).toBeUndefined();
    table.new = 'acme';
    expect(await auth('new')).toBe('acme');
    expect(calls).toEqual(['new', 'new']);
  });

  it('holds at most max keys, evicting the least recently used', async () => {
    const { calls, lookup } = counting({ a: 't', b: 't', c: 't' });
    const auth = createKeyCache(lookup, { clock: manualClock(), max: 2 });
    await auth('a');
    await auth('b');
    await auth('a'); // a is now most recent
    await auth('c'); // evicts b
    calls.length = 0;
    await auth('a');
    await auth('c');
    expect(calls).toEqual([]);
    await auth('b');
    expect(calls).toEqual(['b']);
  });
});
