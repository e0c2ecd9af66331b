/**
 * @module memory/context/scorer
 * The "attention" of the context engine (DESIGN §4.2): each candidate turn's score is a weighted mean of
 * normalised components in [0, 1] — lexical (BM25 over the session plus a pseudo-relevance-feedback pass, divided
 * by the best turn's), dense
 * (embedding similarity; absent until an embedder is configured), recency (exponential decay in turns back),
 * importance (the prior of {@link turnImportance}) and a role prior. Components that cannot be computed for a
 * request (no query → no lexical; no embeddings → no dense) are left out and the remaining weights renormalised,
 * so scores stay comparable to thresholds. Every component is returned for the explanation.
 */
import type { Role } from '../../core/types.ts';
import { bm25Scores, bm25Weighted, DEFAULT_BM25, DEFAULT_PRF, expansionTerms, prefixDoc, prefixTerm, type Bm25Doc, type Bm25Params, type PrfParams } from './bm25.ts';
import { DEFAULT_NEIGHBOURS, type NeighbourParams } from './expand.ts';

/** Weights of the score components (any non-negative numbers; they are renormalised over present components). */
export interface ScoreWeights {
  /** BM25 of the query against the turn. @default 0.6 */
  lexical: number;
  /** Embedding similarity of query and turn, when embeddings exist. @default 1 */
  dense: number;
  /** Exponential decay in turns back from the newest. @default 0.15 */
  recency: number;
  /** The importance prior. @default 0.15 */
  importance: number;
  /** The role prior. @default 0.1 */
  role: number;
  /** Said by a speaker the query names ("When did Maria…" → Maria's turns); only when the query names one. @default 0.1 */
  speaker: number;
}
export const DEFAULT_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({ lexical: 0.6, dense: 1, recency: 0.15, importance: 0.15, role: 0.1, speaker: 0.1 });

/** Prior per role (system turns are always kept, so theirs only matters for the explanation). */
export const DEFAULT_ROLE_PRIOR: Readonly<Record<Role, number>> = Object.freeze({ system: 1, user: 0.8, assistant: 0.6, tool: 0.5 });

/** Scorer options. */
export interface ScorerOptions {
  weights: ScoreWeights;
  /** Turns back at which recency falls to ½. @default 50 */
  halfLifeTurns: number;
  rolePrior: Record<Role, number>;
  bm25: Bm25Params;
  /** Query expansion from the best first-pass turns (finds second hops). @default DEFAULT_PRF */
  prf: PrfParams;
  /** Lexical terms are cut to this many characters after stemming (0: whole stems). @default 5 */
  prefixStem: number;
  /** Each turn's lexical score gains this share of its ±1 neighbours' (a fact is often said over two turns). @default 0.5 */
  smoothing: number;
  /**
   * Rescale the dense similarities of a request to [0, 1] between its lowest and highest turn (as lexical is
   * divided by the best turn's). Off by default: with the default static embedder raw cosines fuse better (+0.014
   * @2k, +0.032 @1k on v3 dev); with USE-lite, whose cosines sit in a narrow band, turning it on gained 0.05. @default false
   */
  denseMinMax: boolean;
  /**
   * Keep the names of the speakers a query names among its lexical terms. Off by default: the `speaker` component
   * matches them, and as terms they only find the other person's "That's great, Maria!" turns. @default false
   */
  speakerTerms: boolean;
  /** Each turn's dense similarity gains this share of its ±1 neighbours' (before rescaling). @default 0.2 */
  denseSmoothing: number;
  /**
   * Query expansion with the word embedder's nearest session words to each query word (memory/context/expand;
   * only when the request has a word embedder, i.e. the static default). @default DEFAULT_NEIGHBOURS
   */
  neighbours: NeighbourParams;
}
export const DEFAULT_SCORER: Readonly<ScorerOptions> = Object.freeze({
  weights: DEFAULT_WEIGHTS,
  halfLifeTurns: 50,
  rolePrior: DEFAULT_ROLE_PRIOR,
  bm25: DEFAULT_BM25,
  prf: DEFAULT_PRF,
  prefixStem: 5,
  smoothing: 0.5,
  denseMinMax: false,
  denseSmoothing: 0.2,
  speakerTerms: false,
  neighbours: DEFAULT_NEIGHBOURS,
});

/** The score components of one candidate, each in [0, 1]; `dense` only when embeddings were available. */
export interface ScoreComponents {
  lexical: number;
  recency: number;
  importance: number;
  role: number;
  dense?: number;
  /** 1 when a speaker the query names said it, else 0; only when the query names a speaker of the session. */
  speaker?: number;
  /** The raw BM25 score of the query itself (unnormalised; `lexical` adds the expansion pass). */
  bm25: number;
}

/** What the scorer needs of a candidate. */
export interface ScoreInput extends Bm25Doc {
  seq: number;
  role: Role;
  importance: number;
  /** Who said it, lower-cased (see memory/context/speakers). */
  speaker?: string;
}

/** A candidate's score and its components. */
export interface Scored {
  score: number;
  components: ScoreComponents;
}

/** Scores of all candidates, and the terms the query was expanded with. */
export interface Scoring {
  scores: Scored[];
  expansion: string[];
}

/**
 * Score every candidate for the query terms. `newestSeq` anchors recency (turns back = newestSeq − seq). `dense`,
 * when given, holds one similarity in [−1, 1] per candidate (clamped to [0, 1]). `speakers`: the session's
 * speakers the query names (see {@link querySpeakers}): their turns get the `speaker` component. `neighbours`:
 * expansion terms from the word embedder (see memory/context/expand), scored at `opts.neighbours.weight`.
 */
