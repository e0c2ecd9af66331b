/**
 * @module memory/context/engine
 * `buildContext`: the context window for the next model call (DESIGN §4). Turns are analysed (cached), scored
 * ({@link scoreCandidates}), near-duplicates collapsed, selected under the budget ({@link selectCandidates}),
 * long ones pruned and the rest summarised ({@link pruneText}, {@link summarize}), then rendered as OpenAI chat
 * messages in chronological order, the client's own messages last. The budget is never exceeded: every message
 * is counted exactly with the target model's encoding (the chat overhead, the summary and the client's messages
 * included) and the final list is counted again. Deterministic: ties are broken by seq.
 */
import type { JsonObject, Role, Turn } from '../../core/types.ts';
import type { ChatMessage } from '../../models/chat.ts';
import { countMessageTokens, loadTokenizer, type EncodingName, type Tokenizer } from '../../models/tokens.ts';
import { TurnCache } from './analysis.ts';
import type { WordVectors } from './expand.ts';
import type { ExternalCandidate, ExternalResult } from './external.ts';
import { DEFAULT_CONTEXT_OPTIONS, type ContextOptions } from './options.ts';
import { allocate, analyseTurns, explainWindow, renderWindow, scoreTurns, selectTurns, summarizeLeftOut } from './phases.ts';
import { resolveContextRequest, type ContextRequestFields, type ResolvedContextRequest, type Strategy } from './request.ts';
import type { ScoreComponents } from './scorer.ts';
import type { Reason } from './select.ts';
import { toolUnits } from './units.ts';

export { ROLLING_SUMMARY_HEADER } from './phases.ts';

/** What a context request holds besides its resolved fields: the session's material. */
export interface ContextInputs {
  /** The candidate turns (any order; chronological by seq is used). */
  turns: readonly Turn[];
  /** Whose turns these are, so per-turn counts and analyses are cached across requests. */
  scope?: { tenant: string; session: string };
  /** Embedding similarity of the query to each turn, by seq (the dense component; absent without embeddings). */
  dense?: ReadonlyMap<number, number>;
  /** A synchronous word embedder (the static one's `embedSync`): query expansion with neighbour words. @default none */
  wordVectors?: WordVectors;
  /**
   * An abstractive rolling summary of the turns up to `through_seq` (memory/rolling-summary). When it fits the
   * summary reserve it is sent instead of the extractive summary. @default none
   */
  rollingSummary?: { content: string; through_seq: number };
  /**
   * Blocks pinned after the leading system turns (e.g. the user's facts and preferences), as system messages in
   * this order. Each is counted exactly against the budget and kept only while it takes at most half of what is
   * left after the client's messages; `pinned` in the result says which were kept.
   */
  pinnedBlocks?: readonly { title: string; content: string }[];
  /** Candidates from outside the session (experiences, earlier sessions): one labelled system message. */
  external?: readonly ExternalCandidate[];
  /** Most of the budget left after the client's messages that `external` may take. @default 0.2 */
  externalShare?: number;
}

/** A context request over a session's turns, as a library caller gives it (resolved by {@link buildContext}). */
export interface ContextRequest extends ContextInputs, ContextRequestFields {}

/** A selected turn and why. */
export interface SelectedTurn {
  seq: number;
  role: Role;
  score: number;
  components: ScoreComponents;
  /** The turn's client metadata, unchanged. */
  metadata: JsonObject | null;
  reason: Reason;
  /** Tokens its messages take in the window. */
  tokens: number;
  /** Present when the turn was pruned to its most relevant sentences. */
  compressed?: { original_tokens: number };
}

/** A candidate left out and why (`explain` only). */
export interface DroppedTurn {
  seq: number;
  role: Role;
  score: number;
  components: ScoreComponents;
  reason: Reason;
  tokens: number;
}

