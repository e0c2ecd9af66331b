import { describe, expect, it } from 'vitest';
import type { Part, Turn } from '../core/types.ts';
import { decodeTurn, encodeTurn, inflateTurnRecord } from './codec/turn.ts';
import { TailCache, tailVersion } from './tail-cache.ts';

const turn = (seq: number, text = `turn number ${seq} of the conversation`, parts?: Part[]): Turn => ({
  seq,
  role: seq % 2 === 0 ? 'assistant' : 'user',
  parts: parts ?? [{ type: 'text', text }],
  name: null,
  agent_id: seq % 3 === 0 ? 'agent-1' : null,
  metadata: { n: seq, text },
  created_at: 1_700_000_000_000 + seq,
  importance: seq % 5 === 0 ? 0.5 : null,
  pinned: seq % 7 === 0,
});
const turns = (first: number, n: number) => Array.from({ length: n }, (_, i) => turn(first + i));
/** A turn's record as the store writes it (zstd from 64 bytes on). */
const rec = (t: Turn) => encodeTurn(t, t.created_at, 64);
const recs = (ts: readonly Turn[]) => ts.map(rec);
/** appended() of these turns, at the versions an append from turn count `first - 1` gives. */
const append = (c: TailCache, key: string, ts: Turn[]) =>
  c.appended(key, tailVersion(1, ts[0]!.seq - 1), tailVersion(1, ts.at(-1)!.seq), ts[0]!.seq, recs(ts));

