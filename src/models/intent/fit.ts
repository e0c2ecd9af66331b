/**
 * @module models/intent/fit
 * From labelled examples to an {@link IntentModel}: vocabulary (document frequency ≥ `minDf`), training
 * (./train.ts), optional pruning to the `maxFeatures` rows with the largest weight norms followed by retraining on
 * them (keeps the artifact small), weights rounded to f16 as stored. Plus evaluation helpers and the choice of the
 * temperature and out-of-scope threshold on validation data. Used by training/tasks/intent.ts and tenant training.
 */
import { f16ToF32, f32ToF16 } from '../../core/half.ts';
import { type FeatureConfig, DEFAULT_FEATURES, buildVocabulary, indexOf, termCounts, vectorize } from './features.ts';
import { IntentModel, type IntentModelConfig } from './model.ts';
import { type SoftmaxTrainOptions, softmaxTrainer } from './train.ts';

/** A labelled example. */
export interface IntentExample {
  text: string;
  label: string;
}

/** Options of {@link fitIntentModel}. */
export interface FitOptions extends SoftmaxTrainOptions {
  /** Smallest document frequency of a kept feature. @default 1 */
  minDf?: number;
  /** Keep at most this many features (largest weight norms), retraining on them. @default Infinity */
  maxFeatures?: number;
  /** The out-of-scope class among the labels, if any. @default null */
  oosLabel?: string | null;
  /** Out-of-scope threshold on the best in-scope probability. @default 0 */
  threshold?: number;
  /** Feature settings. @default DEFAULT_FEATURES */
  features?: FeatureConfig;
  /** Called between epochs (awaited), e.g. to yield to the event loop or draw progress. */
  between?: (phase: 'train' | 'retrain', epoch: number, loss: number) => Promise<void> | void;
}

/** A fitted model and what training saw. */
export interface FitResult {
  model: IntentModel;
  /** Mean training loss per epoch of the final (retrained) fit. */
  losses: number[];
  /** Features before pruning. */
  vocabulary: number;
}

/** Fit a model on `examples`; labels are sorted by name. Deterministic for a given `seed`. */
export async function fitIntentModel(examples: readonly IntentExample[], opts: FitOptions = {}): Promise<FitResult> {
  const features = opts.features ?? DEFAULT_FEATURES;
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const L = new Map(labels.map((l, i) => [l, i]));
  const y = Int32Array.from(examples, (e) => L.get(e.label) as number);
  const counts = examples.map((e) => termCounts(e.text, features));
  const C = labels.length;
  let { hashes, idf } = buildVocabulary(counts, opts.minDf ?? 1);
  const vocabulary = hashes.length;
  const run = async (phase: 'train' | 'retrain'): Promise<{ W: Float32Array; b: Float32Array; losses: number[] }> => {
    const index = indexOf(hashes);
    const X = counts.map((c) => vectorize(c, index, idf, features));
    const t = softmaxTrainer(X, y, hashes.length, C, opts);
    for (let e = 0; e < t.epochs; e++) {
      const loss = t.epoch();
      await opts.between?.(phase, e, loss);
    }
    return t.finish();
  };
  let w = await run('train');
  const max = opts.maxFeatures ?? Infinity;
  if (hashes.length > max) {
    const norms = new Float64Array(hashes.length);
    for (let r = 0; r < hashes.length; r++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += (w.W[r * C + c] as number) ** 2;
      norms[r] = s;
    }
    const keep = Array.from(norms.keys())
      .sort((a, b) => (norms[b] as number) - (norms[a] as number) || a - b)
      .slice(0, max)
      .sort((a, b) => a - b);
    hashes = Uint32Array.from(keep, (r) => hashes[r] as number);
    idf = Float32Array.from(keep, (r) => idf[r] as number);
    w = await run('retrain');
  }
  const config: IntentModelConfig = {
    format: 'sira-intent-v1',
    labels,
    oos_label: opts.oosLabel !== undefined && opts.oosLabel !== null && L.has(opts.oosLabel) ? opts.oosLabel : null,
    threshold: opts.threshold ?? 0,
    temperature: 1,
    features: { ...features },
  };
  // Round to f16 now so that what is evaluated is exactly what is stored.
  const model = new IntentModel(config, hashes, idf, f16ToF32(f32ToF16(w.W)), w.b);
  return { model, losses: w.losses, vocabulary };
}

/** Metrics of a model on labelled rows (the out-of-scope class, if the model has one, scored separately). */
export interface IntentMetrics {
  /** Fraction of in-scope rows whose predicted label is right (a row called out of scope counts as wrong). */
  accuracy: number;
  /** Fraction of out-of-scope rows called out of scope (NaN when there are none). */
  oos_recall: number;
  /** Fraction of rows called out of scope among in-scope rows. */
  false_oos: number;
  in_scope_rows: number;
  oos_rows: number;
}

