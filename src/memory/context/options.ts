/**
 * @module memory/context/options
 * The context engine's tunables: one options type, one frozen set of defaults, validated when the engine is set up.
 */
import { siraError } from '../../core/errors.ts';
import { DEFAULT_MEDIA_TOKENS, ENCODINGS, type EncodingName, type MediaTokens } from '../../models/tokens.ts';
import type { PrfParams } from './bm25.ts';
import type { NeighbourParams } from './expand.ts';
import { DEFAULT_SCORER, type ScorerOptions, type ScoreWeights } from './scorer.ts';

/** Context engine options. */
export interface ContextOptions {
  /** Score weights, recency half-life, role prior and BM25 parameters (see {@link DEFAULT_SCORER}). */
  scorer: ScorerOptions;
  /** The latest this many non-system turns are always kept (2 exchanges), trimmed if they alone exceed the budget. @default 4 */
  recentTurns: number;
  /** A selected turn scoring at least this fraction of the best score lifts its ±1 neighbours. @default 0.5 */
  neighborThreshold: number;
  /** A lifted neighbour competes for the budget at this share of the hit's score (the classic ½ smoothing). @default 0.5 */
  neighborWeight: number;
  /** A scored turn longer than this share of the budget is pruned to its most relevant sentences. @default 0.25 */
  maxTurnShare: number;
  /** The smallest room (tokens) worth pruning a turn into. @default 24 */
  minShrinkTokens: number;
  /** Word 3-gram Jaccard at or above which an older turn collapses into a newer one. @default 0.9 */
  duplicateThreshold: number;
  /**
   * The latest this many non-system turns always kept instead of `recentTurns` when the request gives a `query`
   * and no `messages` (a retrieval request: the recent tail has to earn its place like any other turn). @default 1
   */
  queryRecentTurns: number;
  /** Summarise the turns left out (relevance strategy). @default true */
  summary: boolean;
  /** Also summarise on a retrieval request (a `query` and no `messages`); its share goes to turns otherwise. @default false */
  querySummary: boolean;
  /** Share of the budget kept for the summary when turns are left out. @default 0.1 */
  summaryShare: number;
  /** Most tokens the summary message may take. @default 400 */
  summaryMaxTokens: number;
  /** How many of the best-scoring left-out turns the summary draws sentences from. @default 40 */
  summarySources: number;
  /** Token estimates for media parts. @default DEFAULT_MEDIA_TOKENS */
  media: MediaTokens;
  /** Encoding used when a request gives `budget_tokens` but no model. @default 'o200k_base' */
  defaultEncoding: EncodingName;
}

export const DEFAULT_CONTEXT_OPTIONS: Readonly<ContextOptions> = Object.freeze({
  scorer: DEFAULT_SCORER,
  recentTurns: 4,
  queryRecentTurns: 1,
  neighborThreshold: 0.5,
  neighborWeight: 0.5,
  maxTurnShare: 0.25,
  minShrinkTokens: 24,
  duplicateThreshold: 0.9,
  summary: true,
  querySummary: false,
  summaryShare: 0.1,
  summaryMaxTokens: 400,
  summarySources: 40,
  media: DEFAULT_MEDIA_TOKENS,
  defaultEncoding: 'o200k_base',
});

/** Options as a caller gives them: any subset; `scorer.weights` may be partial too. */
export type ContextOptionsInput = Partial<Omit<ContextOptions, 'scorer' | 'media'>> & {
  scorer?: Partial<Omit<ScorerOptions, 'weights' | 'prf' | 'neighbours'>> & { weights?: Partial<ScoreWeights>; prf?: Partial<PrfParams>; neighbours?: Partial<NeighbourParams> };
  media?: Partial<MediaTokens>;
};

function check(ok: boolean, what: string): void {
  if (!ok) throw siraError('SIRA_ERR_CONFIG_INVALID', `invalid context option ${what}`);
}
const frac = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1;
const count = (x: number) => Number.isSafeInteger(x) && x >= 0;

/** Merge `input` over the defaults and validate; throws SIRA_ERR_CONFIG_INVALID naming the bad option. */
export function resolveContextOptions(input: ContextOptionsInput = {}): ContextOptions {
  const d = DEFAULT_CONTEXT_OPTIONS;
  const s = input.scorer ?? {};
  const o: ContextOptions = {
    ...d,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    scorer: {
      ...d.scorer,
      ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
      weights: { ...d.scorer.weights, ...(s.weights ?? {}) },
      rolePrior: { ...d.scorer.rolePrior, ...(s.rolePrior ?? {}) },
      bm25: { ...d.scorer.bm25, ...(s.bm25 ?? {}) },
      prf: { ...d.scorer.prf, ...(s.prf ?? {}) },
      neighbours: { ...d.scorer.neighbours, ...(s.neighbours ?? {}) },
    },
    media: { ...d.media, ...(input.media ?? {}) },
  };
  for (const [k, w] of Object.entries(o.scorer.weights)) check(Number.isFinite(w) && w >= 0, `scorer.weights.${k}`);
  for (const [k, w] of Object.entries(o.scorer.rolePrior)) check(frac(w), `scorer.rolePrior.${k}`);
  check(Number.isFinite(o.scorer.halfLifeTurns) && o.scorer.halfLifeTurns > 0, 'scorer.halfLifeTurns');
  check(Number.isFinite(o.scorer.bm25.k1) && o.scorer.bm25.k1 >= 0 && frac(o.scorer.bm25.b), 'scorer.bm25');
  check(count(o.scorer.prf.docs) && count(o.scorer.prf.terms) && Number.isFinite(o.scorer.prf.weight) && o.scorer.prf.weight >= 0, 'scorer.prf');
  check(Number.isSafeInteger(o.scorer.prefixStem) && o.scorer.prefixStem >= 0, 'scorer.prefixStem');
  check(Number.isFinite(o.scorer.smoothing) && o.scorer.smoothing >= 0, 'scorer.smoothing');
  check(typeof o.scorer.denseMinMax === 'boolean', 'scorer.denseMinMax');
  check(typeof o.scorer.speakerTerms === 'boolean', 'scorer.speakerTerms');
  check(Number.isFinite(o.scorer.denseSmoothing) && o.scorer.denseSmoothing >= 0, 'scorer.denseSmoothing');
  const nb = o.scorer.neighbours;
  check(count(nb.terms) && Number.isFinite(nb.minSimilarity) && nb.minSimilarity >= -1 && nb.minSimilarity <= 1 && Number.isFinite(nb.weight) && nb.weight >= 0, 'scorer.neighbours');
  check(count(o.recentTurns), 'recentTurns');
  check(count(o.queryRecentTurns), 'queryRecentTurns');
  check(frac(o.neighborThreshold), 'neighborThreshold');
  check(frac(o.neighborWeight), 'neighborWeight');
  check(frac(o.maxTurnShare) && o.maxTurnShare > 0, 'maxTurnShare');
  check(count(o.minShrinkTokens), 'minShrinkTokens');
  check(frac(o.duplicateThreshold) && o.duplicateThreshold > 0, 'duplicateThreshold');
  check(typeof o.summary === 'boolean', 'summary');
  check(typeof o.querySummary === 'boolean', 'querySummary');
  check(frac(o.summaryShare), 'summaryShare');
  check(count(o.summaryMaxTokens), 'summaryMaxTokens');
  check(count(o.summarySources), 'summarySources');
  for (const [k, v] of Object.entries(o.media)) check(count(v), `media.${k}`);
  check(ENCODINGS.includes(o.defaultEncoding), 'defaultEncoding');
  return o;
}