export function scoreCandidates(
  cands: readonly ScoreInput[],
  queryTerms: readonly string[],
  newestSeq: number,
  opts: ScorerOptions = DEFAULT_SCORER,
  dense?: ArrayLike<number>,
  speakers: ReadonlySet<string> = new Set(),
  neighbours: ReadonlyMap<string, number> = new Map(),
): Scoring {
  const lex = lexicalScores(cands, queryTerms, opts, neighbours);
  const { raw, expansion } = lex;
  let max = 0;
  for (const s of lex.scores) if (s > max) max = s;
  const w = opts.weights;
  const useLexical = max > 0;
  const useDense = dense !== undefined;
  const useSpeaker = speakers.size > 0;
  const total = (useLexical ? w.lexical : 0) + (useDense ? w.dense : 0) + (useSpeaker ? w.speaker : 0) + w.recency + w.importance + w.role;
  const decay = Math.LN2 / Math.max(opts.halfLifeTurns, 1e-9);
  const dn = useDense ? denseScores(dense, cands.length, opts) : undefined;
  const scores = cands.map((c, i) => {
    const lexical = useLexical ? lex.scores[i]! / max : 0;
    const recency = Math.exp(-decay * Math.max(0, newestSeq - c.seq));
    const role = opts.rolePrior[c.role];
    const components: ScoreComponents = { lexical, recency, importance: c.importance, role, bm25: raw[i]! };
    let sum = (useLexical ? w.lexical * lexical : 0) + w.recency * recency + w.importance * c.importance + w.role * role;
    if (dn !== undefined) {
      const d = dn[i]!;
      components.dense = d;
      sum += w.dense * d;
    }
    if (useSpeaker) {
      const said = c.speaker !== undefined && speakers.has(c.speaker) ? 1 : 0;
      components.speaker = said;
      sum += w.speaker * said;
    }
    return { score: total > 0 ? sum / total : 0, components };
  });
  return { scores, expansion: [...new Set([...expansion.keys(), ...lex.neighbours])] };
}

/**
 * The lexical pass: BM25 of the query over (prefix-cut) stems, plus the pseudo-relevance-feedback pass and the
 * embedding-neighbour pass (`neighbours`, stems), then smoothed with the ±1 neighbours' scores. `raw` is the
 * query's own BM25 (for the explanation); `scores` the final, unnormalised lexical scores.
 */
export function lexicalScores(
  cands: readonly ScoreInput[],
  queryTerms: readonly string[],
  opts: ScorerOptions,
  neighbours: ReadonlyMap<string, number> = new Map(),
): { raw: Float64Array; scores: Float64Array; expansion: Map<string, number>; neighbours: string[] } {
  const docs = opts.prefixStem > 0 ? cands.map((c) => prefixDoc(c, opts.prefixStem)) : cands;
  const q = opts.prefixStem > 0 ? [...new Set(queryTerms.map((t) => prefixTerm(t, opts.prefixStem)))] : queryTerms;
  const raw = bm25Scores(docs, q, opts.bm25);
  const expansion = expansionTerms(docs, raw, q, opts.prf);
  const lex = Float64Array.from(raw);
  if (expansion.size > 0) {
    const second = bm25Weighted(docs, expansion, opts.bm25);
    for (let i = 0; i < lex.length; i++) lex[i]! += opts.prf.weight * second[i]!;
  }
  const near = new Map<string, number>();
  const own = new Set(q);
  for (const [t, w] of neighbours) {
    const k = opts.prefixStem > 0 ? prefixTerm(t, opts.prefixStem) : t;
    if (!own.has(k)) near.set(k, Math.max(near.get(k) ?? 0, w));
  }
  if (near.size > 0 && opts.neighbours.weight > 0) {
    const third = bm25Weighted(docs, near, opts.bm25);
    for (let i = 0; i < lex.length; i++) lex[i]! += opts.neighbours.weight * third[i]!;
  }
  const nb = [...near.keys()];
  if (opts.smoothing <= 0) return { raw, scores: lex, expansion, neighbours: nb };
  const scores = new Float64Array(lex.length);
  for (let i = 0; i < lex.length; i++) scores[i] = lex[i]! + opts.smoothing * ((lex[i - 1] ?? 0) + (lex[i + 1] ?? 0));
  return { raw, scores, expansion, neighbours: nb };
}

/** The dense component of each candidate: similarities clamped to [0, 1], smoothed and rescaled as configured. */
function denseScores(dense: ArrayLike<number>, n: number, opts: ScorerOptions): Float64Array {
  const clamped = new Float64Array(n);
  for (let i = 0; i < n; i++) clamped[i] = Math.min(1, Math.max(0, dense[i] ?? 0));
  let out = clamped;
  if (opts.denseSmoothing > 0) {
    out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (clamped[i]! + opts.denseSmoothing * ((clamped[i - 1] ?? 0) + (clamped[i + 1] ?? 0))) / (1 + 2 * opts.denseSmoothing);
  }
  if (!opts.denseMinMax) return out;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of out) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const span = hi - lo;
  for (let i = 0; i < n; i++) out[i] = span > 0 ? (out[i]! - lo) / span : 0;
  return out;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Components rounded to 4 decimals for the explanation (`dense` and `speaker` only when present). */
export function roundedComponents(c: ScoreComponents): ScoreComponents {
  return {
    lexical: round(c.lexical),
    recency: round(c.recency),
    importance: round(c.importance),
    role: c.role,
    ...(c.dense === undefined ? {} : { dense: round(c.dense) }),
    ...(c.speaker === undefined ? {} : { speaker: c.speaker }),
    bm25: round(c.bm25),
  };
}
