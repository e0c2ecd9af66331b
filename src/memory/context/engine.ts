/**
 * @module memory/context/engine
 * `buildContext`: the context window for the next model call (DESIGN §4). Turns are analysed (cached), scored
 * ({@link scoreCandidates}), near-duplicates collapsed, selected under the budget ({@link selectCandidates}),
 * long ones pruned and the rest summarised ({@link pruneText}, {@link summarize}), then rendered as OpenAI chat
 * messages in chronological order, the client's own messages last. The budget is never exceeded: every message
 * is counted exactly with the target model's encoding (the chat overhead, the summary and the client's messages
 * included) and the final list is counted again. Deterministic: ties are broken by seq.
 */
import { siraError } from '../../core/errors.ts';
import type { JsonObject, Role, Turn } from '../../core/types.ts';
import { turnText, turnToMessages, type ChatMessage } from '../../models/chat.ts';
import { countMessageTokens, loadTokenizer, REPLY_PRIMING_TOKENS, type EncodingName, type Tokenizer } from '../../models/tokens.ts';
import { TurnCache } from './analysis.ts';
import { idf } from './bm25.ts';
import { pruneSentences, summarize, withoutSeqs, type Summary, type SummarySource } from './compress.ts';
import { nearDuplicates } from './dedupe.ts';
import { selectExternal, type ExternalCandidate, type ExternalResult } from './external.ts';
import { DEFAULT_CONTEXT_OPTIONS, type ContextOptions } from './options.ts';
import { checkMessages, resolveBudget, resolveQuery, resolveStrategy, type Strategy } from './request.ts';
import { roundedComponents, scoreCandidates, type ScoreComponents } from './scorer.ts';
import { querySpeakers } from './speakers.ts';
import { fillSelection, selectCandidates, type Reason, type SelectCandidate } from './select.ts';
import { terms } from './text.ts';

/** First line of an abstractive rolling summary message. */
export const ROLLING_SUMMARY_HEADER = 'Summary of the earlier conversation';

