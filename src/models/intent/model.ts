/**
 * @module models/intent/model
 * {@link IntentModel}: a trained intent classifier (TF-IDF word + character n-grams → multinomial logistic
 * regression, see ./features.ts and ./train.ts) and its serialized form: safetensors with tensors `hashes` (i32
 * [K], the kept feature hashes' bits), `idf` (f32 [K]), `W` (f16 [K, C]), `b` (f32 [C]) and the
 * {@link IntentModelConfig} as JSON in `__metadata__.intent_config`. The committed artifacts under
 * data/models/intent-* and tenant models in the Store use this same layout.
 */
import { siraError } from '../../core/errors.ts';
import { f16ToF32, f32ToF16 } from '../../core/half.ts';
import type { Tensor } from '../../core/types.ts';
import { decodeSafetensors, encodeSafetensors } from '../../core/safetensors.ts';
import { type Artifact, loadArtifact, loadLatestArtifact } from '../artifact.ts';
import { type FeatureConfig, type SparseVector, DEFAULT_FEATURES, indexOf, termCounts, vectorize } from './features.ts';

/** What a model needs besides its tensors (stored in the card's `config` and in safetensors metadata). */
export interface IntentModelConfig {
  /** Always `sira-intent-v1`. */
  format: 'sira-intent-v1';
  /** Class names, in weight-column order. */
  labels: string[];
  /** The class that means "none of the known intents" (e.g. CLINC150's `oos`), or null when there is none. */
  oos_label: string | null;
  /**
   * A query is out of scope when its best in-scope probability minus the out-of-scope class's probability (0
   * without such a class) is below this. 0 with no out-of-scope class: never out of scope.
   */
  threshold: number;
  /** Softmax temperature (logits are divided by it), chosen on validation data. */
  temperature: number;
  /** Feature extraction settings. */
  features: FeatureConfig;
}

/** One entry of a distribution. */
export interface LabelProb {
  label: string;
  /** Probability in [0, 1] (at the model's temperature). */
  p: number;
}

/** The result of {@link IntentModel.classify}. */
export interface IntentResult {
  /** The predicted intent; the model's `oos_label` (or `"oos"`) when `out_of_scope`. */
  label: string;
  /** Probability of the best in-scope intent at the model's temperature, in [0, 1]. */
  confidence: number;
  /** The top-k classes by probability, descending (may include the out-of-scope class). */
  distribution: LabelProb[];
  /** True when the query matches none of the known intents well enough. */
  out_of_scope: boolean;
  /** True when no trained model was available and nothing could be classified (see {@link fallbackIntent}). */
  fallback: boolean;
}

/** One turn given to {@link IntentModel.classifySession}. */
export interface IntentTurn {
  /** `user`, `assistant`, `system` or `tool`; only user turns are classified. */
  role: string;
  /** The turn's text (text parts joined). */
  text: string;
}

/** The result of {@link IntentModel.classifySession}: the session-level intent plus each user turn's own. */
export interface SessionIntentResult extends IntentResult {
  /** Each classified user turn: its index in the input, its label and confidence, and its weight in the mix. */
  turns: { index: number; label: string; confidence: number; out_of_scope: boolean; weight: number }[];
}

/** Options of {@link IntentModel.classify} / {@link IntentModel.classifySession}. */
export interface ClassifyOptions {
  /** How many classes `distribution` lists. @default 5 */
  topK?: number;
}

/** Options of {@link IntentModel.classifySession}. */
export interface SessionClassifyOptions extends ClassifyOptions {
  /** Weight halves every this many user turns back from the newest. @default 2 */
  halfLife?: number;
  /** Only the newest this many user turns count. @default 20 */
  maxTurns?: number;
}

/** The result when there is no model: label `unknown`, confidence 0, `fallback: true`. */
export function fallbackIntent(): IntentResult {
  return { label: 'unknown', confidence: 0, distribution: [], out_of_scope: true, fallback: true };
}

const METADATA_KEY = 'intent_config';

function topLabels(p: Float64Array, labels: readonly string[], k: number): LabelProb[] {
  const order = Array.from(p.keys()).sort((a, b) => (p[b] as number) - (p[a] as number) || a - b);
  return order.slice(0, k).map((c) => ({ label: labels[c] as string, p: p[c] as number }));
}

/** A loaded intent classifier. Immutable; safe to share between requests. */
export class IntentModel {
  /** The configuration (labels, threshold, temperature, features). */
  readonly config: Readonly<IntentModelConfig>;
  /** Number of kept features. */
  readonly features: number;
  readonly #index: Map<number, number>;
  readonly #hashes: Uint32Array;
  readonly #idf: Float32Array;
  readonly #W: Float32Array;
  readonly #b: Float32Array;
  readonly #oos: number;