/** The context window and its explanation. */
export interface ContextResult {
  /** OpenAI chat messages, ready to send: the window in chronological order, then the client's messages. */
  messages: ChatMessage[];
  selected: SelectedTurn[];
  dropped?: DroppedTurn[];
  /**
   * The summary of left-out turns, also present in `messages` as a system message: `extractive` (quoting `seqs`)
   * or `abstractive` (the stored rolling summary, covering every turn up to `through_seq`).
   */
  summary?: { content: string; tokens: number; seqs: number[]; kind: 'extractive' | 'abstractive'; through_seq?: number };
  /** The pinned blocks asked for, with their exact tokens and whether they are in `messages` (only when asked for). */
  pinned?: { title: string; tokens: number; included: boolean }[];
  usage: {
    budget: number;
    /** Exact tokens of `messages` with the reply priming; never above `budget`. */
    used: number;
    by_part: { system: number; turns: number; summary: number; messages: number; reply_priming: number; pinned?: number; external?: number };
    candidates: number;
    encoding: EncodingName;
    model: string | null;
    /** True when the model's tokenizer is approximated by an OpenAI encoding. */
    approximate: boolean;
    /** With an embedder: its id, the query embedding's time (ms, 0 when cached or no query) and turns with vectors. */
    embedding?: { model: string; query_ms: number; turns_embedded: number; error?: string };
  };
  strategy: Strategy;
  query: string;
  /** Terms the query was expanded with (pseudo-relevance feedback from the best-matching turns). */
  expansion: string[];
  /** The external candidates chosen and left out (when the request gave any). */
  external?: ExternalResult;
}

/** Caches shared across requests (one per service). */
export interface ContextCaches {
  /** Per-turn analyses, token counts and sentences, by session. */
  turns: TurnCache;
}

/** Fresh caches; `maxTurns` bounds the turns held. @default 20000 */
export function createContextCaches(maxTurns?: number): ContextCaches {
  return { turns: new TurnCache(maxTurns) };
}

/** Build the context window (loads the encoding's tables on first use). */
export async function buildContext(req: ContextRequest, opts: ContextOptions = DEFAULT_CONTEXT_OPTIONS, caches?: ContextCaches): Promise<ContextResult> {
  const request = resolveContextRequest(req, opts.defaultEncoding);
  return buildResolvedContext(req, request, opts, await loadTokenizer(request.encoding), caches);
}

/** {@link buildContext} with the tokenizer already loaded (it must be the request's encoding). */
export function buildContextSync(req: ContextRequest, opts: ContextOptions, tok: Tokenizer, caches?: ContextCaches): ContextResult {
  return buildResolvedContext(req, resolveContextRequest(req, opts.defaultEncoding), opts, tok, caches);
}

/**
 * The window for a request resolved at the edge ({@link resolveContextRequest}; `tok` is its encoding's), in named
 * phases: room (the budget left after the client's messages, pinned blocks and outside candidates) → candidates
 * (per-turn analyses and exact counts, cached) → score → select (duplicates, tool units, shrinking) → compress (the
 * summary of what was left out, its unused room back to turns) → render → explain.
 */
export function buildResolvedContext(inputs: ContextInputs, request: ResolvedContextRequest, opts: ContextOptions, tok: Tokenizer, caches?: ContextCaches): ContextResult {
  const turns = [...inputs.turns].sort((a, b) => a.seq - b.seq);
  const count = (m: ChatMessage) => countMessageTokens(m, tok, opts.media);
  const room = allocate(inputs, request, count);
  const units = toolUnits(turns, request.messages);
  const analysed = analyseTurns(turns, units, opts, tok, count, caches?.turns ?? new TurnCache(), caches === undefined ? undefined : inputs.scope, request.includeReasoning);
  const scored = scoreTurns(analysed, request.query, inputs.dense, opts, inputs.wordVectors);
  const selection = selectTurns(analysed, units, scored, room, request, opts, count);
  const summary = summarizeLeftOut(analysed, units, selection, room, inputs.rollingSummary, scored.queryWeights, opts, count);
  const window = renderWindow(analysed, scored.scores, selection, room, summary, request);
  return explainWindow(analysed, scored, room, summary, window, request, tok);
}
