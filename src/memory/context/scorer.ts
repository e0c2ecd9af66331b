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
import { bm25Scores, bm25Weighted, DEFAULT_BM25, DEFAULT_PRF, expansionTerms, type Bm25Doc, type Bm25Params, type PrfParams } from './bm25.ts';

/** Weights of the score components (any non-negative numbers; they are renormalised over present components). */
export interface ScoreWeights {
  /** BM25 of the query against the turn. @default 0.6 */
  lexical: number;
  /** Embedding similarity of query and turn, when embeddings exist. @default 0.5 */
  dense: number;
  /** Exponential decay in turns back from the newest. @default 0.15 */
  recency: number;
  /** The importance prior. @default 0.15 */
  importance: number;
  /** The role prior. @default 0.1 */
  role: number;
}
export const DEFAULT_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({ lexical: 0.6, dense: 0.5, recency: 0.15, importance: 0.15, role: 0.1 });

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
}
export const DEFAULT_SCORER: Readonly<ScorerOptions> = Object.freeze({ weights: DEFAULT_WEIGHTS, halfLifeTurns: 50, rolePrior: DEFAULT_ROLE_PRIOR, bm25: DEFAULT_BM25, prf: DEFAULT_PRF });

/** The score components of one candidate, each in [0, 1]; `dense` only when embeddings were available. */
export interface ScoreComponents {
  lexical: number;
  recency: number;
  importance: number;
  role: number;
  dense?: number;
  /** The raw BM25 score of the query itself (unnormalised; `lexical` adds the expansion pass). */
  bm25: number;
}

/** What the scorer needs of a candidate. */
export interface ScoreInput extends Bm25Doc {
  seq: number;
  role: Role;
  importance: number;
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
 * when given, holds one similarity in [−1, 1] per candidate (clamped to [0, 1]).
 */
export function scoreCandidates(
  cands: readonly ScoreInput[],
  queryTerms: readonly string[],
  newestSeq: number,
  opts: ScorerOptions = DEFAULT_SCORER,
  dense?: ArrayLike<number>,
): Scoring {
  const raw = bm25Scores(cands, queryTerms, opts.bm25);
  const expansion = expansionTerms(cands, raw, queryTerms, opts.prf);
  const lex = Float64Array.from(raw);
  if (expansion.size > 0) {
    const second = bm25Weighted(cands, expansion, opts.bm25);
    for (let i = 0; i < lex.length; i++) lex[i]! += opts.prf.weight * second[i]!;
  }
  let max = 0;
  for (const s of lex) if (s > max) max = s;
  const w = opts.weights;
  const useLexical = max > 0;
  const useDense = dense !== undefined;
  const total = (useLexical ? w.lexical : 0) + (useDense ? w.dense : 0) + w.recency + w.importance + w.role;
  const decay = Math.LN2 / Math.max(opts.halfLifeTurns, 1e-9);
  const scores = cands.map((c, i) => {
    const lexical = useLexical ? lex[i]! / max : 0;
    const recency = Math.exp(-decay * Math.max(0, newestSeq - c.seq));
    const role = opts.rolePrior[c.role];
    const components: ScoreComponents = { lexical, recency, importance: c.importance, role, bm25: raw[i]! };
    let sum = (useLexical ? w.lexical * lexical : 0) + w.recency * recency + w.importance * c.importance + w.role * role;
    if (useDense) {
      const d = Math.min(1, Math.max(0, dense[i] ?? 0));
      components.dense = d;
      sum += w.dense * d;
    }
    return { score: total > 0 ? sum / total : 0, components };
  });
  return { scores, expansion: [...expansion.keys()] };
}
