/** @module memory/context — the context engine: scoring, selection, compression and summaries (DESIGN §4). */
export { buildContext, buildContextSync, buildResolvedContext, createContextCaches, type ContextCaches, type ContextInputs, type ContextRequest, type ContextResult, type DroppedTurn, type SelectedTurn } from './engine.ts';
export { DEFAULT_CONTEXT_OPTIONS, resolveContextOptions, type ContextOptions, type ContextOptionsInput } from './options.ts';
export { MAX_BUDGET_TOKENS, STRATEGIES, checkMessages, messageText, parseBudgetHeader, resolveBudget, resolveContextRequest, resolveQuery, resolveStrategy, type ResolvedContextRequest, type Strategy } from './request.ts';
export { DEFAULT_WEIGHTS, DEFAULT_ROLE_PRIOR, DEFAULT_SCORER, lexicalScores, scoreCandidates, type ScoreComponents, type ScoreWeights, type ScorerOptions } from './scorer.ts';
export { analyzeTurn, sentenceInfos, TurnCache, TurnEntry, type SentenceInfo, type SessionEntries, type TurnAnalysis } from './analysis.ts';
export { bm25Scores, bm25Weighted, expansionTerms, idf, prefixDoc, prefixTerm, termFrequencies, DEFAULT_BM25, DEFAULT_PRF, type Bm25Doc, type Bm25Params, type PrfParams } from './bm25.ts';
export { textImportance, turnImportance, IMPORTANCE_FEATURES } from './importance.ts';
export { pruneSentences, pruneText, summarize, sentenceScore, SUMMARY_HEADER, type SummarySource } from './compress.ts';
export { nearDuplicates } from './dedupe.ts';
export { selectExternal, EXTERNAL_HEADER, type ExternalCandidate, type ExternalExplained, type ExternalResult } from './external.ts';
export { selectCandidates, fillSelection, type Reason, type SelectCandidate, type SelectOptions } from './select.ts';
export { stem } from './stem.ts';
export { terms, words, sentences, shingles, jaccard, isStopword } from './text.ts';
export { querySpeakers, splitHeader, turnSpeaker, type SplitText } from './speakers.ts';
