/**
 * @module memory/policy/learned-weights
 * Learned scorer weights (issue 7 (c)): a pairwise learning-to-rank fit (RankNet: logistic loss on the score
 * difference of an evidence turn and a non-evidence turn of the same question) of the context scorer's component
 * weights, kept non-negative by projection, on the context engine's own evaluation data (training/tasks/
 * importance.ts). The artifact `data/models/importance/vN` holds the weights as an f32 tensor in
 * {@link WEIGHT_ORDER}; the service uses them when `contextWeights: 'learned'`.
 */
import { siraError } from '../../core/errors.ts';
import { defaultModelsDir, loadLatestArtifact, tensorF32, type Artifact } from '../../models/artifact.ts';
import { DEFAULT_SCORER, scoreCandidates, type ScoreWeights } from '../context/scorer.ts';
import { termFrequencies } from '../context/bm25.ts';

/** The order of the weights tensor. */
export const WEIGHT_ORDER = ['lexical', 'dense', 'recency', 'importance', 'role'] as const satisfies readonly (keyof ScoreWeights)[];
export const LEARNED_WEIGHTS_ARTIFACT = 'importance';

/** One ranking group: the component vectors (in {@link WEIGHT_ORDER}) of a question's candidates, and which are evidence. */
export interface RankGroup {
  features: Float64Array[];
  relevant: boolean[];
}

/** Options of {@link trainPairwise}. */
export interface PairwiseOptions {
  /** Passes over the groups. @default 30 */
  epochs?: number;
  /** Step size. @default 0.5 */
  lr?: number;
  /** Non-evidence candidates sampled per evidence turn per epoch. @default 40 */
  negatives?: number;
  /** L2 penalty towards 0. @default 1e-3 */
  l2?: number;
  /** Starting weights (in {@link WEIGHT_ORDER}). @default all 0.2 */
  init?: readonly number[];
  /** Random source in [0, 1) (seeded by the caller). */
  rng: () => number;
  /** Called after each epoch with its mean loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** Mean pairwise logistic loss and pairwise accuracy of `w` over every (evidence, non-evidence) pair. */
export function pairwiseMetrics(groups: readonly RankGroup[], w: readonly number[]): { loss: number; accuracy: number } {
  let loss = 0;
  let right = 0;
  let n = 0;
  for (const g of groups) {
    const s = g.features.map((x) => dotN(w, x));
    for (let i = 0; i < s.length; i++) {
      if (!g.relevant[i]) continue;
      for (let j = 0; j < s.length; j++) {
        if (g.relevant[j]) continue;
        const d = s[i]! - s[j]!;
        loss += softplus(-d);
        if (d > 0) right++;
        else if (d === 0) right += 0.5;
        n++;
      }
    }
  }
  return { loss: n === 0 ? 0 : loss / n, accuracy: n === 0 ? 0 : right / n };
}

/** Fit non-negative component weights by SGD on the pairwise logistic loss; returns the weights and per-epoch losses. */
export function trainPairwise(groups: readonly RankGroup[], opts: PairwiseOptions): { weights: number[]; losses: number[] } {
  const dim = groups[0]?.features[0]?.length ?? WEIGHT_ORDER.length;
  const w = opts.init === undefined ? new Array<number>(dim).fill(0.2) : [...opts.init];
  const epochs = opts.epochs ?? 30;
  const lr = opts.lr ?? 0.5;
  const negatives = opts.negatives ?? 40;
  const l2 = opts.l2 ?? 1e-3;
  const losses: number[] = [];
  const order = groups.map((_, i) => i);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(opts.rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let loss = 0;
    let n = 0;
    const step = lr / Math.sqrt(1 + e);
    for (const gi of order) {
      const g = groups[gi]!;
      const neg = g.relevant.flatMap((r, k) => (r ? [] : [k]));
      if (neg.length === 0) continue;
      const grad = new Array<number>(dim).fill(0);
      let pairs = 0;
      for (let k = 0; k < g.features.length; k++) {
        if (!g.relevant[k]) continue;
        const xp = g.features[k]!;
        for (let m = 0; m < negatives; m++) {
          const xn = g.features[neg[Math.floor(opts.rng() * neg.length)]!]!;
          let d = 0;
          for (let c = 0; c < dim; c++) d += w[c]! * (xp[c]! - xn[c]!);
          loss += softplus(-d);
          n++;
          pairs++;
          const s = -sigmoid(-d);
          for (let c = 0; c < dim; c++) grad[c]! += s * (xp[c]! - xn[c]!);
        }
      }
      if (pairs === 0) continue;
      for (let c = 0; c < dim; c++) w[c] = Math.max(0, w[c]! - step * (grad[c]! / pairs + l2 * w[c]!));
    }
    losses.push(n === 0 ? 0 : loss / n);
    opts.onEpoch?.(e, losses[e]!);
  }
  return { weights: w, losses };
}

/** Weights in {@link WEIGHT_ORDER} as a {@link ScoreWeights} object. */
export function toScoreWeights(w: ArrayLike<number>): ScoreWeights {
  return Object.fromEntries(WEIGHT_ORDER.map((k, i) => [k, w[i] ?? 0])) as unknown as ScoreWeights;
}

/** The learned weights of the newest `importance` artifact under `root` (default data/models); throws SIRA_ERR_CONFIG_INVALID when none is there. */
export function loadLearnedWeights(root: string = defaultModelsDir()): { weights: ScoreWeights; artifact: Artifact } {
  const artifact = loadLatestArtifact(root, LEARNED_WEIGHTS_ARTIFACT);
  if (artifact === undefined) throw siraError('SIRA_ERR_CONFIG_INVALID', `contextWeights 'learned' needs the ${LEARNED_WEIGHTS_ARTIFACT} artifact under ${root} (npm run train -- importance)`);
  const w = tensorF32(artifact.tensors.weights, 'weights');
  if (w.length !== WEIGHT_ORDER.length || [...w].some((x) => !Number.isFinite(x) || x < 0)) throw siraError('SIRA_ERR_CODEC_CORRUPT', 'learned weights must be 5 finite non-negative numbers');
  return { weights: toScoreWeights(w), artifact };
}

/**
 * Scores of a fixed set of six candidates under `weights` (all components present): the model card stores them
 * at training time, and a test checks a loaded artifact reproduces them.
 */
export function referenceScores(weights: ScoreWeights): number[] {
  const docs = ['budget approved', 'the flight leaves at nine', 'budget for atlas is $40,000', 'hello there', 'atlas ships may 3', 'no idea'].map((t, i) => {
    const ts = t.split(' ');
    return { seq: i + 1, role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), importance: (i * 0.17) % 1, tf: termFrequencies(ts), length: ts.length };
  });
  const { scores } = scoreCandidates(docs, ['budget', 'atlas'], 6, { ...DEFAULT_SCORER, weights }, [0.1, 0.9, 0.5, 0.2, 0.7, 0]);
  return scores.map((s) => Math.round(s.score * 1e6) / 1e6);
}

function dotN(w: readonly number[], x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += w[i]! * x[i]!;
  return s;
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));
