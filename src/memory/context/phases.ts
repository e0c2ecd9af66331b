/**
 * @module memory/context/phases
 * The phases of {@link buildResolvedContext}, in the order it runs them: {@link allocate} (room left after the
 * client's messages, pinned blocks and outside candidates), {@link analyseTurns} (per-turn analyses and exact
 * counts), {@link scoreTurns}, {@link selectTurns}, {@link summarizeLeftOut}, {@link renderWindow} and
 * {@link explainWindow}. Each takes what the earlier ones produced and checks nothing the request resolution did.
 */
import { siraError } from '../../core/errors.ts';
import type { Turn } from '../../core/types.ts';
import { turnText, turnToMessages, type ChatMessage } from '../../models/chat.ts';
import { REPLY_PRIMING_TOKENS, type Tokenizer } from '../../models/tokens.ts';
import type { SentenceInfo, SessionEntries, TurnAnalysis, TurnCache } from './analysis.ts';
import { idf } from './bm25.ts';
import { pruneSentences, summarize, withoutSeqs, type QueryWeights, type Summary, type SummarySource } from './compress.ts';
import { nearDuplicates } from './dedupe.ts';
import type { ContextInputs, ContextResult, DroppedTurn, SelectedTurn } from './engine.ts';
import { selectExternal } from './external.ts';
import type { ContextOptions } from './options.ts';
import type { ResolvedContextRequest } from './request.ts';
import { roundedComponents, scoreCandidates, type Scored as CandidateScore } from './scorer.ts';
import { fillSelection, selectCandidates, type Selection as CandidateSelection, type SelectCandidate, type SelectOptions } from './select.ts';
import { querySpeakers } from './speakers.ts';
import { terms, words } from './text.ts';
import { neighbourTerms, type WordVectors } from './expand.ts';
import { turnVariant, type ToolUnits } from './units.ts';

/** First line of an abstractive rolling summary message. */
export const ROLLING_SUMMARY_HEADER = 'Summary of the earlier conversation';

type Count = (m: ChatMessage) => number;
const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The budget's split before any turn is chosen. */
export interface Room {
  /** Tokens of the client's messages plus the reply priming. */
  fixed: number;
  /** Tokens left for turns and the summary. */
  available: number;
  pinned: { title: string; tokens: number; included: boolean; message: ChatMessage }[];
  pinnedTokens: number;
  external: ReturnType<typeof selectExternal> | undefined;
}

/**
 * Phase 1, room: the client's messages (and reply priming) come off the budget first, then each pinned block while
 * it takes at most half of what is left, then the outside candidates' share. Throws
 * SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL when the client's messages alone do not fit.
 */
export function allocate(inputs: ContextInputs, request: ResolvedContextRequest, count: Count): Room {
  const { budget } = request;
  const fixed = REPLY_PRIMING_TOKENS + request.messages.reduce((a, m) => a + count(m), 0);
  if (fixed > budget) {
    throw siraError('SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL', `the request's messages need ${fixed} tokens, the budget is ${budget}`, {
      details: { required_tokens: fixed, budget_tokens: budget },
    });
  }
  let available = budget - fixed;
  const pinned = (inputs.pinnedBlocks ?? []).map((b) => {
    const message: ChatMessage = { role: 'system', content: b.content };
    const tokens = count(message);
    const included = tokens <= Math.floor(available / 2);
    if (included) available -= tokens;
    return { title: b.title, tokens, included, message };
  });
  const pinnedTokens = pinned.reduce((a, p) => a + (p.included ? p.tokens : 0), 0);
  const outside = inputs.external;
  const external =
    outside === undefined || outside.length === 0
      ? undefined
      : selectExternal(outside, Math.min(available, Math.floor((budget - fixed) * (inputs.externalShare ?? 0.2))), (content) => count({ role: 'system', content }));
  available -= external?.result.tokens ?? 0;
  return { fixed, available, pinned, pinnedTokens, external };
}