  /** Build from weights in memory: `hashes` [K], `idf` [K], `W` [K × C] row-major, `b` [C]. Arrays are kept (not copied). */
  constructor(config: IntentModelConfig, hashes: Uint32Array, idf: Float32Array, W: Float32Array, b: Float32Array) {
    const C = config.labels.length;
    if (C < 1 || b.length !== C || W.length !== hashes.length * C || idf.length !== hashes.length) {
      throw siraError('SIRA_ERR_CODEC_CORRUPT', `intent model: shapes do not match (${hashes.length} features, ${C} labels)`);
    }
    this.config = Object.freeze({ ...config, labels: [...config.labels], features: { ...config.features } });
    this.features = hashes.length;
    this.#index = indexOf(hashes);
    this.#hashes = hashes;
    this.#idf = idf;
    this.#W = W;
    this.#b = b;
    this.#oos = config.oos_label === null ? -1 : config.labels.indexOf(config.oos_label);
  }

  /** The same weights with another threshold and/or temperature (weight arrays shared, not copied). */
  withDecision(change: { threshold?: number; temperature?: number }): IntentModel {
    return new IntentModel({ ...this.config, ...change }, this.#hashes, this.#idf, this.#W, this.#b);
  }

  /** Load the artifact in `dir` (`model.safetensors` + `card.json`). Throws SIRA_ERR_CODEC_CORRUPT if malformed. */
  static load(dir: string): IntentModel {
    return IntentModel.fromArtifact(loadArtifact(dir));
  }

  /** The newest version of artifact `name` under `root` (e.g. data/models, `intent-clinc150`), or undefined. */
  static loadLatest(root: string, name: string): IntentModel | undefined {
    const a = loadLatestArtifact(root, name);
    return a === undefined ? undefined : IntentModel.fromArtifact(a);
  }

  /** From a loaded artifact (its card's `config` is the {@link IntentModelConfig}). */
  static fromArtifact(a: Artifact): IntentModel {
    return IntentModel.fromTensors(a.tensors, a.card.config as unknown as IntentModelConfig);
  }

  /** From safetensors bytes written by {@link IntentModel.toSafetensors}. Throws SIRA_ERR_CODEC_CORRUPT if malformed. */
  static fromSafetensors(bytes: Uint8Array): IntentModel {
    return IntentModel.decodeSafetensors(bytes).model;
  }

  /** Like {@link IntentModel.fromSafetensors}, also returning the file's `__metadata__` (extra keys included). */
  static decodeSafetensors(bytes: Uint8Array): { model: IntentModel; metadata: Record<string, string> | undefined } {
    try {
      const { tensors, metadata } = decodeSafetensors(bytes, { copy: true });
      const raw = metadata?.[METADATA_KEY];
      if (raw === undefined) throw new Error('no intent_config in the safetensors metadata');
      return { model: IntentModel.fromTensors(tensors, JSON.parse(raw) as IntentModelConfig), metadata };
    } catch (cause) {
      throw siraError('SIRA_ERR_CODEC_CORRUPT', 'intent model: the stored bytes could not be decoded', { cause });
    }
  }

  /** From the four tensors and a config. */
  static fromTensors(t: Record<string, Tensor>, config: IntentModelConfig): IntentModel {
    if (config?.format !== 'sira-intent-v1' || !Array.isArray(config.labels)) {
      throw siraError('SIRA_ERR_CODEC_CORRUPT', 'intent model: config is not sira-intent-v1');
    }
    const get = (name: string, dtype: string): Tensor => {
      const x = t[name];
      if (x?.dtype !== dtype) throw siraError('SIRA_ERR_CODEC_CORRUPT', `intent model: tensor ${name} missing or not ${dtype}`);
      return x;
    };
    const copy = <A extends Float32Array | Uint32Array | Uint16Array>(x: Tensor, Ctor: new (n: number) => A, size: number): A => {
      const out = new Ctor(x.data.byteLength / size);
      new Uint8Array(out.buffer).set(x.data);
      return out;
    };
    const hashes = copy(get('hashes', 'i32'), Uint32Array, 4);
    const idf = copy(get('idf', 'f32'), Float32Array, 4);
    const W = f16ToF32(copy(get('W', 'f16'), Uint16Array, 2));
    const b = copy(get('b', 'f32'), Float32Array, 4);
    return new IntentModel({ ...config, features: { ...DEFAULT_FEATURES, ...config.features } }, hashes, idf, W, b);
  }

  /** The tensors of this model (`W` as f16). */
  toTensors(): Record<string, Tensor> {
    const hashes = this.#hashes.slice();
    const idf = this.#idf.slice();
    const bytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const C = this.config.labels.length;
    return {
      hashes: { dtype: 'i32', shape: [this.features], data: bytes(hashes) },
      idf: { dtype: 'f32', shape: [this.features], data: bytes(idf) },
      W: { dtype: 'f16', shape: [this.features, C], data: bytes(f32ToF16(this.#W)) },
      b: { dtype: 'f32', shape: [C], data: bytes(this.#b.slice()) },
    };
  }

  /** Serialize to safetensors bytes (tensors + the config in `__metadata__`, plus any `extra` metadata strings). */
  toSafetensors(extra: Record<string, string> = {}): Uint8Array {
    return encodeSafetensors(this.toTensors(), { ...extra, format: 'sira-intent-v1', [METADATA_KEY]: JSON.stringify(this.config) });
  }

  /** The feature vector of `text` in this model's feature space. */
  vectorize(text: string): SparseVector {
    return vectorize(termCounts(text, this.config.features), this.#index, this.#idf, this.config.features);
  }

  /** Class probabilities of `text` at the model's temperature (in `config.labels` order; a new array). */
  probabilities(text: string): Float64Array {
    const x = this.vectorize(text);
    const C = this.config.labels.length;
    const z = new Float64Array(C);
    for (let n = 0; n < x.rows.length; n++) {
      const base = (x.rows[n] as number) * C;
      const v = x.vals[n] as number;
      for (let c = 0; c < C; c++) z[c] = (z[c] as number) + v * (this.#W[base + c] as number);
    }
    const T = this.config.temperature > 0 ? this.config.temperature : 1;
    let m = -Infinity;
    for (let c = 0; c < C; c++) {
      z[c] = ((z[c] as number) + (this.#b[c] as number)) / T;
      if ((z[c] as number) > m) m = z[c] as number;
    }
    let s = 0;
    for (let c = 0; c < C; c++) {
      z[c] = Math.exp((z[c] as number) - m);
      s += z[c] as number;
    }
    for (let c = 0; c < C; c++) z[c] = (z[c] as number) / s;
    return z;
  }

  /** Turn a probability vector (in label order) into a result: the out-of-scope rule and the top-k. */
  decide(p: Float64Array, topK = 5): IntentResult {
    const labels = this.config.labels;
    let best = -1;
    for (let c = 0; c < p.length; c++) if (c !== this.#oos && (best < 0 || (p[c] as number) > (p[best] as number))) best = c;
    const confidence = best < 0 ? 0 : (p[best] as number);
    const out_of_scope = best < 0 || confidence - (this.#oos >= 0 ? (p[this.#oos] as number) : 0) < this.config.threshold;
    const distribution = topK <= 0 ? [] : topLabels(p, labels, topK);
    const label = out_of_scope ? (this.config.oos_label ?? 'oos') : (labels[best] as string);
    return { label, confidence, distribution, out_of_scope, fallback: false };
  }

  /** Classify one query. */
  classify(text: string, opts: ClassifyOptions = {}): IntentResult {
    return this.decide(this.probabilities(text), opts.topK ?? 5);
  }

  /**
   * The intent of a session: each user turn's distribution, mixed with weights that halve every `halfLife` user
   * turns back from the newest (recent turns weigh more), then the same out-of-scope rule as {@link classify}.
   * With no user turn with text, the result is the fallback (`label: 'unknown'`, `fallback: true`, `turns: []`).
   */
  classifySession(turns: readonly IntentTurn[], opts: SessionClassifyOptions = {}): SessionIntentResult {
    const halfLife = opts.halfLife ?? 2;
    const user = turns
      .map((t, index) => ({ index, role: t.role, text: t.text }))
      .filter((t) => t.role === 'user' && t.text.trim() !== '')
      .slice(-(opts.maxTurns ?? 20));
    if (user.length === 0) return { ...fallbackIntent(), turns: [] };
    const C = this.config.labels.length;
    const mix = new Float64Array(C);
    let wsum = 0;
    const per: SessionIntentResult['turns'] = [];
    user.forEach((t, i) => {
      const w = 0.5 ** ((user.length - 1 - i) / halfLife);
      const p = this.probabilities(t.text);
      const r = this.decide(p, 1);
      per.push({ index: t.index, label: r.label, confidence: r.confidence, out_of_scope: r.out_of_scope, weight: w });
      for (let c = 0; c < C; c++) mix[c] = (mix[c] as number) + w * (p[c] as number);
      wsum += w;
    });
    for (let c = 0; c < C; c++) mix[c] = (mix[c] as number) / wsum;
    for (const t of per) t.weight /= wsum;
    return { ...this.decide(mix, opts.topK ?? 5), turns: per };
  }
}
