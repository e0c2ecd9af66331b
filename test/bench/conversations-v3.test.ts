/**
 * Generator v3 and its evaluation (bench/lib/conversations-v3.ts, bench/lib/context-eval-v3.ts): the wire format
 * the held-out run sends, evidence that is where it claims to be, splits that share nothing, determinism, and the
 * baselines' and the in-process engine's recall measured on real generated data (no hard-coded results).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/models/tokens.ts';
import { bm25, bm25Baseline, conversationsV3, evaluateEngine, recallV3, recencyBaseline, scoreStrategy, storedTurns } from '../../bench/lib/context-eval-v3.ts';
import { generateConversationV3, KINDS_V3, seedsV3 } from '../../bench/lib/conversations-v3.ts';
import { half, NAMES } from '../../bench/lib/conversations-v3-pools.ts';

const SEED = Number(process.env.FC_SEED ?? 1212);
console.log(`conversations-v3 properties: fast-check seed ${SEED}`);

describe('generateConversationV3(split, seed)', () => {
  it('is deterministic per (split, seed) and differs across seeds', () => {
    expect(generateConversationV3('dev', 3)).toEqual(generateConversationV3('dev', 3));
    expect(generateConversationV3('dev', 3).turns[5]!.content).not.toBe(generateConversationV3('dev', 4).turns[5]!.content);
  });

  it('sends turns as the held-out run does: alternating roles by speaker, date-prefixed content, metadata.date', () => {
    fc.assert(
      fc.property(fc.constantFrom('dev' as const, 'blind' as const), fc.integer({ min: 1, max: 50 }), (split, seed) => {
        const c = generateConversationV3(split, seed);
        expect(c.turns.length).toBeGreaterThanOrEqual(550);
        expect(c.turns.length).toBeLessThanOrEqual(700);
        const sittings = new Set(c.turns.map((t) => t.metadata.sitting));
        expect(sittings.size).toBeGreaterThanOrEqual(15);
        expect(sittings.size).toBeLessThanOrEqual(25);
        for (const t of c.turns) {
          expect(t.role).toBe(t.name === c.speakers[0] ? 'user' : 'assistant');
          expect(t.content.startsWith('[')).toBe(true);
          expect(t.content).toContain(`] ${t.name}: `);
          expect(t.metadata.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        }
        // Dates never go backwards.
        const dates = c.turns.map((t) => t.metadata.date);
        expect([...dates].sort()).toEqual(dates);
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it('gives every kind of question, each with valid evidence; multi-hop and open-domain evidence spans sittings', () => {
    fc.assert(
      fc.property(fc.constantFrom('dev' as const, 'blind' as const), fc.integer({ min: 1, max: 50 }), (split, seed) => {
        const c = generateConversationV3(split, seed);
        for (const k of KINDS_V3) expect(c.questions.some((q) => q.kind === k)).toBe(true);
        for (const q of c.questions) {
          expect(q.evidence.length).toBeGreaterThan(0);
          for (const s of q.evidence) expect(s >= 1 && s <= c.turns.length).toBe(true);
          const speakers = new Set(q.evidence.map((s) => c.turns[s - 1]!.name));
          // Evidence is said by the person asked about, except adversarial questions (said by the other one).
          if (q.kind === 'adversarial') expect(speakers.has(q.about)).toBe(false);
          else expect([...speakers]).toEqual([q.about]);
          if (q.kind === 'multi_hop' || q.kind === 'open_domain') {
            expect(q.evidence.length).toBeGreaterThanOrEqual(2);
            expect(new Set(q.evidence.map((s) => c.turns[s - 1]!.metadata.sitting)).size).toBe(q.evidence.length);
          }
          // Questions are in the third person (the facts were said in the first, often with the pronoun dropped).
          expect(q.text).not.toMatch(/\b(I|my|me)\b/);
        }
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it('keeps dev and blind apart: names, seeds and question wordings are disjoint', () => {
    const dev = half(NAMES, 'dev');
    const blind = half(NAMES, 'blind');
    expect(dev.filter((n) => blind.includes(n))).toEqual([]);
    expect(seedsV3('dev', 10).filter((s) => seedsV3('blind', 10).includes(s))).toEqual([]);
    const shape = (t: string, about: string) => t.replaceAll(about, 'X').replace(/[A-Z][a-z]+/g, 'N');
    const devShapes = new Set(seedsV3('dev', 3).flatMap((s) => generateConversationV3('dev', s).questions.map((q) => shape(q.text, q.about))));
    const blindShapes = seedsV3('blind', 3).flatMap((s) => generateConversationV3('blind', s).questions.map((q) => shape(q.text, q.about)));
    expect(blindShapes.filter((q) => devShapes.has(q))).toEqual([]);
  });
});

describe('context-eval-v3', () => {
  it('storedTurns(conv) validates every turn and numbers them from 1', () => {
    const c = generateConversationV3('dev', 1);
    const st = storedTurns(c);
    expect(st.map((t) => t.seq)).toEqual(c.turns.map((_, i) => i + 1));
    expect(st[10]!.parts).toEqual([{ type: 'text', text: c.turns[10]!.content }]);
  });

  it('bm25(docs, query) scores a doc holding a rare query term above docs without it', () => {
    const s = bm25([['cat', 'sat'], ['dog', 'ran'], ['cat', 'dog']], ['sat']);
    expect(s[0]).toBeGreaterThan(0);
    expect(s[1]).toBe(0);
  });

  it('recallV3 counts the share of evidence among selected seqs', () => {
    const q = { id: 'q', kind: 'multi_hop' as const, text: '', evidence: [3, 7], answer: '', about: '' };
    expect(recallV3(new Set([3, 9]), q)).toBe(0.5);
    expect(recallV3(new Set([3, 7]), q)).toBe(1);
  });

  it('ranks the baselines as real talk does: recency far below plain BM25, which stays at or under 0.65 @2k', async () => {
    const tok = await loadTokenizer('o200k_base');
    const convs = conversationsV3('dev', 2);
    const recency = await scoreStrategy(convs, recencyBaseline(tok), 2000);
    const plain = await scoreStrategy(convs, bm25Baseline(tok), 2000);
    const stems = await scoreStrategy(convs, bm25Baseline(tok, { prefix: 5, neighbours: true }), 2000);
    expect(recency.recall).toBeLessThan(plain.recall);
    expect(plain.recall).toBeLessThanOrEqual(0.65);
    expect(stems.recall).toBeGreaterThan(plain.recall);
  });

  it('evaluateEngine(options) measures the engine in process, and an ablation changes what it finds', async () => {
    const full = await evaluateEngine({ conversations: 1, budgets: [2000] });
    const bare = await evaluateEngine({ conversations: 1, budgets: [2000], engine: { scorer: { weights: { lexical: 0 } } } });
    expect(full[2000]!.questions).toBe(generateConversationV3('dev', 1).questions.length);
    expect(full[2000]!.recall).toBeGreaterThan(bare[2000]!.recall);
  });
});