/** The session's turns analysed for this request. */
export interface AnalysedTurns {
  /** Chronological. */
  turns: Turn[];
  analyses: TurnAnalysis[];
  /** Exact tokens of each turn's messages in the window. */
  tokens: number[];
  /** A turn's messages as the window sends them (tool halves paired or not). */
  render: (t: Turn) => ChatMessage[];
  sentencesOf: (i: number) => SentenceInfo[];
  sentenceCost: (i: number) => number[];
  /** The per-session cache entry (duplicate detection is cached there). */
  session: SessionEntries;
}

/**
 * Phase 2, candidates: each turn's analysis, sentences and exact token count, cached per stored turn when the
 * request names its session (`scope`); the count's cache key includes how the turn renders (paired tool halves,
 * media costs).
 */
export function analyseTurns(turns: Turn[], units: ToolUnits, opts: ContextOptions, tok: Tokenizer, count: Count, cache: TurnCache, scope: ContextInputs['scope'], includeReasoning: boolean): AnalysedTurns {
  const session = cache.session(scope);
  const entries = turns.map((t) => cache.entry(session, t));
  const render = (t: Turn) => turnToMessages(t, { isPaired: units.isPaired, includeReasoning });
  const variantOf = (t: Turn) => turnVariant(t, units.isPaired, opts.media, includeReasoning);
  const measureTurn = (t: Turn) => render(t).reduce((a, m) => a + count(m), 0);
  return {
    turns,
    analyses: entries.map((e) => e.analysis),
    tokens: turns.map((t, i) => entries[i]!.tokens(tok.encoding, variantOf(t), () => measureTurn(t))),
    render,
    sentencesOf: (i) => entries[i]!.sentences(() => turnText(turns[i]!)),
    sentenceCost: (i) => entries[i]!.sentenceTokens(tok.encoding, () => turnText(turns[i]!), (x) => tok.count(x)),
    session,
  };
}

/** What scoring found. */
export interface Scored {
  scores: CandidateScore[];
  /** Terms the query was expanded with. */
  expansion: string[];
  /** BM25 weights of the query's terms over these turns (sentence pruning and the summary rank by them). */
  queryWeights: QueryWeights;
}

/**
 * Phase 3, score: lexical, dense, recency, importance and speaker components per turn. A speaker the query names is
 * matched by the speaker component; as a term it would only find turns addressing them, so it leaves the terms.
 * With a word embedder, the query's words bring in their nearest session words (memory/context/expand); the
 * session's names are never expanded.
 */
export function scoreTurns(analysed: AnalysedTurns, query: string, dense: ReadonlyMap<number, number> | undefined, opts: ContextOptions, wordVectors?: WordVectors): Scored {
  const { turns, analyses } = analysed;
  const queryTerms = [...new Set(terms(query))];
  const newest = turns.length > 0 ? turns.at(-1)!.seq : 0;
  const denseArr = dense === undefined ? undefined : turns.map((t) => dense.get(t.seq) ?? 0);
  const speakers = querySpeakers(query, analyses.flatMap((a) => (a.speaker === undefined ? [] : [a.speaker])));
  const nameTerms = opts.scorer.speakerTerms ? new Set<string>() : new Set([...speakers].flatMap((s) => terms(s)));
  const names = new Set(analyses.flatMap((a) => (a.speaker === undefined ? [] : words(a.speaker))));
  const near =
    wordVectors === undefined || query === '' || opts.scorer.neighbours.terms <= 0
      ? undefined
      : neighbourTerms(query, analysed.session, turns.map((t, i) => ({ seq: t.seq, words: analyses[i]!.words })), wordVectors, opts.scorer.neighbours, names);
  const { scores, expansion } = scoreCandidates(
    turns.map((t, i) => ({ seq: t.seq, role: t.role, importance: analyses[i]!.importance, tf: analyses[i]!.tf, length: analyses[i]!.length, speaker: analyses[i]!.speaker })),
    queryTerms.filter((q) => !nameTerms.has(q)),
    newest,
    opts.scorer,
    denseArr,
    speakers,
    near,
  );
  return { scores, expansion, queryWeights: idf(analyses, queryTerms) };
}