/** Probabilities of every row (in label order), computed once for threshold and temperature searches. */
export function probabilitiesOf(model: IntentModel, texts: readonly string[]): Float64Array[] {
  return texts.map((t) => model.probabilities(t));
}

/** Score precomputed probabilities at a threshold. */
export function scoreAt(model: IntentModel, probs: readonly Float64Array[], gold: readonly string[], threshold: number): IntentMetrics {
  const shadow = threshold === model.config.threshold ? model : model.withDecision({ threshold });
  const oos = model.config.oos_label ?? 'oos';
  let ins = 0;
  let insOk = 0;
  let falseOos = 0;
  let oo = 0;
  let ooOk = 0;
  probs.forEach((p, i) => {
    const r = shadow.decide(p, 0);
    if (gold[i] === oos) {
      oo++;
      if (r.out_of_scope) ooOk++;
    } else {
      ins++;
      if (!r.out_of_scope && r.label === gold[i]) insOk++;
      if (r.out_of_scope) falseOos++;
    }
  });
  return { accuracy: insOk / Math.max(1, ins), oos_recall: oo === 0 ? Number.NaN : ooOk / oo, false_oos: falseOos / Math.max(1, ins), in_scope_rows: ins, oos_rows: oo };
}

/** Evaluate `model` on labelled rows at its own threshold. */
export function evaluateIntentModel(model: IntentModel, rows: readonly IntentExample[]): IntentMetrics {
  return scoreAt(
    model,
    probabilitiesOf(model, rows.map((r) => r.text)),
    rows.map((r) => r.label),
    model.config.threshold,
  );
}

/** The temperature (grid 0.2 … 5) minimising the negative log-likelihood of `rows`. */
export function fitTemperature(model: IntentModel, rows: readonly IntentExample[]): number {
  const L = new Map(model.config.labels.map((l, i) => [l, i]));
  const base = model.withDecision({ temperature: 1 });
  // log-probabilities at T = 1 are logits up to a per-row constant, so re-tempering them is exact.
  const logp = rows.map((r) => Array.from(base.probabilities(r.text), (p) => Math.log(Math.max(p, 1e-300))));
  let best = { T: 1, nll: Infinity };
  for (let T = 0.2; T <= 5.0001; T += 0.05) {
    let nll = 0;
    rows.forEach((r, i) => {
      const z = (logp[i] as number[]).map((v) => v / T);
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      nll += lse - (z[L.get(r.label) ?? 0] as number);
    });
    if (nll < best.nll) best = { T: Math.round(T * 100) / 100, nll };
  }
  return best.T;
}

/**
 * The out-of-scope threshold with the best in-scope accuracy on `rows` among those whose out-of-scope recall is at
 * least `minOosRecall` (candidates: every row's score, i.e. best in-scope probability minus the out-of-scope
 * probability); 0 when the rows hold no out-of-scope example.
 */
export function chooseThreshold(model: IntentModel, rows: readonly IntentExample[], minOosRecall: number): number {
  const oosLabel = model.config.oos_label ?? 'oos';
  const oos = model.config.labels.indexOf(oosLabel);
  const scored = rows.map((r) => {
    const p = model.probabilities(r.text);
    let best = -1;
    for (let c = 0; c < p.length; c++) if (c !== oos && (best < 0 || (p[c] as number) > (p[best] as number))) best = c;
    const score = (p[best] as number) - (oos >= 0 ? (p[oos] as number) : 0);
    return { score, isOos: r.label === oosLabel, right: model.config.labels[best] === r.label };
  });
  const oosRows = scored.filter((s) => s.isOos).length;
  const inRows = scored.length - oosRows;
  if (oosRows === 0) return 0;
  // Sweep thresholds upwards: a row is out of scope when its score is below the threshold.
  scored.sort((a, b) => a.score - b.score);
  let best = { th: 0, acc: -1 };
  let oosOut = 0;
  let rightOut = 0;
  const rightAll = scored.filter((s) => !s.isOos && s.right).length;
  for (let i = 0; i <= scored.length; i++) {
    // Threshold just above the i-th lowest score puts rows 0..i-1 out of scope.
    const th = i === 0 ? (scored[0]?.score ?? 0) : i === scored.length ? (scored[i - 1]?.score ?? 0) + 1e-6 : ((scored[i - 1]?.score ?? 0) + (scored[i]?.score ?? 0)) / 2;
    if (oosOut / oosRows >= minOosRecall) {
      const acc = (rightAll - rightOut) / Math.max(1, inRows);
      if (acc > best.acc) best = { th, acc };
    }
    const s = scored[i];
    if (s === undefined) break;
    if (s.isOos) oosOut++;
    else if (s.right) rightOut++;
  }
  return best.acc < 0 ? 1 : Math.round(best.th * 1e6) / 1e6;
}
