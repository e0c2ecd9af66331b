/**
 * @module training/tasks/intent
 * `npm run train -- intent`: the built-in intent models. For each dataset: a small hyperparameter grid is scored on
 * the validation split, the best setting is refit with the feature space pruned to a size budget, the softmax
 * temperature is fitted on validation (NLL; for CLINC150 chosen together with the threshold, see chooseDecision)
 * and, for CLINC150, the out-of-scope threshold is chosen on validation
 * (the best in-scope accuracy among thresholds with out-of-scope recall ≥ 0.75; a query is out of scope when its
 * best in-scope probability minus the `oos` probability is below it). Only then is the test split
 * scored, once. Artifacts: data/models/intent-clinc150/vN and data/models/intent-banking77/vN.
 */
import { saveArtifact, type ModelCard } from '../../src/models/artifact.ts';
import {
  chooseThreshold,
  evaluateIntentModel,
  fitIntentModel,
  fitTemperature,
  type FitOptions,
  type IntentExample,
  type IntentModel,
} from '../../src/models/intent/index.ts';
import { type IntentSplits, loadBanking77, loadClinc150 } from '../lib/intent-data.ts';
import { Progress } from '../lib/progress.ts';
import type { TrainOptions, TrainTask } from '../lib/task.ts';

/** Artifact version written by this task (bump when the recipe changes). */
const VERSION = 'v1';
/** Out-of-scope recall the threshold must reach on validation (a margin over the 0.70 target). */
const MIN_VAL_OOS_RECALL = 0.75;

interface DatasetSpec {
  key: 'clinc150' | 'banking77';
  artifact: string;
  description: string;
  license: string;
  /** Feature budget: K rows × classes × 2 bytes stays ≈ 2.5 MB. */
  maxFeatures: number;
  oosLabel: string | null;
  load(seed: number): IntentSplits;
}

const DATASETS: DatasetSpec[] = [
  {
    key: 'clinc150',
    artifact: 'intent-clinc150',
    description: 'CLINC150 intents (150 in 10 domains) with out-of-scope detection',
    license: 'CC BY 3.0',
    maxFeatures: 8192,
    oosLabel: 'oos',
    load: () => loadClinc150(),
  },
  {
    key: 'banking77',
    artifact: 'intent-banking77',
    description: 'BANKING77 online-banking intents (77)',
    license: 'CC BY 4.0',
    maxFeatures: 16384,
    oosLabel: null,
    load: (seed) => loadBanking77(seed),
  },
];

const round = (x: number): number => Math.round(x * 10000) / 10000;

/** Temperatures tried for the out-of-scope rule, besides the NLL fit (the rule's score depends on it). */
const TEMPERATURES = [0.75, 1, 1.5, 2];

/**
 * Temperature and threshold from validation. Without out-of-scope data: the NLL-fitted temperature, threshold 0.
 * With it: each temperature in {NLL fit} ∪ TEMPERATURES gets its threshold (best in-scope accuracy with OOS recall ≥
 * MIN_VAL_OOS_RECALL); the pair with the best validation in-scope accuracy wins.
 */
export function chooseDecision(
  fitted: IntentModel,
  val: readonly IntentExample[],
  withOos: boolean,
): { model: IntentModel; tried: { temperature: number; threshold: number; val_accuracy: number }[] } {
  const nll = fitTemperature(fitted, val);
  if (!withOos) return { model: fitted.withDecision({ temperature: nll, threshold: 0 }), tried: [] };
  const tried = [nll, ...TEMPERATURES.filter((t) => t !== nll)].map((temperature) => {
    const m = fitted.withDecision({ temperature });
    const threshold = chooseThreshold(m, val, MIN_VAL_OOS_RECALL);
    return { temperature, threshold, val_accuracy: round(evaluateIntentModel(m.withDecision({ threshold }), val).accuracy) };
  });
  const best = tried.reduce((a, b) => (b.val_accuracy > a.val_accuracy ? b : a));
  return { model: fitted.withDecision({ temperature: best.temperature, threshold: best.threshold }), tried };
}

/** The grid scored on validation (full feature space). */
const GRID: Pick<FitOptions, 'labelSmoothing' | 'l2'>[] = [
  { labelSmoothing: 0.05, l2: 0 },
  { labelSmoothing: 0.1, l2: 0 },
];