/** The selection and what the later phases need of it. */
export interface WindowSelection {
  cands: SelectCandidate[];
  sel: CandidateSelection;
  /** Turns pruned to their most relevant sentences, by index. */
  pruned: Map<number, ChatMessage>;
  /** Tokens kept for the summary (0: none). */
  reserve: number;
  selOpts: SelectOptions;
  shrink: (i: number, max: number) => number | undefined;
}

/** Which turns are near-duplicates of a kept one: plain user/assistant turns outside the recent tail, cached per session. */
function duplicates(analysed: AnalysedTurns, recentTurns: number, threshold: number): Int32Array {
  const { turns, analyses, session } = analysed;
  const n = turns.length;
  let recentFrom = n;
  for (let i = n - 1, k = 0; i >= 0 && k < recentTurns; i--) {
    if (turns[i]!.role === 'system') continue;
    recentFrom = i;
    k++;
  }
  // Tool turns have no shingles, so eligibility does not depend on the request: the result is cached per session.
  const key = `${n}:${turns[0]?.seq}:${turns[n - 1]?.seq}:${recentFrom}:${threshold}`;
  if (session.dedupe?.key !== key) {
    const eligible = turns.map((t, i) => i < recentFrom && !t.pinned && (t.role === 'user' || t.role === 'assistant'));
    session.dedupe = { key, result: nearDuplicates(analyses.map((a) => a.shingles), eligible, threshold) };
  }
  return session.dedupe.result;
}

/**
 * Phase 4, select: candidates (duplicates collapsed, tool units together, plain turns shrinkable) chosen under what
 * the room leaves after the summary reserve. Throws SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL when a turn the client's
 * messages answer does not fit.
 */
export function selectTurns(analysed: AnalysedTurns, units: ToolUnits, scored: Scored, room: Room, request: ResolvedContextRequest, opts: ContextOptions, count: Count): WindowSelection {
  const { turns, tokens, render } = analysed;
  const recentTurns = request.retrieval ? opts.queryRecentTurns : opts.recentTurns;
  const dups = duplicates(analysed, recentTurns, opts.duplicateThreshold);
  const plain = (t: Turn) => t.role !== 'tool' && t.parts.every((p) => p.type === 'text' || p.type === 'tensor');
  const cands: SelectCandidate[] = turns.map((t, i) => ({
    seq: t.seq,
    role: t.role,
    tokens: tokens[i]!,
    score: scored.scores[i]!.score,
    group: units.groupIndex[i]!,
    pinned: t.pinned,
    required: t.parts.some((p) => p.type === 'tool_call' && units.answered.has(p.id)),
    duplicateOf: dups[i]!,
    canShrink: plain(t),
  }));
  const { queryWeights } = scored;
  const pruned = new Map<number, ChatMessage>();
  const shrink = (i: number, max: number): number | undefined => {
    const m = render(turns[i]!)[0]!;
    const shell = (content: string): ChatMessage => ({ ...m, content });
    const measure = (c: string) => count(shell(c));
    const text = measure(m.content as string) <= max ? (m.content as string) : pruneSentences(analysed.sentencesOf(i), analysed.sentenceCost(i), queryWeights, max, measure);
    if (text === undefined) return undefined;
    pruned.set(i, shell(text));
    return count(shell(text));
  };
  const { available } = room;
  const total = tokens.reduce((a, x) => a + x, 0);
  const wantsSummary = opts.summary && (opts.querySummary || !request.retrieval) && request.strategy === 'relevance' && total > available;
  const reserveWanted = wantsSummary ? Math.min(opts.summaryMaxTokens, Math.floor(available * opts.summaryShare)) : 0;
  const reserve = reserveWanted >= 40 ? reserveWanted : 0;
  const selOpts: SelectOptions = {
    strategy: request.strategy,
    recentTurns,
    neighborThreshold: opts.neighborThreshold,
    neighborWeight: opts.neighborWeight,
    maxTurnTokens: Math.max(opts.minShrinkTokens, Math.floor(available * opts.maxTurnShare)),
    minShrinkTokens: opts.minShrinkTokens,
  };
  const sel = selectCandidates(cands, units.groups, available - reserve, selOpts, shrink);
  cands.forEach((c, i) => {
    if (c.required && !sel.selected[i]) {
      throw siraError('SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL', `turn ${c.seq} holds the tool call the request's messages answer and does not fit the budget ${request.budget}`, {
        details: { required_tokens: room.fixed + sel.tokens[i]!, budget_tokens: request.budget },
      });
    }
  });
  return { cands, sel, pruned, reserve, selOpts, shrink };
}

