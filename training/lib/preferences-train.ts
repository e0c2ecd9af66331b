/**
 * @module training/lib/preferences-train
 * Training of the preference classifier (src/memory/profile/classifier.ts): the clause each labelled sentence's
 * rule matched becomes one example with the sentence's label; softmax regression by SGD with L2, shuffled with a
 * seeded PRNG each epoch. Used by training/tasks/preferences.ts and by the tests (a tiny run).
 */
import { FEATURE_DIM, featurize, LABELS, predict, type ClassifierWeights, type Features } from '../../src/memory/profile/classifier.ts';
import { matchClause, splitClauses } from '../../src/memory/profile/rules.ts';
import type { LabelledSentence } from './preference-data.ts';
import { mulberry32 } from '../../src/core/rng.ts';

export interface Example {
  f: Features;
  y: number;
}

/** One example per sentence: the first clause a rule matches (sentences no rule matches are never classified). */
export function examplesOf(rows: readonly LabelledSentence[]): Example[] {
  const out: Example[] = [];
  for (const r of rows) {
    let previous: { attribute: string; value: string } | undefined;
    for (const c of splitClauses(r.text)) {
      const m = matchClause(c, previous);
      if (m === undefined) continue;
      out.push({ f: featurize(c, m), y: LABELS.indexOf(r.label) });
      previous = m;
      break;
    }
  }
  return out;
}

export interface TrainResult {
  weights: ClassifierWeights;
  /** Mean cross-entropy per epoch (on the training examples, before each epoch's updates finish). */
  losses: number[];
}


/** Train by SGD: `epochs` passes, learning rate `lr` decaying as 1/(1+epoch), L2 `l2`. */
export function trainClassifier(
  examples: readonly Example[],
  opts: { epochs: number; seed: number; lr?: number; l2?: number; onEpoch?: (epoch: number, loss: number) => void },
): TrainResult {
  const rng = mulberry32(opts.seed);
  const w = new Float32Array(3 * FEATURE_DIM);
  const b = new Float32Array(3);
  // Small random init from the seed (so the seed matters and runs are reproducible).
  for (let i = 0; i < w.length; i++) w[i] = (rng() - 0.5) * 0.01;
  const weights = { w, b };
  const order = examples.map((_, i) => i);
  const losses: number[] = [];
  const l2 = opts.l2 ?? 1e-5;
  for (let e = 0; e < opts.epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const lr = (opts.lr ?? 0.5) / (1 + e);
    let loss = 0;
    for (const k of order) {
      const { f, y } = examples[k]!;
      const p = predict(weights, f);
      loss -= Math.log(Math.max(1e-12, p[y]!));
      for (let c = 0; c < 3; c++) {
        const g = p[c]! - (c === y ? 1 : 0);
        b[c] = b[c]! - lr * g;
        const row = c * FEATURE_DIM;
        for (let j = 0; j < f.idx.length; j++) {
          const at = row + f.idx[j]!;
          w[at] = w[at]! - lr * (g * f.val[j]! + l2 * w[at]!);
        }
      }
    }
    losses.push(loss / Math.max(1, examples.length));
    opts.onEpoch?.(e, losses.at(-1)!);
  }
  return { weights, losses };
}

/** Accuracy of the classifier on examples. */
export function accuracyOf(weights: ClassifierWeights, examples: readonly Example[]): number {
  let right = 0;
  for (const { f, y } of examples) {
    const p = predict(weights, f);
    const arg = p.indexOf(Math.max(...p));
    if (arg === y) right++;
  }
  return examples.length === 0 ? 0 : right / examples.length;
}