/** A context request over a session's turns. */
export interface ContextRequest {
  /** The candidate turns (any order; chronological by seq is used). */
  turns: readonly Turn[];
  /** What the next call is about; default: the latest user message of `messages`. */
  query?: string;
  /** The client's new OpenAI-format messages: appended after the window and counted against the budget. */
  messages?: readonly unknown[];
  /** Token budget of the whole prompt. Give this or `model` (both: the smaller). */
  budgetTokens?: number;
  /** Target model: its encoding, and its window less `replyReserveTokens` as the budget. */
  model?: string;
  /** Tokens kept free for the reply when the budget comes from `model`. @default min(4096, max output, window / 4) */
  replyReserveTokens?: number;
  /** `relevance` (scored selection, compression, summary) or `recency` (newest turns that fit). @default 'relevance' */
  strategy?: string;
  /** Also list the dropped candidates with their scores and reasons. @default false */
  explain?: boolean;
  /** Render reasoning parts into the window (models/part-text.ts); left out otherwise. @default false */
  includeReasoning?: boolean;
  /** Whose turns these are, so per-turn counts and analyses are cached across requests. */
  scope?: { tenant: string; session: string };
  /** Embedding similarity of the query to each turn, by seq (the dense component; absent without embeddings). */
  dense?: ReadonlyMap<number, number>;
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
  resolveStrategy(req.strategy);
  const b = resolveBudget(req.budgetTokens, req.model, req.replyReserveTokens, opts.defaultEncoding);
  return buildContextSync(req, opts, await loadTokenizer(b.encoding), caches);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** {@link buildContext} with the tokenizer already loaded (it must be the request's encoding). */
export function buildContextSync(req: ContextRequest, opts: ContextOptions, tok: Tokenizer, caches?: ContextCaches): ContextResult {
  const strategy = resolveStrategy(req.strategy);
  const { budget, model } = resolveBudget(req.budgetTokens, req.model, req.replyReserveTokens, opts.defaultEncoding);
  const extra = checkMessages(req.messages ?? []);
  const query = resolveQuery(req.query, extra);
  const turns = [...req.turns].sort((a, b) => a.seq - b.seq);
  const n = turns.length;
  const count = (m: ChatMessage) => countMessageTokens(m, tok, opts.media);

  const extraTokens = extra.map(count);
  const fixed = REPLY_PRIMING_TOKENS + extraTokens.reduce((a, x) => a + x, 0);
  if (fixed > budget) {
    throw siraError('SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL', `the request's messages need ${fixed} tokens, the budget is ${budget}`, {
      details: { required_tokens: fixed, budget_tokens: budget },
    });
  }
  let available = budget - fixed;
  // Pinned blocks come first out of what is left, each only while it takes at most half of the rest.
  const pinned = (req.pinnedBlocks ?? []).map((b) => {
    const message: ChatMessage = { role: 'system', content: b.content };
    const tokens = count(message);
    const included = tokens <= Math.floor(available / 2);
    if (included) available -= tokens;
    return { title: b.title, tokens, included, message };
  });
  const pinnedTokens = pinned.reduce((a, p) => a + (p.included ? p.tokens : 0), 0);
  // Outside candidates take their share of what the client's messages leave; what they leave goes to the turns.
  const ext = req.external === undefined || req.external.length === 0 ? undefined : selectExternal(req.external, Math.min(available, Math.floor((budget - fixed) * (req.externalShare ?? 0.2))), (content) => count({ role: 'system', content }));
  available -= ext?.result.tokens ?? 0;

  // Tool calls and results: which ids have both halves, and which turns form one unit.
  const callAt = new Map<string, number>();
  const resultsAt = new Map<string, number[]>();
  turns.forEach((t, i) => {
    for (const p of t.parts) {
      if (p.type === 'tool_call' && !callAt.has(p.id)) callAt.set(p.id, i);
      else if (p.type === 'tool_result') resultsAt.set(p.tool_call_id, [...(resultsAt.get(p.tool_call_id) ?? []), i]);
    }
  });
  const answered = new Set(extra.flatMap((m) => (m.role === 'tool' && m.tool_call_id !== undefined ? [m.tool_call_id] : [])));
  const paired = new Set([...callAt.keys()].filter((id) => resultsAt.has(id) || answered.has(id)));
  const isPaired = (id: string) => paired.has(id);
  const root = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (root[i] === i ? i : (root[i] = find(root[i]!)));
  for (const id of paired) for (const r of resultsAt.get(id) ?? []) root[find(r)] = find(callAt.get(id)!);
  const groupOf = new Map<number, number[]>();
  for (let i = 0; i < n; i++) groupOf.set(find(i), [...(groupOf.get(find(i)) ?? []), i]);
  const groups = [...groupOf.values()].filter((g) => g.length > 1);
  const groupIndex = new Int32Array(n).fill(-1);
  groups.forEach((g, k) => g.forEach((i) => (groupIndex[i] = k)));

  // Per-turn analysis and exact token counts (cached per stored turn when the request names its session).
  const cache = caches?.turns ?? new TurnCache();
  const session = cache.session(caches === undefined ? undefined : req.scope);
  const entries = turns.map((t) => cache.entry(session, t));
  const analyses = entries.map((e) => e.analysis);
  const includeReasoning = req.includeReasoning === true;
  const render = (t: Turn) => turnToMessages(t, { isPaired, includeReasoning });
  const variantOf = (t: Turn) => {
    let v = '';
    for (const p of t.parts) {
      if (p.type === 'tool_call') v += paired.has(p.id) ? 'P' : 'u';
      else if (p.type === 'tool_result') v += paired.has(p.tool_call_id) ? 'P' : 'u';
      else if (p.type === 'image' || p.type === 'audio' || p.type === 'file' || p.type === 'document') v += `m${opts.media.image},${opts.media.audio},${opts.media.file}`;
      else if (p.type === 'reasoning' && includeReasoning) v += 'R';
    }
    return v;
  };
  const measureTurn = (t: Turn) => render(t).reduce((a, m) => a + count(m), 0);
  const tokens = turns.map((t, i) => entries[i]!.tokens(tok.encoding, variantOf(t), () => measureTurn(t)));
  const sentencesOf = (i: number) => entries[i]!.sentences(() => turnText(turns[i]!));
  const sentenceCost = (i: number) => entries[i]!.sentenceTokens(tok.encoding, () => turnText(turns[i]!), (x) => tok.count(x));

  const queryTerms = [...new Set(terms(query))];
  const newest = n > 0 ? turns[n - 1]!.seq : 0;
  const denseArr = req.dense === undefined ? undefined : turns.map((t) => req.dense!.get(t.seq) ?? 0);
  const speakers = querySpeakers(query, analyses.flatMap((a) => (a.speaker === undefined ? [] : [a.speaker])));
  // A named speaker is matched by the speaker component; as a term it would only find turns addressing them.
  const nameTerms = opts.scorer.speakerTerms ? new Set<string>() : new Set([...speakers].flatMap((s) => terms(s)));
  const { scores: scored, expansion } = scoreCandidates(
    turns.map((t, i) => ({ seq: t.seq, role: t.role, importance: analyses[i]!.importance, tf: analyses[i]!.tf, length: analyses[i]!.length, speaker: analyses[i]!.speaker })),
    queryTerms.filter((q) => !nameTerms.has(q)),
    newest,
    opts.scorer,
    denseArr,
    speakers,
  );
  // A retrieval request (a query, no messages) keeps only the recent tail and summary it is configured to.
  const retrieval = req.query !== undefined && extra.length === 0;
  const recentTurns = retrieval ? opts.queryRecentTurns : opts.recentTurns;
  const queryWeights = idf(analyses, queryTerms);

  // Near-duplicates: plain user/assistant turns outside the always-kept tail.
  let recentFrom = n;
  for (let i = n - 1, k = 0; i >= 0 && k < recentTurns; i--) {
    if (turns[i]!.role === 'system') continue;
    recentFrom = i;
    k++;
  }
  // Tool turns have no shingles, so eligibility does not depend on the request: the result is cached per session.
  const dupKey = `${n}:${turns[0]?.seq}:${turns[n - 1]?.seq}:${recentFrom}:${opts.duplicateThreshold}`;
  if (session.dedupe?.key !== dupKey) {
    const eligible = turns.map((t, i) => i < recentFrom && !t.pinned && (t.role === 'user' || t.role === 'assistant'));
    session.dedupe = { key: dupKey, result: nearDuplicates(analyses.map((a) => a.shingles), eligible, opts.duplicateThreshold) };
  }
  const dups = session.dedupe.result;
  const plain = (t: Turn) => t.role !== 'tool' && t.parts.every((p) => p.type === 'text' || p.type === 'tensor');
  const cands: SelectCandidate[] = turns.map((t, i) => ({
    seq: t.seq,
    role: t.role,
    tokens: tokens[i]!,
    score: scored[i]!.score,
    group: groupIndex[i]!,
    pinned: t.pinned,
    required: t.parts.some((p) => p.type === 'tool_call' && answered.has(p.id)),
    duplicateOf: dups[i]!,
    canShrink: plain(t),
  }));

  const pruned = new Map<number, ChatMessage>();
  const shrink = (i: number, max: number): number | undefined => {
    const m = render(turns[i]!)[0]!;
    const shell = (content: string): ChatMessage => ({ ...m, content });
    const measure = (c: string) => count(shell(c));
    const text = measure(m.content as string) <= max ? (m.content as string) : pruneSentences(sentencesOf(i), sentenceCost(i), queryWeights, max, measure);
    if (text === undefined) return undefined;
    pruned.set(i, shell(text));
    return count(shell(text));
  };

  const total = tokens.reduce((a, x) => a + x, 0);
  const reserveWanted = opts.summary && (opts.querySummary || !retrieval) && strategy === 'relevance' && total > available ? Math.min(opts.summaryMaxTokens, Math.floor(available * opts.summaryShare)) : 0;
  const reserve = reserveWanted >= 40 ? reserveWanted : 0;
  const selOpts = {
    strategy,
    recentTurns,
    neighborThreshold: opts.neighborThreshold,
    neighborWeight: opts.neighborWeight,
    maxTurnTokens: Math.max(opts.minShrinkTokens, Math.floor(available * opts.maxTurnShare)),
    minShrinkTokens: opts.minShrinkTokens,
  };
  const sel = selectCandidates(cands, groups, available - reserve, selOpts, shrink);
  for (let i = 0; i < n; i++) {
    if (cands[i]!.required && !sel.selected[i]) {
      throw siraError('SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL', `turn ${turns[i]!.seq} holds the tool call the request's messages answer and does not fit the budget ${budget}`, {
        details: { required_tokens: fixed + sel.tokens[i]!, budget_tokens: budget },
      });
    }
  }

  // The summary of what is left out, then whatever room it did not use goes back to turns.
  const speaker = (t: Turn) => t.name ?? t.role;
  const sysCount = (content: string) => count({ role: 'system', content });
  const sources = (): SummarySource[] =>
    [...Array(n).keys()]
      .filter((i) => !sel.selected[i] && cands[i]!.duplicateOf < 0)
      .sort((a, b) => cands[b]!.score - cands[a]!.score || cands[b]!.seq - cands[a]!.seq)
      .slice(0, opts.summarySources)
      .map((i) => ({ seq: turns[i]!.seq, speaker: speaker(turns[i]!), score: cands[i]!.score, sentences: sentencesOf(i), cost: sentenceCost(i) }));
  let summary: Summary | undefined;
  const rolling = req.rollingSummary;
  if (reserve > 0 && rolling !== undefined && rolling.content.length > 0) {
    const content = `${ROLLING_SUMMARY_HEADER} (through turn ${rolling.through_seq}):\n${rolling.content}`;
    // Quotes no seq: the fill below may still bring covered turns back in full.
    if (sysCount(content) <= reserve) summary = { content, seqs: [], lines: [] };
  }
  const abstractive = summary !== undefined;
  if (summary === undefined && reserve > 0) summary = summarize(sources(), queryWeights, reserve, sysCount);
  let summaryTokens = summary === undefined ? 0 : sysCount(summary.content);
  if (reserve > 0) {
    // The room the summary left goes back to turns, except those it already quotes.
    const quoted = new Set(summary?.seqs ?? []);
    fillSelection(cands, groups, sel, available - summaryTokens, selOpts, shrink, (i) => quoted.has(turns[i]!.seq));
    // A tool unit pulled in by the fill may hold a quoted turn: its lines go (the summary only shrinks).
    const inWindow = new Set(turns.filter((_, i) => sel.selected[i]).map((t) => t.seq));
    if (summary !== undefined && summary.seqs.some((q) => inWindow.has(q))) {
      summary = withoutSeqs(summary, (q) => inWindow.has(q));
      const t = summary === undefined ? 0 : sysCount(summary.content);
      if (t > summaryTokens) summary = undefined;
      summaryTokens = summary === undefined ? 0 : t;
    }
  }

  // Assemble: selected turns in order, the summary after the leading system turns, the client's messages last.
  const messages: ChatMessage[] = [];
  const selected: SelectedTurn[] = [];
  const dropped: DroppedTurn[] = [];
  const byPart: ContextResult['usage']['by_part'] = {
    system: 0,
    turns: 0,
    summary: summaryTokens,
    messages: fixed - REPLY_PRIMING_TOKENS,
    reply_priming: REPLY_PRIMING_TOKENS,
    ...(pinned.length > 0 ? { pinned: pinnedTokens } : {}),
  };
  let summaryPlaced = summary === undefined;
  let pinnedPlaced = pinnedTokens === 0;
  const placePinned = () => {
    for (const p of pinned) if (p.included) messages.push(p.message);
    pinnedPlaced = true;
  };
  let externalPlaced = ext?.content === undefined;
  if (ext !== undefined) byPart.external = ext.result.tokens;
  const components = (i: number): ScoreComponents => roundedComponents(scored[i]!.components);
  for (let i = 0; i < n; i++) {
    const t = turns[i]!;
    const base = { seq: t.seq, role: t.role, score: round(cands[i]!.score), components: components(i), reason: sel.reasons[i]!, tokens: sel.tokens[i]! };
    if (!sel.selected[i]) {
      if (req.explain === true) dropped.push({ ...base, tokens: tokens[i]! });
      continue;
    }
    if (!pinnedPlaced && t.role !== 'system') placePinned();
    if (!externalPlaced && t.role !== 'system') {
      messages.push({ role: 'system', content: ext!.content! });
      externalPlaced = true;
    }
    if (!summaryPlaced && t.role !== 'system') {
      messages.push({ role: 'system', content: summary!.content });
      summaryPlaced = true;
    }
    const p = pruned.get(i);
    messages.push(...(sel.shrunk[i] && p !== undefined ? [p] : render(t)));
    if (t.role === 'system') byPart.system += sel.tokens[i]!;
    else byPart.turns += sel.tokens[i]!;
    selected.push({ ...base, metadata: t.metadata, ...(sel.shrunk[i] ? { compressed: { original_tokens: tokens[i]! } } : {}) });
  }
  if (!pinnedPlaced) placePinned();
  if (!externalPlaced) messages.push({ role: 'system', content: ext!.content! });
  if (!summaryPlaced) messages.push({ role: 'system', content: summary!.content });
  messages.push(...extra);

  // Every part was counted exactly with the function it is sent with, so the sum is the prompt's count (the
  // property tests recount the final messages to hold this).
  const used = byPart.system + byPart.turns + byPart.summary + byPart.messages + byPart.reply_priming + pinnedTokens + (byPart.external ?? 0);
  if (used > budget) throw siraError('SIRA_ERR_INTERNAL', `context accounting error: used ${used}, budget ${budget}`);
  return {
    messages,
    selected,
    ...(req.explain === true ? { dropped } : {}),
    ...(summary === undefined
      ? {}
      : {
          summary: abstractive
            ? { content: summary.content, tokens: summaryTokens, seqs: [], kind: 'abstractive' as const, through_seq: rolling!.through_seq }
            : { content: summary.content, tokens: summaryTokens, seqs: summary.seqs, kind: 'extractive' as const },
        }),
    ...(pinned.length > 0 ? { pinned: pinned.map((p) => ({ title: p.title, tokens: p.tokens, included: p.included })) } : {}),
    usage: { budget, used, by_part: byPart, candidates: n, encoding: tok.encoding, model: model?.id ?? null, approximate: model?.approximate ?? false },
    strategy,
    query,
    expansion,
    ...(ext === undefined ? {} : { external: ext.result }),
  };
}