/** The summary of what was left out. */
export interface WindowSummary {
  summary: Summary | undefined;
  tokens: number;
  /** The stored rolling summary was used (it quotes no seq). */
  abstractive: boolean;
  throughSeq?: number;
}

/**
 * Phase 5, compress: within the reserve, the stored rolling summary when it fits, else an extractive summary of the
 * best left-out turns; the room it did not use goes back to turns (never to one it quotes), and a quoted turn pulled
 * back in by a tool unit loses its lines (the summary only shrinks).
 */
export function summarizeLeftOut(
  analysed: AnalysedTurns,
  units: ToolUnits,
  selection: WindowSelection,
  room: Room,
  rolling: ContextInputs['rollingSummary'],
  queryWeights: QueryWeights,
  opts: ContextOptions,
  count: Count,
): WindowSummary {
  const { turns } = analysed;
  const { cands, sel, reserve } = selection;
  if (reserve === 0) return { summary: undefined, tokens: 0, abstractive: false };
  const sysCount = (content: string) => count({ role: 'system', content });
  let summary: Summary | undefined;
  if (rolling !== undefined && rolling.content.length > 0) {
    const content = `${ROLLING_SUMMARY_HEADER} (through turn ${rolling.through_seq}):\n${rolling.content}`;
    // Quotes no seq: the fill below may still bring covered turns back in full.
    if (sysCount(content) <= reserve) summary = { content, seqs: [], lines: [] };
  }
  const abstractive = summary !== undefined;
  if (summary === undefined) {
    const sources: SummarySource[] = [...turns.keys()]
      .filter((i) => !sel.selected[i] && cands[i]!.duplicateOf < 0)
      .sort((a, b) => cands[b]!.score - cands[a]!.score || cands[b]!.seq - cands[a]!.seq)
      .slice(0, opts.summarySources)
      .map((i) => ({ seq: turns[i]!.seq, speaker: turns[i]!.name ?? turns[i]!.role, score: cands[i]!.score, sentences: analysed.sentencesOf(i), cost: analysed.sentenceCost(i) }));
    summary = summarize(sources, queryWeights, reserve, sysCount);
  }
  let tokens = summary === undefined ? 0 : sysCount(summary.content);
  const quoted = new Set(summary?.seqs ?? []);
  fillSelection(cands, units.groups, sel, room.available - tokens, selection.selOpts, selection.shrink, (i) => quoted.has(turns[i]!.seq));
  const inWindow = new Set(turns.filter((_, i) => sel.selected[i]).map((t) => t.seq));
  if (summary !== undefined && summary.seqs.some((q) => inWindow.has(q))) {
    summary = withoutSeqs(summary, (q) => inWindow.has(q));
    const t = summary === undefined ? 0 : sysCount(summary.content);
    if (t > tokens) summary = undefined;
    tokens = summary === undefined ? 0 : t;
  }
  return { summary, tokens, abstractive, ...(abstractive && rolling !== undefined ? { throughSeq: rolling.through_seq } : {}) };
}

/** The rendered window. */
export interface RenderedWindow {
  messages: ChatMessage[];
  selected: SelectedTurn[];
  dropped: DroppedTurn[];
  byPart: ContextResult['usage']['by_part'];
}

/**
 * Phase 6, render: selected turns in order; the pinned blocks, the outside candidates and the summary after the
 * leading system turns (in that order); the client's messages last.
 */
