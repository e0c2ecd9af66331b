/**
 * @module memory/profile/classifier
 * The learned half of preference extraction: a multinomial logistic regression over hashed features of one clause
 * that says whether it states the user's own preference or fact, and with which polarity (`none`, `positive`,
 * `negative`). Features: word unigrams and bigrams with the rule's value span masked (so the model learns the
 * frame, not the vocabulary), capitalised words masked, the rule's pattern, attribute, polarity and gate, and the
 * clause cues ({@link cuesOf}). Trained offline (`npm run train -- preferences`, training/tasks/preferences.ts);
 * the weights ship as data/models/preferences/vN.
 */
import { siraError } from '../../core/errors.ts';
import type { Tensor } from '../../core/types.ts';
import { defaultModelsDir, loadLatestArtifact, tensorF32, type Artifact } from '../../models/artifact.ts';
import { cuesOf, gateOf, normalize, type RuleMatch } from './rules.ts';
import { fnv1a } from '../../core/hash.ts';

/** The classes, in weight-row order. */
export const LABELS = ['none', 'positive', 'negative'] as const;
export type Label = (typeof LABELS)[number];

/** Hashed feature space size. */
export const FEATURE_DIM = 4096;
/** Artifact name under data/models. */
export const MODEL_NAME = 'preferences';

/** Sparse features of a clause: bucket indices and values (L2-normalised). */
export interface Features {
  idx: Int32Array;
  val: Float32Array;
}

/** Tokens of a clause with the rule's value masked (`__val`) and other capitalised words masked (`__cap`). */
export function clauseTokens(clause: string, match: RuleMatch | undefined): string[] {
  let c = normalize(clause);
  if (match !== undefined) {
    const lower = c.toLowerCase();
    const at = lower.indexOf(match.value.toLowerCase(), match.index);
    if (at >= 0) c = `${c.slice(0, at)} __val ${c.slice(at + match.value.length)}`;
  }
  const words = c.match(/__val|[\p{L}\p{N}]+(?:'[\p{L}]+)?|\?|!/gu) ?? [];
  return words.map((w, i) => (w !== '__val' && i > 0 && /^\p{Lu}/u.test(w) && w !== 'I' && !/^I'/.test(w) ? '__cap' : w.toLowerCase()));
}

/** The feature strings of a clause (before hashing; tests and explanations). */
export function featureStrings(clause: string, match: RuleMatch | undefined): string[] {
  const toks = clauseTokens(clause, match);
  const out: string[] = ['bias'];
  for (let i = 0; i < toks.length; i++) {
    out.push(`u:${toks[i]}`);
    if (i + 1 < toks.length) out.push(`b:${toks[i]} ${toks[i + 1]}`);
  }
  if (toks[0] !== undefined) out.push(`first:${toks[0]}`);
  const cues = cuesOf(clause);
  for (const [k, v] of Object.entries(cues)) if (v) out.push(`cue:${k}`);
  if (match === undefined) out.push('rule:none');
  else {
    const gate = gateOf(clause, match.index) ?? 'open';
    out.push(`rule:${match.pattern}`, `attr:${match.attribute.split('/')[0]}`, `rp:${match.polarity}`, `gate:${gate}`, `gate:${gate}&rp:${match.polarity}`);
    if (match.index === 0) out.push('rule:at-start');
  }
  return out;
}

/** Hash feature strings into {@link FEATURE_DIM} buckets, L2-normalised. */
export function featurize(clause: string, match: RuleMatch | undefined): Features {
  const counts = new Map<number, number>();
  for (const f of featureStrings(clause, match)) {
    const h = fnv1a(f) % FEATURE_DIM;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  let norm = 0;
  for (const v of counts.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  const idx = Int32Array.from(counts.keys());
  const val = Float32Array.from([...counts.values()].map((v) => v / norm));
  return { idx, val };
}

/** Weights of the classifier: `w` is [3 × FEATURE_DIM] row-major, `b` is [3]. */
export interface ClassifierWeights {
  w: Float32Array;
  b: Float32Array;
}

/** Class probabilities, in {@link LABELS} order. */
export function predict(weights: ClassifierWeights, f: Features): [number, number, number] {
  const z = [weights.b[0]!, weights.b[1]!, weights.b[2]!];
  for (let k = 0; k < 3; k++) {
    const row = k * FEATURE_DIM;
    let s = 0;
    for (let j = 0; j < f.idx.length; j++) s += weights.w[row + f.idx[j]!]! * f.val[j]!;
    z[k] = z[k]! + s;
  }
  const m = Math.max(z[0]!, z[1]!, z[2]!);
  const e = z.map((x) => Math.exp(x - m));
  const sum = e[0]! + e[1]! + e[2]!;
  return [e[0]! / sum, e[1]! / sum, e[2]! / sum];
}

/** The weights as artifact tensors. */
export function weightsToTensors(weights: ClassifierWeights): Record<string, Tensor> {
  const t = (data: Float32Array, shape: number[]): Tensor => ({ dtype: 'f32', shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  return { w: t(weights.w, [3, FEATURE_DIM]), b: t(weights.b, [3]) };
}

/** Weights from a loaded artifact; throws SIRA_ERR_CODEC_CORRUPT when the shapes are wrong. */
export function weightsFromArtifact(a: Artifact): ClassifierWeights {
  const w = tensorF32(a.tensors.w, 'w');
  const b = tensorF32(a.tensors.b, 'b');
  if (w.length !== 3 * FEATURE_DIM || b.length !== 3 || a.card.config.feature_dim !== FEATURE_DIM) {
    throw siraError('SIRA_ERR_CODEC_CORRUPT', `artifact ${a.dir}: preference classifier shapes do not match this build`);
  }
  return { w, b };
}

let cached: ClassifierWeights | null | undefined;

/** The committed classifier (data/models/preferences, newest version), loaded once; undefined when absent. */
export function loadPreferenceClassifier(root = defaultModelsDir()): ClassifierWeights | undefined {
  if (root !== defaultModelsDir()) {
    const a = loadLatestArtifact(root, MODEL_NAME);
    return a === undefined ? undefined : weightsFromArtifact(a);
  }
  if (cached === undefined) {
    const a = loadLatestArtifact(root, MODEL_NAME);
    cached = a === undefined ? null : weightsFromArtifact(a);
  }
  return cached ?? undefined;
}
