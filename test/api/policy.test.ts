/**
 * The adaptive policy in the service. `contextWeights: 'learned'`: the service scores with the weights of data/models/importance (checked through the
 * explanation of a real context request: each score is the weighted mean of its components under those weights);
 * prefetch: appends feed the activity log and a round ranks the sessions (real LMDB store).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadLearnedWeights } from '../../src/memory/policy/index.ts';
import { DEFAULT_WEIGHTS, type ScoreComponents, type ScoreWeights } from '../../src/memory/index.ts';
import { openTestSira } from '../helpers/app.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function scoresWith(contextWeights: 'default' | 'learned') {
  const t = await openTestSira({ contextWeights });
  cleanup = t.cleanup;
  const s = t.sira.tenant('acme');
  await s.createSession({ id: 's' });
  await s.appendTurns('s', Array.from({ length: 30 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: i === 6 ? 'Finance approved $40,000 for Atlas.' : `turn ${i} about the weather` })));
  const r = await s.buildContext('s', { query: 'What budget does Atlas have?', budget_tokens: 120, explain: true });
  return [...r.selected, ...(r.dropped ?? [])];
}

/** The score as the weighted mean over the components present (dense with the default embedder; speaker when named). */
function weightedMean(w: Partial<ScoreWeights>, k: ScoreComponents, lex: boolean): number {
  const parts: [number, number][] = [
    [w.recency ?? 0, k.recency],
    [w.importance ?? 0, k.importance],
    [w.role ?? 0, k.role],
    ...(lex ? [[w.lexical ?? 0, k.lexical] as [number, number]] : []),
    ...(k.dense === undefined ? [] : [[w.dense ?? 0, k.dense] as [number, number]]),
    ...(k.speaker === undefined ? [] : [[w.speaker ?? 0, k.speaker] as [number, number]]),
  ];
  return parts.reduce((a, [x, y]) => a + x * y, 0) / parts.reduce((a, [x]) => a + x, 0);
}

describe("contextWeights: 'learned'", () => {
  it('scores every candidate as the weighted mean of its components under the learned weights', async () => {
    const w = loadLearnedWeights().weights;
    expect(w).not.toEqual(DEFAULT_WEIGHTS);
    const cands = await scoresWith('learned');
    const lex = cands.some((x) => x.components.lexical > 0);
    for (const c of cands) {
      // The default (static) embedder gives every turn a dense component.
      expect(c.components.dense).toBeDefined();
      expect(c.score).toBeCloseTo(weightedMean(w, c.components, lex), 3);
    }
  });

  it('the default weights give other scores', async () => {
    const d = await scoresWith('default');
    const w = DEFAULT_WEIGHTS;
    const c = d.find((x) => x.seq === 7)!;
    expect(c.score).toBeCloseTo(weightedMean(w, c.components, true), 3);
  });
});

describe('prefetch in the service', () => {
  it('appends feed the activity log; a round warms the session with the open task first', async () => {
    const t = await openTestSira({ prefetchIntervalMs: 3_600_000, prefetchTop: 1 });
    cleanup = t.cleanup;
    const s = t.sira.tenant('acme');
    await s.createSession({ id: 'done', user_id: 'u1' });
    await s.appendTurns('done', [{ role: 'user', content: 'thanks' }, { role: 'assistant', content: 'you are welcome' }]);
    await s.createSession({ id: 'open', user_id: 'u1' });
    await s.appendTurns('open', [{ role: 'assistant', content: 'what else?' }, { role: 'user', content: 'can you check the Lisbon hotel?' }]);
    const round = await t.sira.prefetcher!.tick();
    expect(round.scored).toBe(2);
    expect(round.warmed.map((w) => `${w.tenant}/${w.session}`)).toEqual(['acme/open']);
  });

  it('is off by default', async () => {
    const t = await openTestSira();
    cleanup = t.cleanup;
    expect(t.sira.prefetcher).toBeUndefined();
  });
});
