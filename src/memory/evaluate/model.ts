/**
 * @module memory/evaluate/model
 * The quality model: one logistic head per score (resolution, repetition, frustration, sentiment trend) over the
 * standardised session features of ./features.ts. Trained offline (`npm run train -- quality`, artifact
 * `data/models/quality/vN`: tensors `mean` [F], `std` [F], `W` [4, F], `b` [4]); without an artifact a hand-set
 * fallback over the raw features is used and results say `fallback: true`.
 */
import { siraError } from '../../core/errors.ts';
import { defaultModelsDir, loadLatestArtifact, tensorF32, type Artifact } from '../../models/artifact.ts';
import { FEATURE_NAMES, type FeatureName, type TermWeights } from './features.ts';

/** The scores, in the order of the model's heads. */
export const HEADS = ['resolution', 'repetition', 'frustration', 'sentiment_trend'] as const;
export type Head = (typeof HEADS)[number];

/** Artifact name under data/models. */
export const QUALITY_ARTIFACT = 'quality';

/** Logistic heads over standardised features: p = σ(W·((x − mean) / std) + b). */
export interface QualityWeights {
  mean: Float64Array;
  std: Float64Array;
  /** Row-major [HEADS.length, FEATURE_NAMES.length]. */
  w: Float64Array;
  b: Float64Array;
}

/** A loaded quality model. */
export interface QualityModel {
  /** Artifact name and version, or null for the hand-set fallback. */
  model: { name: string; version: string } | null;
  fallback: boolean;
  weights: QualityWeights;
  /** Term weights for the similarity of asks (IDF from a background corpus); none: every term weighs 1. */
  terms?: TermWeights;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Probabilities of each head for one feature vector. */
export function scoreFeatures(m: QualityWeights, x: Float64Array): Record<Head, number> {
  const F = FEATURE_NAMES.length;
  const out = {} as Record<Head, number>;
  for (let h = 0; h < HEADS.length; h++) {
    let z = m.b[h]!;
    for (let f = 0; f < F; f++) z += m.w[h * F + f]! * ((x[f]! - m.mean[f]!) / m.std[f]!);
    out[HEADS[h]!] = sigmoid(z);
  }
  return out;
}

// Hand-set weights on the raw features (mean 0, std 1): what a reader of the cues would guess, never fitted.
const HAND: Record<Head, [number, Partial<Record<FeatureName, number>>]> = {
  resolution: [
    -0.6,
    {
      res_last_success: 2.5,
      res_last_grat: 1.2,
      res_last_closure: 0.8,
      res_last_unres: -2,
      res_last_fail: -1.8,
      res_last_question: -0.8,
      res_last_sent: 1.5,
      res_last_asst_concrete: 0.8,
      res_asst_hedge: -1,
      res_tool_err: -0.3,
      res_last_is_user: 0.3,
    },
  ],
  repetition: [-2.6, { rep_max_terms: 3.5, rep_max_shingle: 2, rep_frac_turns: 2, rep_markers: 2, rep_novel: -1.5 }],
  frustration: [
    -1.8,
    { frus_min_sent: -3, frus_excl: 1, frus_qq: 0.8, frus_caps: 4, frus_cue: 1.2, frus_escalation: 1.5, frus_mixed: 0.8, frus_short_neg: 0.3 },
  ],
  sentiment_trend: [0, { trend_slope: 3, trend_delta: 2 }],
};

/** The hand-set fallback (used when no artifact is present). */
export function fallbackQualityModel(): QualityModel {
  const F = FEATURE_NAMES.length;
  const w = new Float64Array(HEADS.length * F);
  const b = new Float64Array(HEADS.length);
  HEADS.forEach((h, hi) => {
    const [bias, ws] = HAND[h];
    b[hi] = bias;
    for (const [name, v] of Object.entries(ws)) w[hi * F + FEATURE_NAMES.indexOf(name as FeatureName)] = v;
  });
  return { model: null, fallback: true, weights: { mean: new Float64Array(F), std: new Float64Array(F).fill(1), w, b } };
}

/** A model from a loaded artifact; throws SIRA_ERR_CODEC_CORRUPT when its features or shapes do not match this code. */
export function qualityModelFromArtifact(a: Artifact): QualityModel {
  const names = a.card.config.features;
  if (!Array.isArray(names) || names.join(',') !== FEATURE_NAMES.join(',')) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `quality artifact ${a.dir} was trained on other features; retrain with npm run train -- quality`);
  }
  const F = FEATURE_NAMES.length;
  const mean = Float64Array.from(tensorF32(a.tensors.mean, 'mean'));
  const std = Float64Array.from(tensorF32(a.tensors.std, 'std'));
  const w = Float64Array.from(tensorF32(a.tensors.W, 'W'));
  const b = Float64Array.from(tensorF32(a.tensors.b, 'b'));
  if (mean.length !== F || std.length !== F || w.length !== HEADS.length * F || b.length !== HEADS.length) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `quality artifact ${a.dir} has tensors of the wrong shape`);
  }
  const idf = a.card.config.idf as { fallback?: unknown; terms?: unknown } | undefined;
  const terms: TermWeights | undefined =
    idf !== undefined && typeof idf.fallback === 'number' && typeof idf.terms === 'object' && idf.terms !== null
      ? { fallback: idf.fallback, idf: new Map(Object.entries(idf.terms as Record<string, number>)) }
      : undefined;
  return { model: { name: a.card.name, version: a.card.version }, fallback: false, weights: { mean, std, w, b }, ...(terms === undefined ? {} : { terms }) };
}

/** The newest quality artifact under `root` (default: the repository's data/models), or the fallback when none. */
export function loadQualityModel(root: string = defaultModelsDir()): QualityModel {
  const a = loadLatestArtifact(root, QUALITY_ARTIFACT);
  return a === undefined ? fallbackQualityModel() : qualityModelFromArtifact(a);
}
