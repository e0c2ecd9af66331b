import { describe, expect, it } from 'vitest';
import { bm25Scores, termFrequencies } from './bm25.ts';
import { nearDuplicates } from './dedupe.ts';
import { textImportance, turnImportance } from './importance.ts';
import { stem } from './stem.ts';
import { jaccard, sentences, shingles, terms, words } from './text.ts';

describe('memory/context/stem', () => {
  it('stem(word) follows Porter (1980) on its published examples', () => {
    const cases: Record<string, string> = {
      caresses: 'caress', ponies: 'poni', cats: 'cat', agreed: 'agre', plastered: 'plaster', motoring: 'motor', hopping: 'hop',
      filing: 'file', happy: 'happi', relational: 'relat', conditional: 'condit', generalization: 'gener', hopefulness: 'hope',
      electrical: 'electr', adjustment: 'adjust', adoption: 'adopt', controll: 'control', roll: 'roll', booked: 'book', booking: 'book',
    };
    for (const [w, s] of Object.entries(cases)) expect(stem(w), w).toBe(s);
    expect(stem('42')).toBe('42');
    expect(stem('café')).toBe('café');
  });
});

describe('memory/context/text', () => {
  it('words() lower-cases, keeps numbers whole (commas dropped) and strips possessives', () => {
    expect(words("Lisbon's flight at 7:40 costs $42,000.50, OK?")).toEqual(['lisbon', 'flight', 'at', '7:40', 'costs', '42000.50', 'ok']);
  });

  it('terms() drops stop words and stems', () => {
    expect(terms('We are booking the flights to Lisbon')).toEqual(['book', 'flight', 'lisbon']);
  });

  it('sentences() splits at sentence ends before a capital or digit, and at line breaks', () => {
    expect(sentences('One two. Three four! "Five." 6 seven? eight\nnine')).toEqual(['One two.', 'Three four!', '"Five."', '6 seven? eight', 'nine']);
  });

  it('shingles() are word 3-gram hashes; jaccard() of identical texts is 1 and of disjoint ones 0', () => {
    const a = shingles('the quick brown fox jumps over the lazy dog');
    expect(a.length).toBe(7);
    expect(jaccard(a, shingles('The quick brown fox jumps over the lazy dog!'))).toBe(1);
    expect(jaccard(a, shingles('completely different words here now'))).toBe(0);
    expect(jaccard(new Uint32Array(0), new Uint32Array(0))).toBe(0);
    expect(shingles('two words').length).toBe(2);
  });
});

describe('memory/context/bm25', () => {
  const docs = ['the cat sat on the mat', 'dogs chase cats', 'the weather is nice today', 'cat cat cat food'].map((t) => {
    const ts = terms(t);
    return { tf: termFrequencies(ts), length: ts.length };
  });

  it('bm25Scores ranks documents holding rarer query terms higher; zero without a match', () => {
    const s = bm25Scores(docs, terms('cat food'));
    expect(s[2]).toBe(0);
    expect(s[3]).toBeGreaterThan(s[0]!);
    expect(s[0]).toBeGreaterThan(0);
  });

  it('bm25Scores of an empty query or no documents is all zeros', () => {
    expect([...bm25Scores(docs, [])]).toEqual([0, 0, 0, 0]);
    expect(bm25Scores([], ['cat']).length).toBe(0);
  });
});

describe('memory/context/importance', () => {
  it('textImportance finds facts, decisions and preferences, and gives small talk 0', () => {
    expect(textImportance('ok thanks').score).toBe(0);
    expect(textImportance('The flight leaves at 7:40 on March 3').features).toEqual(expect.arrayContaining(['number', 'date_time']));
    expect(textImportance('It costs $420 in total').features).toContain('money');
    expect(textImportance('mail me at ann@example.com').features).toContain('contact');
    expect(textImportance("OK, we decided to go with the blue one").features).toContain('decision');
    expect(textImportance("I don't like cilantro, never put it in").features).toContain('preference');
    expect(textImportance('we met with Maria Lopez yesterday').features).toEqual(expect.arrayContaining(['entity', 'date_time']));
    const many = textImportance('We decided: I prefer the $300 option on May 5 with Ann, mail ann@x.io').score;
    expect(many).toBeGreaterThan(0.8);
    expect(many).toBeLessThanOrEqual(1);
  });

  it('turnImportance: pinned is 1, a client value wins, a tool result adds weight', () => {
    expect(turnImportance('x', { importance: 0.2, pinned: true, hasToolResult: false }).score).toBe(1);
    expect(turnImportance('x', { importance: 0.2, pinned: false, hasToolResult: true }).score).toBe(0.2);
    expect(turnImportance('plain words', { importance: null, pinned: false, hasToolResult: true }).score).toBeCloseTo(0.3);
  });
});

describe('memory/context/dedupe', () => {
  it('nearDuplicates maps older near-copies to the newest of their group, leaving ineligible items alone', () => {
    const texts = [
      'please book the hotel in lisbon for three nights starting friday',
      'something else entirely about the weather today',
      'please book the hotel in lisbon for three nights starting friday!',
      'please book the hotel in lisbon for three nights starting friday',
      'please book the hotel in lisbon for three nights starting friday',
    ];
    const d = nearDuplicates(texts.map(shingles), [true, true, true, true, false]);
    expect([...d]).toEqual([3, -1, 3, -1, -1]);
  });
});
