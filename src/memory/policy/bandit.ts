/**
 * @module memory/policy/bandit
 * A contextual Thompson-sampling bandit over context strategies (issue 7 (b)). The context is discrete — the
 * session's length bucket × the query's kind — and each (context, arm) keeps a Beta posterior over the arm's
 * reward in [0, 1]: a fractional reward r adds r to successes and 1 − r to failures (the Beta–Bernoulli update
 * generalised, as in Agrawal & Goyal's binarisation trick in expectation). Choosing draws one sample per arm and
 * takes the best; ties go to the earlier arm. Pure state + an injected RNG: the service persists the statistics
 * per tenant (./policy.ts), the offline simulation (bench/policy.bench.ts) replays it.
 */
import type { ScoreWeights } from '../context/scorer.ts';

/** A context strategy the bandit can choose: the engine strategy and a weight preset over the configured weights. */
export interface Arm {
  name: string;
  strategy: 'relevance' | 'recency';
  /** Weights replacing the configured ones (partial: the rest stay). */
  weights?: Partial<ScoreWeights>;
  description: string;
}

/** The arms the service offers (the first is the configured default). */
export const DEFAULT_ARMS: readonly Arm[] = Object.freeze([
  { name: 'balanced', strategy: 'relevance', description: 'the configured weights (hand-set or learned)' },
  { name: 'lexical', strategy: 'relevance', weights: { lexical: 1, dense: 0.25, recency: 0.05, importance: 0.15, role: 0.05 }, description: 'keyword match first' },
  { name: 'semantic', strategy: 'relevance', weights: { lexical: 0.25, dense: 1, recency: 0.1, importance: 0.15, role: 0.05 }, description: 'meaning (dense) first; lexical when no embedder' },
  { name: 'recent', strategy: 'relevance', weights: { lexical: 0.4, dense: 0.3, recency: 0.8, importance: 0.1, role: 0.1 }, description: 'relevance with a strong recency prior' },
  { name: 'recency', strategy: 'recency', description: 'the newest turns that fit' },
]);

/** Successes, failures (fractional) and plays of one arm in one context. */
export type ArmStats = [successes: number, failures: number, plays: number];
/** Statistics by context key, then by arm name. */
export type BanditStats = Record<string, Record<string, ArmStats>>;

/** The discrete context of a request. */
export interface PolicyContext {
  /** `short` (≤ 50 turns), `medium` (≤ 500) or `long`. */
  length: 'short' | 'medium' | 'long';
  /** `question` (ends in ? or opens with a question word), `statement`, or `none` (no query). */
  query: 'question' | 'statement' | 'none';
}

const QUESTION = /^(who|whom|whose|what|when|where|which|why|how|is|are|do|does|did|can|could|should|will|would)\b/i;

/** The context of a request over `turns` turns with `query`. */
export function policyContext(turns: number, query: string): PolicyContext {
  const q = query.trim();
  return {
    length: turns <= 50 ? 'short' : turns <= 500 ? 'medium' : 'long',
    query: q === '' ? 'none' : q.endsWith('?') || QUESTION.test(q) ? 'question' : 'statement',
  };
}
export const contextKey = (c: PolicyContext) => `${c.length}:${c.query}`;

/** The arm chosen and why. */
export interface Choice {
  arm: string;
  context: string;
  /** The Thompson sample of every arm. */
  samples: Record<string, number>;
  /** Posterior mean and plays of the chosen arm. */
  mean: number;
  plays: number;
  reason: string;
}

/** A Beta(a, b) sample from uniforms (Marsaglia–Tsang gammas). */
export function sampleBeta(a: number, b: number, rng: () => number): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  return x + y === 0 ? 0.5 : x / (x + y);
}

function normal(rng: () => number): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function sampleGamma(k: number, rng: () => number): number {
  if (k < 1) {
    let u = 0;
    while (u === 0) u = rng();
    return sampleGamma(k + 1, rng) * Math.pow(u, 1 / k);
  }
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Thompson sampling over `arms` with a Beta(prior[0], prior[1]) prior. */
export function chooseArm(stats: BanditStats, ctx: string, arms: readonly string[], rng: () => number, prior: readonly [number, number] = [1, 1]): Choice {
  const s = stats[ctx] ?? {};
  const samples: Record<string, number> = {};
  let best = arms[0]!;
  let bestSample = -1;
  for (const a of arms) {
    const [succ, fail] = s[a] ?? [0, 0, 0];
    const x = sampleBeta(prior[0] + succ, prior[1] + fail, rng);
    samples[a] = Math.round(x * 1e4) / 1e4;
    if (x > bestSample) {
      bestSample = x;
      best = a;
    }
  }
  const [succ, fail, plays] = s[best] ?? [0, 0, 0];
  const mean = (prior[0] + succ) / (prior[0] + prior[1] + succ + fail);
  const reason =
    plays === 0
      ? `exploring: no feedback yet for ${best} in context ${ctx}; its Thompson sample ${samples[best]} was the highest of ${arms.length} arms`
      : `Thompson sample ${samples[best]} was the highest of ${arms.length} arms in context ${ctx}; posterior mean reward ${mean.toFixed(3)} over ${plays} feedbacks`;
  return { arm: best, context: ctx, samples, mean: Math.round(mean * 1e4) / 1e4, plays, reason };
}

/** Add one reward in [0, 1] for `arm` in `ctx` (mutates and returns `stats`). */
export function updateStats(stats: BanditStats, ctx: string, arm: string, reward: number): BanditStats {
  const r = Math.min(1, Math.max(0, reward));
  const c = (stats[ctx] ??= {});
  const a = (c[arm] ??= [0, 0, 0]);
  a[0] += r;
  a[1] += 1 - r;
  a[2] += 1;
  return stats;
}