export function renderWindow(analysed: AnalysedTurns, scores: readonly CandidateScore[], selection: WindowSelection, room: Room, summary: WindowSummary, request: ResolvedContextRequest): RenderedWindow {
  const { turns, tokens, render } = analysed;
  const { cands, sel, pruned } = selection;
  const ext = room.external;
  const messages: ChatMessage[] = [];
  const selected: SelectedTurn[] = [];
  const dropped: DroppedTurn[] = [];
  const byPart: ContextResult['usage']['by_part'] = {
    system: 0,
    turns: 0,
    summary: summary.tokens,
    messages: room.fixed - REPLY_PRIMING_TOKENS,
    reply_priming: REPLY_PRIMING_TOKENS,
    ...(room.pinned.length > 0 ? { pinned: room.pinnedTokens } : {}),
    ...(ext === undefined ? {} : { external: ext.result.tokens }),
  };
  // What goes after the leading system turns, placed before the first other turn (or at the end).
  const lead: ChatMessage[] = [...room.pinned.flatMap((p) => (p.included ? [p.message] : []))];
  if (ext?.content !== undefined) lead.push({ role: 'system', content: ext.content });
  if (summary.summary !== undefined) lead.push({ role: 'system', content: summary.summary.content });
  let leadPlaced = false;
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i]!;
    const base = { seq: t.seq, role: t.role, score: round(cands[i]!.score), components: roundedComponents(scores[i]!.components), reason: sel.reasons[i]!, tokens: sel.tokens[i]! };
    if (!sel.selected[i]) {
      if (request.explain) dropped.push({ ...base, tokens: tokens[i]! });
      continue;
    }
    if (!leadPlaced && t.role !== 'system') {
      messages.push(...lead);
      leadPlaced = true;
    }
    const p = pruned.get(i);
    messages.push(...(sel.shrunk[i] && p !== undefined ? [p] : render(t)));
    if (t.role === 'system') byPart.system += sel.tokens[i]!;
    else byPart.turns += sel.tokens[i]!;
    selected.push({ ...base, metadata: t.metadata, ...(sel.shrunk[i] ? { compressed: { original_tokens: tokens[i]! } } : {}) });
  }
  if (!leadPlaced) messages.push(...lead);
  messages.push(...request.messages);
  return { messages, selected, dropped, byPart };
}

/**
 * Phase 7, explain: the result with its usage. Every part was counted exactly with the function it is sent with, so
 * the sum is the prompt's count (the property tests recount the final messages to hold this).
 */
export function explainWindow(analysed: AnalysedTurns, scored: Scored, room: Room, summary: WindowSummary, window: RenderedWindow, request: ResolvedContextRequest, tok: Tokenizer): ContextResult {
  const { byPart } = window;
  const used = byPart.system + byPart.turns + byPart.summary + byPart.messages + byPart.reply_priming + room.pinnedTokens + (byPart.external ?? 0);
  if (used > request.budget) throw siraError('SIRA_ERR_INTERNAL', `context accounting error: used ${used}, budget ${request.budget}`);
  const s = summary.summary;
  return {
    messages: window.messages,
    selected: window.selected,
    ...(request.explain ? { dropped: window.dropped } : {}),
    ...(s === undefined
      ? {}
      : {
          summary: summary.abstractive
            ? { content: s.content, tokens: summary.tokens, seqs: [], kind: 'abstractive' as const, through_seq: summary.throughSeq! }
            : { content: s.content, tokens: summary.tokens, seqs: s.seqs, kind: 'extractive' as const },
        }),
    ...(room.pinned.length > 0 ? { pinned: room.pinned.map((p) => ({ title: p.title, tokens: p.tokens, included: p.included })) } : {}),
    usage: { budget: request.budget, used, by_part: byPart, candidates: analysed.turns.length, encoding: tok.encoding, model: request.model?.id ?? null, approximate: request.model?.approximate ?? false },
    strategy: request.strategy,
    query: request.query,
    expansion: scored.expansion,
    ...(room.external === undefined ? {} : { external: room.external.result }),
  };
}
