import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Turn } from '../../core/types.ts';
import { countChatTokens, loadTokenizer, type Tokenizer } from '../../models/tokens.ts';
import { buildContext } from './engine.ts';
import { EXTERNAL_HEADER, type ExternalCandidate } from './external.ts';
import { mkTurn } from './testing/turns.ts';

function session(n = 60): Turn[] {
  const turns: Turn[] = [mkTurn(1, 'system', 'You are a support agent.')];
  for (let s = 2; s <= n; s++) turns.push(mkTurn(s, s % 2 ? 'assistant' : 'user', `Turn ${s}: we talked about invoices, delivery dates and a few other things of little importance.`));
  return turns;
}
const cand = (id: string, score: number, text = `past run ${id}: looked up the invoice, verified the duplicate, refunded`): ExternalCandidate => ({ source: 'experience', id, score, text, ref: { experience_id: id } });

describe('external candidates in the context window', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer('o200k_base');
  });

  it('are rendered as one labelled system message right after the system prompt, best first, and explained', async () => {
    const r = await buildContext({ turns: session(), query: 'refund the double charge', budgetTokens: 600, external: [cand('e2', 0.4), cand('e1', 0.9)] });
    expect(r.messages[0]).toMatchObject({ role: 'system', content: 'You are a support agent.' });
    const block = r.messages[1]!;
    expect(block.role).toBe('system');
    expect(String(block.content).startsWith(EXTERNAL_HEADER)).toBe(true);
    expect(String(block.content).indexOf('e1')).toBeLessThan(String(block.content).indexOf('e2'));
    expect(r.external!.selected.map((x) => [x.id, x.reason])).toEqual([['e1', 'score'], ['e2', 'score']]);
    expect(r.external!.selected[0]!.ref).toEqual({ experience_id: 'e1' });
    expect(r.usage.by_part.external).toBe(r.external!.tokens);
    expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
    expect(r.usage.used).toBeLessThanOrEqual(600);
  });

  it('take at most externalShare of the budget; the rest are dropped as over_budget', async () => {
    const many = Array.from({ length: 30 }, (_, i) => cand(`e${String(i).padStart(2, '0')}`, 1 - i / 100));
    const r = await buildContext({ turns: session(), query: 'refund', budgetTokens: 1000, external: many, externalShare: 0.1 });
    expect(r.external!.tokens).toBeLessThanOrEqual(100);
    expect(r.external!.selected.length).toBeGreaterThan(0);
    expect(r.external!.dropped.length).toBeGreaterThan(0);
    expect(r.external!.dropped.every((d) => d.reason === 'over_budget')).toBe(true);
    // The highest scores win.
    expect(Math.min(...r.external!.selected.map((x) => x.score))).toBeGreaterThan(Math.max(...r.external!.dropped.map((x) => x.score)));
  });

  it('without external candidates the result is unchanged (no block, no external fields)', async () => {
    const a = await buildContext({ turns: session(), query: 'refund', budgetTokens: 600 });
    const b = await buildContext({ turns: session(), query: 'refund', budgetTokens: 600, external: [] });
    expect(b).toEqual(a);
    expect(a.external).toBeUndefined();
    expect(a.usage.by_part.external).toBeUndefined();
  });

  it('property: the budget is never exceeded and the count is exact, whatever the candidates (seed printed)', async () => {
    const seed = 20261125;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.stringMatching(/^[a-z0-9]{1,8}$/), score: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.string({ maxLength: 300 }) }), { maxLength: 12 }),
        fc.integer({ min: 120, max: 900 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (cs, budget, share) => {
          const external = cs.map((c): ExternalCandidate => ({ source: 'session', ...c }));
          const r = await buildContext({ turns: session(30), query: 'invoice', budgetTokens: budget, external, externalShare: share });
          expect(r.usage.used).toBeLessThanOrEqual(budget);
          expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
          expect(r.external?.tokens ?? 0).toBeLessThanOrEqual(Math.floor((budget - 3) * share));
        },
      ),
      { seed, numRuns: 60 },
    );
  });
});
