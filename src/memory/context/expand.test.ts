import { describe, expect, it } from 'vitest';
import type { Turn } from '../../core/types.ts';
import { TurnCache } from './analysis.ts';
import { buildContext, createContextCaches } from './engine.ts';
import { DEFAULT_NEIGHBOURS, EXACT_CANDIDATES, neighbourTerms, type WordVectors } from './expand.ts';
import { resolveContextOptions } from './options.ts';
import { mkTurn } from './testing/turns.ts';
import { terms } from './text.ts';

// A toy word space: words in one group point the same way (cosine 0.8 to each other), other words are orthogonal.
const GROUPS = [['fitness', 'workout', 'marathon', 'running'], ['vehicle', 'car', 'scooter']];
function toyVectors(calls: string[]): WordVectors {
  return (ws) =>
    ws.map((w) => {
      calls.push(w);
      const v = new Float32Array(64);
      const g = GROUPS.findIndex((x) => x.includes(w));
      let h = 0;
      for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      if (g >= 0) v[g] = Math.sqrt(0.8);
      v[8 + (h % 56)] = g >= 0 ? Math.sqrt(0.2) : 1;
      return v;
    });
}

const turn = (seq: number, text: string) => ({ seq, words: [...new Set(text.split(' '))] });

describe('memory/context/expand neighbourTerms', () => {
  it('brings in the session words nearest to each query word, never the query’s own stems or skipped names', () => {
    const calls: string[] = [];
    const session = new TurnCache().session({ tenant: 't', session: 's' });
    const turns = [turn(1, 'marathon training canal'), turn(2, 'soup again'), turn(3, 'fitness workout'), turn(4, 'maria car')];
    const out = neighbourTerms('Is Maria into fitness?', session, turns, toyVectors(calls), DEFAULT_NEIGHBOURS, new Set(['maria']));
    expect([...out.keys()].sort()).toEqual([...terms('marathon workout')].sort());
    // No neighbour of another group, no word below the similarity floor.
    expect(out.has(terms('car')[0]!)).toBe(false);
    expect(out.has(terms('soup')[0]!)).toBe(false);
    expect(neighbourTerms('Is Maria into fitness?', session, turns, toyVectors([]), { ...DEFAULT_NEIGHBOURS, terms: 0 }, new Set()).size).toBe(0);
  });

  it('embeds each session word once; a new turn adds only its new words; neighbours are recomputed when the vocabulary grows', () => {
    const calls: string[] = [];
    const embed = toyVectors(calls);
    const session = new TurnCache().session({ tenant: 't', session: 's' });
    const turns = [turn(1, 'soup again'), turn(2, 'soup weather')];
    expect(neighbourTerms('what vehicle', session, turns, embed, DEFAULT_NEIGHBOURS, new Set()).size).toBe(0);
    const vocabCalls = calls.filter((w) => w !== 'vehicle');
    expect(vocabCalls.sort()).toEqual(['again', 'soup', 'weather']);
    calls.length = 0;
    const more = [...turns, turn(3, 'bought scooter soup')];
    const out = neighbourTerms('what vehicle', session, more, embed, DEFAULT_NEIGHBOURS, new Set());
    expect(calls.filter((w) => w !== 'vehicle').sort()).toEqual(['bought', 'scooter']);
    expect([...out.keys()]).toEqual(terms('scooter'));
  });

  it('on a vocabulary far larger than the exact pass, finds the same neighbours as a full scan, also after it grows', () => {
    // 2,000 random unit words in 256-d; "target" has planted neighbours at cosine ~0.9 / 0.75 / 0.6 and one at 0.4.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const base = unit(Float32Array.from({ length: 256 }, rand));
    const near = (c: number) => {
      const noise = unit(Float32Array.from({ length: 256 }, rand));
      return unit(base.map((x, i) => c * x + Math.sqrt(1 - c * c) * noise[i]!));
    };
    const space = new Map<string, Float32Array>([['target', base], ['closest', near(0.9)], ['closer', near(0.75)], ['close', near(0.6)], ['far', near(0.4)]]);
    const letters = (i: number) => [...i.toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
    const filler = Array.from({ length: 2000 }, (_, i) => `zz${letters(i)}`);
    for (const w of filler) space.set(w, unit(Float32Array.from({ length: 256 }, rand)));
    const embed: WordVectors = (ws) => ws.map((w) => space.get(w) ?? unit(Float32Array.from({ length: 256 }, rand)));
    expect(filler.length).toBeGreaterThan(10 * EXACT_CANDIDATES);
    const session = new TurnCache().session({ tenant: 't', session: 's' });
    const turns = filler.map((w, i) => turn(i + 1, w));
    turns.push(turn(3000, 'far close'));
    const params = { ...DEFAULT_NEIGHBOURS, terms: 3, minSimilarity: 0.5 };
    expect([...neighbourTerms('target', session, turns, embed, params, new Set()).keys()]).toEqual(terms('close'));
    // The vocabulary grows: the cached best is merged with the new words only.
    const more = [...turns, turn(3001, 'closest closer')];
    expect([...neighbourTerms('target', session, more, embed, params, new Set()).keys()].sort()).toEqual([...terms('closest closer close')].sort());
    // A fresh session with everything at once agrees.
    const fresh = new TurnCache().session({ tenant: 't', session: 'f' });
    expect([...neighbourTerms('target', fresh, more, embed, params, new Set()).keys()].sort()).toEqual([...terms('closest closer close')].sort());
  });
});

describe('memory/context/expand in buildContext', () => {
  it('with a word embedder, a turn sharing no word with the query but a neighbour of one is found lexically', async () => {
    const turns: Turn[] = [];
    for (let seq = 1; seq <= 40; seq++) {
      const name = seq % 2 === 1 ? 'Maria' : 'Jon';
      const text = seq === 9 ? 'did my long marathon run along the canal' : seq % 3 === 0 ? 'haha same, what a week' : 'made soup again, the weather is grim';
      turns.push(mkTurn(seq, name === 'Maria' ? 'user' : 'assistant', `[2023-02-14] ${name}: ${text}`, { name }));
    }
    const query = 'Is Maria into fitness?';
    const opts = resolveContextOptions({});
    const on = await buildContext({ turns, query, budgetTokens: 4000, explain: true, wordVectors: toyVectors([]), scope: { tenant: 't', session: 'a' } }, opts, createContextCaches());
    const off = await buildContext({ turns, query, budgetTokens: 4000, explain: true, scope: { tenant: 't', session: 'b' } }, opts, createContextCaches());
    const at = (r: typeof on, seq: number) => [...r.selected, ...r.dropped!].find((s) => s.seq === seq)!;
    expect(on.expansion).toEqual(expect.arrayContaining([terms('marathon')[0]!.slice(0, 5)]));
    expect(at(on, 9).components.lexical).toBe(1);
    expect(at(off, 9).components.lexical).toBe(0);
    expect(off.expansion).toEqual([]);
    // Off by option even with a word embedder.
    const none = await buildContext({ turns, query, budgetTokens: 4000, wordVectors: toyVectors([]) }, resolveContextOptions({ scorer: { neighbours: { terms: 0 } } }));
    expect(none.expansion).toEqual([]);
  });
});
