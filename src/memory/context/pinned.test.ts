/**
 * Pinned blocks (the user's facts and preferences) in the context window: placed after the leading system turns,
 * counted exactly, never pushing the window over its budget (a fast-check property, seed pinned and printed).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { countChatTokens, countMessageTokens, loadTokenizer, type Tokenizer } from '../../models/tokens.ts';
import { buildContext } from './engine.ts';
import { mkTurn } from './testing/turns.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_261_125);
let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer('o200k_base');
});

const block = { title: 'User profile', content: 'Known about the user:\n- is vegetarian\n- dislikes cilantro' };
const turns = [mkTurn(1, 'system', 'You are helpful.'), mkTurn(2, 'user', 'What should I cook?'), mkTurn(3, 'assistant', 'Maybe a curry.'), mkTurn(4, 'user', 'Sounds good.')];

describe('buildContext pinnedBlocks', () => {
  it('puts the block after the leading system turns and counts it in usage', async () => {
    const r = await buildContext({ turns, budgetTokens: 1000, pinnedBlocks: [block] });
    expect(r.messages[0]).toMatchObject({ role: 'system', content: 'You are helpful.' });
    expect(r.messages[1]).toEqual({ role: 'system', content: block.content });
    const tokens = countMessageTokens({ role: 'system', content: block.content }, tok);
    expect(r.pinned).toEqual([{ title: 'User profile', tokens, included: true }]);
    expect(r.usage.by_part.pinned).toBe(tokens);
    expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
  });

  it('without pinned blocks the result has no pinned fields (unchanged for other callers)', async () => {
    const r = await buildContext({ turns, budgetTokens: 1000 });
    expect(r.pinned).toBeUndefined();
    expect('pinned' in r.usage.by_part).toBe(false);
  });

  it('a block larger than half of what is left is left out and reported', async () => {
    const need = countMessageTokens({ role: 'system', content: block.content }, tok);
    const budget = 2 * need;
    const r = await buildContext({ turns, budgetTokens: budget, pinnedBlocks: [block] });
    expect(r.pinned?.[0]).toEqual({ title: 'User profile', tokens: need, included: false });
    expect(r.messages.some((m) => m.content === block.content)).toBe(false);
    expect(r.usage.used).toBeLessThanOrEqual(budget);
  });

  it('property: with a pinned block the window never exceeds the budget and its count is exact', async () => {
    console.log(`pinned property seed ${SEED}`);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 10, max: 400 }), fc.array(fc.constantFrom('jazz', 'likes', 'lyon', 'vegan', 'short', 'answers'), { minLength: 1, maxLength: 120 }), async (budget, words) => {
        const b = { title: 'p', content: words.join(' ') };
        let r;
        try {
          r = await buildContext({ turns, budgetTokens: budget, pinnedBlocks: [b] });
        } catch (e) {
          // A budget below the reply priming is refused, as without blocks.
          expect((e as { code?: string }).code).toBe('SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL');
          return;
        }
        expect(r.usage.used).toBeLessThanOrEqual(budget);
        expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
        expect(r.messages.some((m) => m.content === b.content)).toBe(r.pinned![0]!.included);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