async function trainOne(spec: DatasetSpec, opts: TrainOptions): Promise<Record<string, number>> {
  const t0 = performance.now();
  const data = spec.load(opts.seed);
  const train = opts.quick ? data.train.filter((_, i) => i % 4 === 0) : data.train;
  const epochs = opts.quick ? 4 : 15;
  const base: FitOptions = { epochs, lr: 1, seed: opts.seed, minDf: 1, oosLabel: spec.oosLabel };
  const grid = opts.quick ? GRID.slice(0, 1) : GRID;
  const bar = new Progress(`intent ${spec.key}`, grid.length * epochs + epochs * 2);
  const between = (_phase: string, _e: number, loss: number): void => bar.tick(1, `loss ${loss.toFixed(3)}`);
  const scored: { setting: (typeof GRID)[number]; accuracy: number }[] = [];
  for (const setting of grid) {
    const { model } = await fitIntentModel(train, { ...base, ...setting, between });
    // Grid is compared on in-scope accuracy with no threshold (argmax over all classes).
    scored.push({ setting, accuracy: evaluateIntentModel(model, data.val).accuracy });
  }
  const best = scored.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const fit = await fitIntentModel(train, { ...base, ...best.setting, maxFeatures: spec.maxFeatures, between });
  const decision = chooseDecision(fit.model, data.val, spec.oosLabel !== null);
  const model = decision.model;
  const val = evaluateIntentModel(model, data.val);
  const test = evaluateIntentModel(model, data.test);
  const seconds = (performance.now() - t0) / 1000;
  const metrics: Record<string, number> = {
    val_accuracy: round(val.accuracy),
    test_accuracy: round(test.accuracy),
    ...(spec.oosLabel === null
      ? {}
      : { val_oos_recall: round(val.oos_recall), test_oos_recall: round(test.oos_recall), test_false_oos: round(test.false_oos) }),
    train_seconds: Math.round(seconds * 10) / 10,
    features: model.features,
    vocabulary: fit.vocabulary,
    final_train_loss: round(fit.losses.at(-1) ?? Number.NaN),
  };
  const card: ModelCard = {
    name: spec.artifact,
    version: VERSION,
    description: spec.description,
    created_at: new Date().toISOString(),
    seed: opts.seed,
    data: [
      { name: spec.key, split: spec.key === 'banking77' ? 'train minus a stratified 10% (seeded)' : 'train + oos_train', rows: train.length, license: spec.license },
      { name: spec.key, split: spec.key === 'banking77' ? 'held-out 10% of train (validation)' : 'val + oos_val', rows: data.val.length, license: spec.license },
      { name: spec.key, split: spec.key === 'banking77' ? 'test' : 'test + oos_test', rows: data.test.length, license: spec.license },
    ],
    features:
      'TF-IDF (sublinear tf, smoothed idf) of word unigrams+bigrams and character 2-5-grams (each view L2-normalised, summed), ' +
      'FNV-1a hashed names; multinomial logistic regression by seeded SGD with label smoothing; features pruned to the ' +
      `${spec.maxFeatures} largest weight-norm rows and refit; weights f16; temperature (NLL fit or a few fixed values) and threshold chosen together on validation` +
      (spec.oosLabel === null ? '' : `; explicit "${spec.oosLabel}" class; out of scope when p(best in-scope) − p(${spec.oosLabel}) < threshold, chosen on validation (best in-scope accuracy with OOS recall ≥ ${MIN_VAL_OOS_RECALL})`),
    metrics,
    command: opts.command,
    config: {
      ...model.config,
      grid: scored.map((s) => ({ ...s.setting, val_accuracy: round(s.accuracy) })),
      decision_grid: decision.tried,
      chosen: { ...best.setting, epochs, lr: base.lr, min_df: base.minDf, max_features: spec.maxFeatures },
      quick: opts.quick,
    },
  };
  saveArtifact(opts.out, card, model.toTensors());
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${spec.key}_${k}`, v]));
}

/** The task `npm run train -- intent` runs. */
export const task: TrainTask = {
  name: 'intent',
  description: 'intent classifiers on CLINC150 (with out-of-scope) and BANKING77 → data/models/intent-{clinc150,banking77}',
  async run(opts) {
    const out: Record<string, number> = {};
    for (const spec of DATASETS) Object.assign(out, await trainOne(spec, opts));
    return out;
  },
};

