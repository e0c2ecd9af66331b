import { describe, expect, it } from 'vitest';
import type { Turn } from '../core/types.ts';
import { TailCache, tailVersion } from './tail-cache.ts';

const turn = (seq: number, text = `t${seq}`): Turn => ({
  seq,
  role: 'user',
  parts: [{ type: 'text', text }],
  name: null,
  agent_id: null,
  metadata: null,
  created_at: 0,
  importance: null,
  pinned: false,
});

describe('TailCache', () => {
  it('range() serves appended turns only at the matching version', () => {
    const c = new TailCache();
    c.appended('k', tailVersion(1, 0), tailVersion(1, 3), [turn(1), turn(2), turn(3)]);
    expect(c.range('k', tailVersion(1, 3), 2, 3)?.map((t) => t.seq)).toEqual([2, 3]);
    expect(c.range('k', tailVersion(1, 4), 2, 3)).toBeUndefined(); // another writer appended
    expect(c.range('k', tailVersion(2, 3), 2, 3)).toBeUndefined(); // the id was re-created
  });
  it('peek() names the version and first seq of an entry without counting a hit', () => {
    const c = new TailCache({ turnsPerSession: 2 });
    expect(c.peek('k')).toBeUndefined();
    c.appended('k', tailVersion(1, 0), tailVersion(1, 3), [turn(1), turn(2), turn(3)]);
    expect(c.peek('k')).toEqual({ version: tailVersion(1, 3), first: 2 });
    expect([c.hits, c.misses]).toEqual([0, 0]);
  });
  it('appended() extends an entry at the previous version and restarts otherwise', () => {
    const c = new TailCache();
    c.appended('k', tailVersion(1, 0), tailVersion(1, 2), [turn(1), turn(2)]);
    c.appended('k', tailVersion(1, 2), tailVersion(1, 3), [turn(3)]);
    expect(c.range('k', tailVersion(1, 3), 1, 3)?.length).toBe(3);
    c.appended('k', tailVersion(1, 5), tailVersion(1, 6), [turn(6)]); // missed turns 4-5
    expect(c.range('k', tailVersion(1, 6), 5, 6)).toBeUndefined();
    expect(c.range('k', tailVersion(1, 6), 6, 6)?.map((t) => t.seq)).toEqual([6]);
  });
  it('keeps at most turnsPerSession turns and evicts least recently used sessions by bytes', () => {
    const c = new TailCache({ turnsPerSession: 4, maxBytes: 3400 });
    c.appended('a', tailVersion(1, 0), tailVersion(1, 10), Array.from({ length: 10 }, (_, i) => turn(i + 1)));
    expect(c.range('a', tailVersion(1, 10), 7, 10)?.length).toBe(4);
    expect(c.range('a', tailVersion(1, 10), 6, 10)).toBeUndefined();
    for (let i = 0; i < 20; i++) c.appended(`s${i}`, tailVersion(1, 0), tailVersion(1, 1), [turn(1)]);
    expect(c.bytes).toBeLessThanOrEqual(3400);
    expect(c.range('a', tailVersion(1, 10), 10, 10)).toBeUndefined(); // evicted
    expect(c.range("s19", tailVersion(1, 1), 1, 1)).toBeDefined();
  });
  it('hands out frozen turns', () => {
    const c = new TailCache();
    c.filled('k', tailVersion(1, 1), [turn(1)]);
    const [t] = c.range('k', tailVersion(1, 1), 1, 1)!;
    expect(Object.isFrozen(t) && Object.isFrozen(t!.parts) && Object.isFrozen(t!.parts[0])).toBe(true);
  });
});
