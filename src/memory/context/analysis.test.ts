import { describe, expect, it } from 'vitest';
import { TurnCache, analyzeTurn } from './analysis.ts';
import { bm25Weighted, expansionTerms, termFrequencies } from './bm25.ts';
import { terms } from './text.ts';
import { mkTurn } from './testing/turns.ts';

describe('memory/context/analysis TurnCache', () => {
  it('entry(turn) is computed once per session and seq, and recomputed when created_at differs', () => {
    const cache = new TurnCache(100);
    const s = cache.session({ tenant: 't', session: 'a' });
    const t = mkTurn(1, 'user', 'We booked the Almada Inn on May 3.');
    const e = cache.entry(s, t);
    expect(cache.entry(s, t)).toBe(e);
    expect(e.analysis.features).toEqual(expect.arrayContaining(['number', 'date_time']));
    let calls = 0;
    expect(e.tokens('o200k_base', '', () => ++calls)).toBe(1);
    expect(e.tokens('o200k_base', '', () => ++calls)).toBe(1);
    expect(e.tokens('cl100k_base', '', () => ++calls)).toBe(2);
    const recreated = cache.entry(s, { ...t, created_at: t.created_at + 1 });
    expect(recreated).not.toBe(e);
    expect(cache.size).toBe(1);
  });

  it('evicts least recently used sessions beyond maxTurns; scope-less requests are not held', () => {
    const cache = new TurnCache(4);
    const a = cache.session({ tenant: 't', session: 'a' });
    for (let i = 1; i <= 3; i++) cache.entry(a, mkTurn(i, 'user', `a ${i}`));
    const b = cache.session({ tenant: 't', session: 'b' });
    for (let i = 1; i <= 2; i++) cache.entry(b, mkTurn(i, 'user', `b ${i}`));
    expect(cache.size).toBe(2);
    expect(cache.session({ tenant: 't', session: 'a' }).turns.size).toBe(0);
    const e = cache.session(undefined);
    cache.entry(e, mkTurn(1, 'user', 'x'));
    expect(cache.size).toBe(2);
  });

  it('sentences() and sentenceTokens() are computed once', () => {
    const cache = new TurnCache();
    const s = cache.session({ tenant: 't', session: 'a' });
    const e = cache.entry(s, mkTurn(1, 'user', 'One here. Two there.'));
    let texts = 0;
    const ss = e.sentences(() => (texts++, 'One here. Two there.'));
    expect(ss.map((x) => x.text)).toEqual(['One here.', 'Two there.']);
    expect(e.sentences(() => (texts++, ''))).toBe(ss);
    expect(e.sentenceTokens('o200k_base', () => '', (x) => x.length)).toEqual([9, 10]);
    expect(texts).toBe(1);
  });
});

describe('memory/context/bm25 expansion', () => {
  const docs = [
    'Tobias will run point on Falcon from now on.',
    'Falcon can spend up to $67,000 this quarter.',
    'The Falcon standup ran long again.',
    'The weather is nice today.',
    'Juniper can spend up to $12,000.',
  ].map((t) => {
    const ts = terms(t);
    return { tf: termFrequencies(ts), length: ts.length };
  });

  it('expansionTerms takes rare terms of the best first-pass turns, not the query terms or numbers', () => {
    const q = terms('How much money for the initiative Tobias heads?');
    const first = [3, 0, 0, 0, 0];
    const exp = expansionTerms(docs, first, q, { docs: 1, terms: 3, weight: 0.3 });
    expect([...exp.keys()]).toContain('falcon');
    expect(exp.has('tobia')).toBe(false);
    expect(Math.max(...exp.values())).toBe(1);
    expect(expansionTerms(docs, first, q, { docs: 0, terms: 3, weight: 0.3 }).size).toBe(0);
    expect(expansionTerms(docs, [0, 0, 0, 0, 0], q, { docs: 3, terms: 3, weight: 0.3 }).size).toBe(0);
  });

  it('bm25Weighted scales each term by its weight; zero-weight terms count nothing', () => {
    const a = bm25Weighted(docs, new Map([['falcon', 1]]));
    const b = bm25Weighted(docs, new Map([['falcon', 0.5]]));
    expect(b[1]).toBeCloseTo(a[1]! / 2);
    expect([...bm25Weighted(docs, new Map([['falcon', 0]]))]).toEqual([0, 0, 0, 0, 0]);
  });

  it('analyzeTurn gives tool turns no shingles (they are never collapsed as duplicates)', () => {
    const t = mkTurn(1, 'assistant', '', { parts: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }] });
    expect(analyzeTurn(t).shingles.length).toBe(0);
  });
});
