import { describe, expect, it } from 'vitest';
import { chooseArm, contextKey, policyContext, sampleBeta, updateStats, type BanditStats } from './bandit.ts';
import { mulberry32 as rng } from '../../core/rng.ts';


describe('bandit', () => {
  it('sampleBeta(a, b) has mean a / (a + b)', () => {
    const r = rng(7);
    for (const [a, b] of [[1, 1], [2, 8], [30, 10], [0.5, 0.5]] as const) {
      let s = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) s += sampleBeta(a, b, r);
      expect(s / n).toBeCloseTo(a / (a + b), 1);
    }
  });

  it('policyContext buckets length and query kind', () => {
    expect(contextKey(policyContext(10, 'When do we fly?'))).toBe('short:question');
    expect(contextKey(policyContext(300, 'what is the budget'))).toBe('medium:question');
    expect(contextKey(policyContext(900, 'summarise the thread'))).toBe('long:statement');
    expect(contextKey(policyContext(900, '  '))).toBe('long:none');
  });

  it('Thompson sampling converges to each context’s best arm (seeded; the best arm differs by context)', () => {
    const seed = 20261125;
    const r = rng(seed);
    const arms = ['balanced', 'lexical', 'semantic', 'recent', 'recency'];
    const means: Record<string, number[]> = {
      'short:question': [0.5, 0.45, 0.4, 0.55, 0.7],
      'long:question': [0.6, 0.5, 0.72, 0.3, 0.1],
      'long:statement': [0.55, 0.7, 0.5, 0.45, 0.2],
    };
    const ctxs = Object.keys(means);
    const stats: BanditStats = {};
    let bestLate = 0;
    const rounds = 3000;
    for (let i = 0; i < rounds; i++) {
      const ctx = ctxs[Math.floor(r() * ctxs.length)]!;
      const c = chooseArm(stats, ctx, arms, r);
      const m = means[ctx]!;
      const k = arms.indexOf(c.arm);
      if (i >= rounds - 1000 && m[k] === Math.max(...m)) bestLate++;
      updateStats(stats, ctx, c.arm, r() < m[k]! ? 1 : 0);
    }
    // seed printed so a failure can be replayed
    expect({ seed, bestShare: bestLate / 1000 }).toMatchObject({ seed });
    expect(bestLate / 1000).toBeGreaterThanOrEqual(0.8);
  });

  it('updateStats adds fractional rewards and clamps to [0, 1]', () => {
    const s: BanditStats = {};
    updateStats(s, 'c', 'a', 0.25);
    updateStats(s, 'c', 'a', 7);
    expect(s.c!.a).toEqual([1.25, 0.75, 2]);
  });
});