describe('TailCache', () => {
  it('keeps zstd records decompressed (once, on the way in) and reads them back the same', () => {
    const long = turn(1, 'a long turn that zstd will compress, '.repeat(20));
    const stored = rec(long);
    expect(stored[1]! & 1).toBe(1); // the store's record is compressed
    const inflated = inflateTurnRecord(stored);
    expect(inflated[1]! & 1).toBe(0);
    expect(inflated.byteLength).toBeGreaterThan(stored.byteLength);
    expect(decodeTurn(inflated, 1)).toEqual(decodeTurn(stored, 1));
    const plain = rec(turn(2, 'hi'));
    expect(inflateTurnRecord(plain)).toBe(plain); // not compressed: the same bytes
    const c = new TailCache();
    c.appended('k', tailVersion(1, 0), tailVersion(1, 1), 1, [stored]);
    expect(c.range('k', tailVersion(1, 1), 1, 1)).toEqual([long]);
    expect(c.bytes).toBeGreaterThanOrEqual(inflated.byteLength);
  });
  it('range() serves appended turns only at the matching version', () => {
    const c = new TailCache();
    c.appended('k', tailVersion(1, 0), tailVersion(1, 3), 1, recs(turns(1, 3)));
    expect(c.range('k', tailVersion(1, 3), 2, 3)?.map((t) => t.seq)).toEqual([2, 3]);
    expect(c.range('k', tailVersion(1, 4), 2, 3)).toBeUndefined(); // another writer appended
    expect(c.range('k', tailVersion(2, 3), 2, 3)).toBeUndefined(); // the id was re-created
  });
  it('range() gives back the turns as they were put in, every part kind included', () => {
    const c = new TailCache();
    const media: Part[] = [
      { type: 'text', text: 'see the attached picture' },
      { type: 'image', mime: 'image/png', data: new Uint8Array([1, 2, 3, 250]) },
      { type: 'file', mime: 'application/pdf', url: 'https://example.com/a.pdf', name: 'a.pdf' },
      { type: 'tool_call', id: 'c1', name: 'lookup', arguments: '{"q":"card"}' },
      { type: 'tool_result', tool_call_id: 'c1', content: 'found', is_error: false },
      { type: 'tensor', name: 'emb' },
    ];
    const put = [turn(1, '', media), ...turns(2, 9)];
    c.appended('k', tailVersion(1, 0), tailVersion(1, 10), 1, recs(put));
    expect(c.range('k', tailVersion(1, 10), 1, 10)).toEqual(put);
  });
  it('range() hands out fresh turns each time: a caller changing one does not change the cache', () => {
    const c = new TailCache();
    c.filled('k', tailVersion(1, 1), 1, recs(turns(1, 1)));
    const [a] = c.range('k', tailVersion(1, 1), 1, 1)!;
    (a!.parts[0] as { text: string }).text = 'changed';
    a!.metadata!.n = -1;
    const [b] = c.range('k', tailVersion(1, 1), 1, 1)!;
    expect(b).not.toBe(a);
    expect(b).toEqual(turn(1));
  });
  it('records are copied in: a store reusing the buffer it handed them out of changes nothing', () => {
    const c = new TailCache({ turnsPerSession: 3 });
    const rs = recs(turns(1, 5));
    // Records as a store hands them out: views into one larger buffer.
    const big = new Uint8Array(rs.reduce((n, r) => n + r.byteLength, 0) + 100);
    let at = 100;
    const views = rs.map((r) => {
      big.set(r, at);
      at += r.byteLength;
      return big.subarray(at - r.byteLength, at);
    });
    c.filled('k', tailVersion(1, 5), 1, views);
    c.appended('k', tailVersion(1, 5), tailVersion(1, 6), 6, [rec(turn(6))]);
    big.fill(0);
    expect(c.range('k', tailVersion(1, 6), 4, 6)).toEqual(turns(4, 3));
  });
  it('peek() names the version and first seq of an entry without counting a hit', () => {
    const c = new TailCache({ turnsPerSession: 2 });
    expect(c.peek('k')).toBeUndefined();
    c.appended('k', tailVersion(1, 0), tailVersion(1, 3), 1, recs(turns(1, 3)));
    expect(c.peek('k')).toEqual({ version: tailVersion(1, 3), first: 2 });
    expect([c.hits, c.misses]).toEqual([0, 0]);
  });
  it('appended() extends an entry at the previous version and restarts otherwise', () => {
    const c = new TailCache();
    append(c, 'k', turns(1, 2));
    append(c, 'k', turns(3, 1));
    expect(c.range('k', tailVersion(1, 3), 1, 3)).toEqual(turns(1, 3));
    append(c, 'k', turns(6, 1)); // missed turns 4-5: its previous version was never seen
    expect(c.range('k', tailVersion(1, 6), 5, 6)).toBeUndefined();
    expect(c.range('k', tailVersion(1, 6), 6, 6)?.map((t) => t.seq)).toEqual([6]);
  });
  it('one append at a time past turnsPerSession: the newest turns stay readable and the buffer stays bounded', () => {
    const c = new TailCache({ turnsPerSession: 4 });
    let most = 0;
    for (let seq = 1; seq <= 300; seq++) {
      append(c, 'k', [turn(seq)]);
      const from = Math.max(1, seq - 3);
      expect(c.range('k', tailVersion(1, seq), from, seq)).toEqual(turns(from, seq - from + 1));
      most = Math.max(most, c.bytes);
    }
    expect(c.peek('k')).toEqual({ version: tailVersion(1, 300), first: 297 });
    // Four live records of ~100 bytes in a buffer that grows by half (dead bytes dropped when it grows): a few KiB
    // at most, where keeping every record pushed out would reach 300 × 100 bytes.
    expect(most).toBeLessThan(4096);
  });
  it('filled() keeps the newest turnsPerSession turns', () => {
    const c = new TailCache({ turnsPerSession: 3 });
    c.filled('k', tailVersion(1, 5), 1, recs(turns(1, 5)));
    expect(c.peek('k')).toEqual({ version: tailVersion(1, 5), first: 3 });
    expect(c.range('k', tailVersion(1, 5), 3, 5)).toEqual(turns(3, 3));
    expect(c.range('k', tailVersion(1, 5), 2, 5)).toBeUndefined();
  });
  it('evicts least recently used sessions by bytes', () => {
    const c = new TailCache({ turnsPerSession: 4 });
    append(c, 'probe', turns(1, 1));
    const one = c.bytes;
    const small = new TailCache({ turnsPerSession: 4, maxBytes: 10 * one });
    append(small, 'a', turns(1, 1));
    for (let i = 0; i < 20; i++) append(small, `s${i}`, turns(1, 1));
    expect(small.bytes).toBeLessThanOrEqual(10 * one);
    expect(small.size).toBe(10);
    expect(small.range('a', tailVersion(1, 1), 1, 1)).toBeUndefined(); // evicted
    expect(small.range('s19', tailVersion(1, 1), 1, 1)).toBeDefined();
    expect(small.range('s9', tailVersion(1, 1), 1, 1)).toBeUndefined();
  });
  it('drop() gives the bytes back', () => {
    const c = new TailCache();
    c.appended('k', tailVersion(1, 0), tailVersion(1, 3), 1, recs(turns(1, 3)));
    expect(c.bytes).toBeGreaterThan(0);
    c.drop('k');
    expect([c.bytes, c.size]).toEqual([0, 0]);
  });
});
