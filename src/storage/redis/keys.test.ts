import { describe, expect, it } from 'vitest';
import { KeySpace, expiryMember, indexMember, parseExpiryMember, parseIndexMember } from './keys.ts';

describe('storage/redis/keys', () => {
  it('all keys of a session share one hash tag, and tenant/id pairs never collide', () => {
    const k = new KeySpace('sira:');
    const s = k.session('t1', 'a:b');
    for (const key of Object.values(s)) expect(key.startsWith('sira:{t1/a:b}:')).toBe(true);
    expect(k.session('a:b', 'c').session).not.toBe(k.session('a', 'b:c').session);
    // Not valid ids, but a store must still keep them apart and inside one tag.
    expect(k.session('a/b', 'c').session).not.toBe(k.session('a', 'b/c').session);
    expect(k.session('x}', '{y').session).toBe('sira:{x%7D/%7By}:s');
  });

  it('index members sort by (created_at, id) in lex order and parse back', () => {
    const members = [indexMember(5, 'b'), indexMember(100, 'a'), indexMember(5, 'a'), indexMember(1_795_000_000_000, 'z')];
    expect([...members].sort()).toEqual([indexMember(5, 'a'), indexMember(5, 'b'), indexMember(100, 'a'), indexMember(1_795_000_000_000, 'z')]);
    expect(parseIndexMember(indexMember(42, 'id:with:colons'))).toEqual({ createdAt: 42, id: 'id:with:colons' });
    expect(parseIndexMember('junk')).toBeUndefined();
  });

  it('expiry members round-trip; anything else parses as undefined', () => {
    expect(parseExpiryMember(expiryMember('t', 's', 7))).toEqual({ tenant: 't', id: 's', createdAt: 7 });
    expect(parseExpiryMember('["t"]')).toBeUndefined();
    expect(parseExpiryMember('{')).toBeUndefined();
  });

  it('a prefix with a brace is refused', () => {
    expect(() => new KeySpace('a{b')).toThrow();
  });
});
