import { beforeAll, describe, expect, it } from 'vitest';
import { countMessageTokens, loadTokenizer, type Tokenizer } from '../../models/tokens.ts';
import { sentenceInfos } from './analysis.ts';
import { pruneText, sentenceScore, summarize, SUMMARY_HEADER } from './compress.ts';
import { terms } from './text.ts';

describe('memory/context/compress', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer('o200k_base');
  });
  const measure = (content: string) => countMessageTokens({ role: 'user', content }, tok);
  const q = (s: string) => new Map(terms(s).map((t) => [t, 1]));

  it('sentenceScore favours sentences with the query terms', () => {
    const query = q('hotel lisbon');
    const one = (t: string) => sentenceInfos(t)[0]!;
    expect(sentenceScore(one('The hotel in Lisbon is booked.'), query)).toBeGreaterThan(sentenceScore(one('The weather was fine.'), query));
    expect(sentenceScore(one('plain words'), new Map())).toBe(0);
  });

  it('pruneText keeps the relevant sentences, in order, marks gaps, and fits exactly', () => {
    const text = [
      'We talked about many things today.',
      'The weather in Porto was grey and wet all week.',
      'The hotel in Lisbon is the Almada Inn, booked for three nights.',
      'Dinner was pasta with a lot of garlic and some wine.',
      'Then we watched a long film about whales and ships.',
    ].join(' ');
    const out = pruneText(text, q('which hotel in lisbon'), 30, measure)!;
    expect(out).toContain('Almada Inn');
    expect(out).toMatch(/…/);
    expect(measure(out)).toBeLessThanOrEqual(30);
    expect(pruneText(text, q('x'), 1000, measure)).toBe(text);
  });

  it('pruneText cuts the best sentence to a word prefix when no sentence fits, undefined when nothing does', () => {
    const long = `The hotel ${'very '.repeat(80)}nice.`;
    const out = pruneText(long, q('hotel'), 20, measure)!;
    expect(out.startsWith('The hotel')).toBe(true);
    expect(measure(out)).toBeLessThanOrEqual(20);
    expect(pruneText(long, q('hotel'), 2, measure)).toBeUndefined();
  });

  it('summarize lists the best sentences oldest first under the limit, with their seqs', () => {
    const src = (seq: number, speaker: string, text: string, score: number) => {
      const sentences = sentenceInfos(text);
      return { seq, speaker, score, sentences, cost: sentences.map((x) => tok.count(x.text)) };
    };
    const sources = [
      src(7, 'ann', 'The budget for the Falcon project is $42,000. Lunch was nice though.', 0.5),
      src(3, 'user', 'We booked the Almada Inn in Lisbon. It has a pool.', 0.4),
      src(9, 'assistant', 'Totally unrelated chatter about the football game.', 0.1),
    ];
    const s = summarize(sources, q('budget falcon hotel lisbon'), 60, measure)!;
    expect(s.content.startsWith(SUMMARY_HEADER)).toBe(true);
    expect(measure(s.content)).toBeLessThanOrEqual(60);
    const lines = s.content.split('\n').slice(1);
    expect(lines[0]).toMatch(/^- \[#3 user\] We booked the Almada Inn/);
    expect(s.content).toContain('[#7 ann] The budget for the Falcon project is $42,000.');
    expect(s.seqs).toEqual([3, 7]);
    expect(summarize(sources, q('x'), 10, measure)).toBeUndefined();
  });
});
