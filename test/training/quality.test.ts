/**
 * Training code: logistic regression on a separable set, the quality heads on a small generated set, the AUC
 * helper, and the generator's split discipline (held-out families share no family, domain or speaker with
 * training).
 */
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../src/memory/evaluate/features.ts';
import { HEADS } from '../../src/memory/evaluate/model.ts';
import { familyNames, generateQualitySet } from '../../training/data/quality-conversations.ts';
import { auc, predictLogistic, trainLogistic } from '../../training/lib/logistic.ts';
import { aucs, featurize, fitQuality } from '../../training/tasks/quality.ts';
import { mulberry32 as rng } from '../../src/core/rng.ts';


describe('trainLogistic', () => {
  it('on a linearly separable set the loss falls and accuracy is far above chance', () => {
    const r = rng(7);
    const xs: Float64Array[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 400; i++) {
      const x = Float64Array.from({ length: 5 }, () => r() * 2 - 1);
      xs.push(x);
      ys.push(x[0]! + 0.5 * x[1]! - 0.8 * x[3]! > 0 ? 1 : 0);
    }
    const m = trainLogistic(xs, ys, { epochs: 200, lr: 0.1, l2: 0 });
    expect(m.losses.at(-1)!).toBeLessThan(m.losses[0]! * 0.5);
    const acc = xs.filter((x, i) => (predictLogistic(m, x) > 0.5 ? 1 : 0) === ys[i]).length / xs.length;
    expect(acc).toBeGreaterThan(0.95);
    // It found the generating direction: the weights of the unused features are small next to the used ones.
    expect(Math.abs(m.w[0]!)).toBeGreaterThan(3 * Math.abs(m.w[2]!));
  });

  it('is deterministic', () => {
    const xs = [Float64Array.of(1, 0), Float64Array.of(0, 1), Float64Array.of(1, 1)];
    const a = trainLogistic(xs, [1, 0, 1], { epochs: 20 });
    const b = trainLogistic(xs, [1, 0, 1], { epochs: 20 });
    expect([...a.w, a.b]).toEqual([...b.w, b.b]);
  });
});

describe('auc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for ties, NaN with one class', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(auc([0.3, 0.1, 0.4, 0.2], [1, 0, 0, 1])).toBe(0.5);
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe('generateQualitySet', () => {
  it('is deterministic in its options and labels every conversation', () => {
    const a = generateQualitySet({ split: 'train', n: 20, seed: 3 });
    const b = generateQualitySet({ split: 'train', n: 20, seed: 3 });
    expect(a).toEqual(b);
    for (const c of a) {
      expect(c.turns.length).toBeGreaterThan(2);
      expect(c.turns.map((t) => t.seq)).toEqual(c.turns.map((_, i) => i + 1));
    }
  });

  it('held-out conversations share no family, domain or speaker with training ones', () => {
    const tr = generateQualitySet({ split: 'train', n: 300, seed: 1 });
    const ho = generateQualitySet({ split: 'heldout', n: 300, seed: 1 });
    const set = <T>(xs: T[]) => new Set(xs);
    const inter = <T>(a: Set<T>, b: Set<T>) => [...a].filter((x) => b.has(x));
    expect(inter(set(familyNames('train')), set(familyNames('heldout')))).toEqual([]);
    expect(inter(set(tr.map((c) => c.family)), set(ho.map((c) => c.family)))).toEqual([]);
    expect(inter(set(tr.map((c) => c.domain)), set(ho.map((c) => c.domain)))).toEqual([]);
    const speakers = (cs: typeof tr) => set(cs.flatMap((c) => c.turns.filter((t) => t.role === 'user').map((t) => t.name)));
    expect(inter(speakers(tr), speakers(ho))).toEqual([]);
    // Both classes of every label occur, and the confounders are there.
    for (const k of ['resolved', 'repetitive', 'frustrated', 'improving'] as const) {
      const pos = ho.filter((c) => c.labels[k] === 1).length;
      expect(pos, k).toBeGreaterThan(30);
      expect(pos, k).toBeLessThan(270);
    }
    const bl = generateQualitySet({ split: 'blind', n: 200, seed: 1 });
    expect(inter(set(bl.map((c) => c.family)), set([...tr, ...ho].map((c) => c.family)))).toEqual([]);
    expect(inter(set(bl.map((c) => c.domain)), set([...tr, ...ho].map((c) => c.domain)))).toEqual([]);
    expect(inter(speakers(tr), speakers(bl))).toEqual([]);
    const conf = set(ho.flatMap((c) => c.confounders));
    for (const k of ['polite-unresolved', 'terse-satisfied', 'sarcasm', 'new-question-same-object', 'frustration-resolved']) expect(conf.has(k), k).toBe(true);
  });
});

describe('quality heads', () => {
  it('a small model trained on training families beats chance on held-out families for every head', () => {
    const train = generateQualitySet({ split: 'train', n: 300, seed: 11 });
    const held = generateQualitySet({ split: 'heldout', n: 200, seed: 12 });
    const losses: number[] = [];
    const w = fitQuality(featurize(train), train, { epochs: 60, l2: 1e-2, onEpoch: (e, l) => e === 1 && losses.push(l) });
    expect(w.w.length).toBe(HEADS.length * FEATURE_NAMES.length);
    const a = aucs(w, featurize(held), held);
    for (const h of HEADS) expect(a[h], h).toBeGreaterThan(0.7);
    expect(losses.length).toBe(HEADS.length);
  });
});
