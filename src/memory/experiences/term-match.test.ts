import { describe, expect, it } from 'vitest';
import { createStaticEmbedder } from '../../models/embedders/static.ts';
import { createHashingEmbedder } from './hashing-embedder.ts';
import { TermMatcher, taskWords } from './term-match.ts';

describe('taskWords(text)', () => {
  it('returns the distinct lower-case content words in order of first use', () => {
    expect(taskWords('Please cancel the Invoice, cancel it today')).toEqual(['cancel', 'invoice', 'today']);
  });
});

describe('TermMatcher.scores(query, tasks)', () => {
  // Filler the candidates share ("please", the customer, the day) must not decide: the object word must.
  const tasks = ['please create the flight booking for Maria today', 'please cancel the invoice for Maria today', 'please cancel the flight booking for Maria today'];

  it('ranks the task that holds a synonym of the query words first (static embedder)', async () => {
    const m = new TermMatcher(createStaticEmbedder());
    const s = (await m.scores('abort my air ticket asap', tasks))!;
    expect(s).toHaveLength(3);
    for (const x of s) expect(x).toBeGreaterThanOrEqual(0);
    for (const x of s) expect(x).toBeLessThanOrEqual(1);
    // "air ticket" aligns with "flight booking", not "invoice"; "abort" with "cancel" more than "create".
    expect(s[2]).toBeGreaterThan(s[1]!);
    expect(s[2]).toBeGreaterThan(s[0]!);
  });

  it('gives a word every candidate holds no say: only the rarer words separate them', async () => {
    const m = new TermMatcher(createHashingEmbedder());
    const s = (await m.scores('cancel flight booking', tasks))!;
    // Exact stems only with the hashing embedder: task 2 holds every query word, task 0 misses "cancel", task 1 "flight booking".
    expect(s[2]).toBeCloseTo(1, 6);
    expect(s[0]).toBeLessThan(1);
    expect(s[1]).toBeLessThan(s[0]!);
  });

  it('returns undefined for a query of stop words only, and for no candidates', async () => {
    const m = new TermMatcher(createHashingEmbedder());
    expect(await m.scores('could you do it for me', tasks)).toBeUndefined();
    expect(await m.scores('cancel the invoice', [])).toBeUndefined();
  });

  it('rejects when the embedder does', async () => {
    const m = new TermMatcher({ id: 'broken', dim: 4, embed: () => Promise.reject(new Error('down')) });
    await expect(m.scores('cancel the invoice', tasks)).rejects.toThrow('down');
  });
});
