/**
 * Properties of retrieval requests over logged two-person chats (`[date] Name: text` turns, a query naming a
 * speaker, dense similarities, no messages): the window never exceeds the budget, its count is exact, every
 * selected turn carries its components and a reason, and the result is deterministic. fast-check, seed pinned
 * and printed; override with SIRA_FC_SEED, more runs with SIRA_FC_RUNS.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Turn } from '../../core/types.ts';
import { countChatTokens, loadTokenizer, type Tokenizer } from '../../models/tokens.ts';
import { buildContext } from './engine.ts';
import { resolveContextOptions } from './options.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_261_202);
const RUNS = Number(process.env.SIRA_FC_RUNS ?? 80);

const NAMES = ['Maria', 'Jon'];
const VOCAB = ['painted', 'sunrise', 'lake', 'kids', 'camping', 'Lisbon', 'food', 'unreal', 'lol', 'haha', 'weekend', 'dog', 'Biscuit', 'Maria', 'Jon', 'the', 'I', 'we'];
const word = fc.constantFrom(...VOCAB);
const line = fc.array(word, { minLength: 1, maxLength: 30 }).map((ws) => ws.join(' '));

const scenario = fc.record({
  sittings: fc.array(fc.array(fc.record({ who: fc.integer({ min: 0, max: 1 }), text: line }), { minLength: 1, maxLength: 25 }), { minLength: 0, maxLength: 8 }),
  query: fc.tuple(fc.constantFrom('', 'Maria', 'Jon', 'Maria and Jon'), fc.array(word, { maxLength: 5 })).map(([n, ws]) => `When did ${n} ${ws.join(' ')}?`),
  budget: fc.oneof(fc.integer({ min: 4, max: 200 }), fc.integer({ min: 200, max: 2500 })),
  dense: fc.boolean(),
  recent: fc.integer({ min: 0, max: 4 }),
  summary: fc.boolean(),
});

function chat(sittings: { who: number; text: string }[][]): Turn[] {
  const turns: Turn[] = [];
  sittings.forEach((s, k) => {
    const date = `2023-0${1 + (k % 9)}-1${k % 10}`;
    for (const { who, text } of s) {
      const name = NAMES[who]!;
      turns.push({ seq: turns.length + 1, role: who === 0 ? 'user' : 'assistant', parts: [{ type: 'text', text: `[${date}] ${name}: ${text}` }], name, agent_id: null, metadata: { date }, created_at: turns.length, importance: null, pinned: false });
    }
  });
  return turns;
}

describe(`memory/context retrieval properties (fc seed ${SEED})`, () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer('o200k_base');
  });

  it('a retrieval request never exceeds the budget, counts exactly and explains every choice', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const turns = chat(sc.sittings);
        const dense = sc.dense ? new Map(turns.map((t) => [t.seq, Math.sin(t.seq * 12.9898) * 0.5 + 0.2])) : undefined;
        const opts = resolveContextOptions({ queryRecentTurns: sc.recent, querySummary: sc.summary });
        const req = { turns, query: sc.query, budgetTokens: sc.budget, ...(dense === undefined ? {} : { dense }) };
        const r = await buildContext(req, opts);
        expect(r.usage.used).toBeLessThanOrEqual(sc.budget);
        expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
        for (const s of r.selected) {
          expect(s.reason).toMatch(/^(always_recent|score|neighbor|fill)$/);
          expect(s.components.lexical).toBeGreaterThanOrEqual(0);
          expect(s.components.lexical).toBeLessThanOrEqual(1);
          if (dense !== undefined) expect(s.components.dense).toBeGreaterThanOrEqual(0);
        }
        // Only the configured recent tail is kept regardless of score.
        expect(r.selected.filter((s) => s.reason === 'always_recent').length).toBeLessThanOrEqual(sc.recent);
        if (!sc.summary) expect(r.summary).toBeUndefined();
        const again = await buildContext(req, opts);
        expect(again.selected.map((s) => s.seq)).toEqual(r.selected.map((s) => s.seq));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
