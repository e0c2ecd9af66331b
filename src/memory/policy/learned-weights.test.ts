import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { loadLearnedWeights, pairwiseMetrics, referenceScores, trainPairwise, WEIGHT_ORDER, type RankGroup } from './learned-weights.ts';
import { mulberry32 as rng } from '../../core/rng.ts';


/** Groups where evidence is told apart by components 0 and 3 (plus noise); components 2 and 4 mislead. */
function groups(seed: number, n: number): RankGroup[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const features: Float64Array[] = [];
    const relevant: boolean[] = [];
    for (let k = 0; k < 30; k++) {
      const rel = k < 2;
      features.push(Float64Array.from([rel ? 0.5 + 0.5 * r() : 0.6 * r(), r(), rel ? 0.3 * r() : r(), rel ? 0.4 + 0.6 * r() : 0.7 * r(), r()]));
      relevant.push(rel);
    }
    return { features, relevant };
  });
}

describe('learned scorer weights', () => {
  it('pairwise fit: loss falls, held-out pairwise accuracy beats the starting weights and chance, misleading components go to ~0', () => {
    const train = groups(1, 60);
    const test = groups(2, 40);
    const init = [0.2, 0.2, 0.2, 0.2, 0.2];
    const { weights, losses } = trainPairwise(train, { epochs: 25, rng: rng(3), init });
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.9);
    const before = pairwiseMetrics(test, init).accuracy;
    const after = pairwiseMetrics(test, weights).accuracy;
    expect(after).toBeGreaterThan(0.85);
    expect(after).toBeGreaterThan(before);
    expect(weights[2]!).toBeLessThan(weights[0]! / 4);
    expect(weights.every((w) => w >= 0)).toBe(true);
  });

  it('the committed importance artifact loads and reproduces its stored reference scores', () => {
    const root = join(import.meta.dirname, '../../../data/models');
    if (!existsSync(join(root, 'importance'))) throw new Error('data/models/importance is missing: npm run train -- importance');
    const { weights, artifact } = loadLearnedWeights(root);
    expect(Object.keys(weights)).toEqual([...WEIGHT_ORDER]);
    const ref = artifact.card.config.reference as number[];
    const got = referenceScores(weights);
    expect(got).toHaveLength(ref.length);
    got.forEach((s, i) => expect(s).toBeCloseTo(ref[i]!, 5));
    expect(artifact.card.metrics.test_recall2k_learned).toBeGreaterThan(0);
  });
});
