/**
 * The context window over turns of every part type (issue 16): the budget is never exceeded, usage is the exact
 * count of the messages, and reasoning appears only when the request asks for it. Seed pinned (SIRA_FC_SEED).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSiraError } from '../../core/errors.ts';
import type { Part, Role, Turn } from '../../core/types.ts';
import { countChatTokens, loadTokenizer, type Tokenizer } from '../../models/tokens.ts';
import { anyParts } from '../../../test/helpers/parts.ts';
import { buildContext } from './engine.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_261_125);
const MARK = 'zzreasoningzz';

const session = fc.array(fc.tuple(fc.constantFrom<Role>('user', 'assistant', 'tool', 'system'), anyParts, fc.boolean()), { maxLength: 25 }).map((rows) =>
  rows.map(([role, parts, think], i): Turn => {
    const all: Part[] = think ? [...parts, { type: 'reasoning', text: `${MARK} step ${i}` }] : parts;
    return { seq: i + 1, role, parts: all, name: null, agent_id: null, metadata: null, created_at: 1000 + i, importance: null, pinned: false };
  }),
);

describe(`context window over every part type (fc seed ${SEED})`, () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer('o200k_base');
  });

  it('never exceeds the budget, counts exactly, and shows reasoning only with includeReasoning', async () => {
    await fc.assert(
      fc.asyncProperty(session, fc.integer({ min: 20, max: 4000 }), fc.boolean(), fc.constantFrom('relevance', 'recency'), async (turns, budget, includeReasoning, strategy) => {
        let r;
        try {
          r = await buildContext({ turns, budgetTokens: budget, query: 'total invoice', strategy, includeReasoning });
        } catch (e) {
          if (isSiraError(e, 'SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL')) return;
          throw e;
        }
        expect(r.usage.used).toBeLessThanOrEqual(budget);
        expect(countChatTokens(r.messages, tok)).toBe(r.usage.used);
        if (!includeReasoning) expect(JSON.stringify(r.messages)).not.toContain(MARK);
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('a reasoning turn in a big budget is in the window only when asked', async () => {
    const turns: Turn[] = [{ seq: 1, role: 'assistant', parts: [{ type: 'reasoning', text: MARK }, { type: 'text', text: 'done' }], name: null, agent_id: null, metadata: null, created_at: 1, importance: null, pinned: false }];
    expect(JSON.stringify((await buildContext({ turns, budgetTokens: 1000 })).messages)).not.toContain(MARK);
    expect(JSON.stringify((await buildContext({ turns, budgetTokens: 1000, includeReasoning: true })).messages)).toContain(`[reasoning] ${MARK}`);
  });
});
