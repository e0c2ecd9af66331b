/**
 * @module memory/context/prepare
 * The per-request time budget of a context build (issue 11: no request may stall the service). The costly part of
 * a first build over a session is per turn — lexical analysis, exact token counts, sentences and their counts —
 * and all of it is cached, so {@link prepareTurns} does it up front, asynchronously, a bounded slice at a time
 * with the event loop free between slices, checking the request's {@link WorkBudget}; the synchronous engine then
 * runs on warm caches under what is left of the budget (its tokenizer is wrapped by {@link budgetedTokenizer}).
 * Work done before a budget runs out stays cached, so a retry continues where the refused request stopped.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { siraError } from '../../core/errors.ts';
import type { Turn } from '../../core/types.ts';
import { turnText, turnToMessages } from '../../models/chat.ts';
import type { ChatMessage } from '../../models/chat.ts';
import { countMessageTokens, countTokensChecked, countTokensPaced, DEFAULT_MEDIA_TOKENS, PIECE_CHARS, type MediaTokens, type Tokenizer } from '../../models/tokens.ts';
import type { ContextCaches } from './engine.ts';
import { turnVariant } from './units.ts';

/** Longest stretch of work (ms) before the event loop is given a turn. */
export const SLICE_MS = 10;
/**
 * Most ms of work the engine's synchronous pass (scoring, selection, pruning on warm caches) may take: a safety net
 * only. That pass is bounded by construction — O(turns) with turns ≤ contextMaxTurns, every per-turn cost warmed by
 * {@link prepareTurns}, new counts (pruned text) mostly memoised pieces — and is not charged to the request's
 * budget, so a session whose turns are warm always builds (2,000 warm turns: ≈ 110 ms on a loaded 2-vCPU machine).
 */
export const ENGINE_MAX_MS = 1000;
/** Seconds a client is told to wait (Retry-After) when a build ran out of time. */
export const RETRY_AFTER_SECONDS = 1;

/** Ms of CPU time the calling (event-loop) thread has used: work, whatever else the machine is doing. */
export function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * A request's allowance of work: ms on an injected clock — by default the event-loop thread's CPU time, counted
 * only inside this request's own slices (what other requests do while it yields is theirs), so a loaded machine
 * does not turn a budget of work into a budget of waiting.
 */
export class WorkBudget {
  readonly budgetMs: number;
  readonly #clock: () => number;
  #spent = 0;
  #sliceStart: number;

  /** @param budgetMs ms of work allowed (0: unbounded). @param clock ms, monotonic. @default threadCpuMs */
  constructor(budgetMs: number, clock: () => number = threadCpuMs) {
    this.budgetMs = budgetMs > 0 ? budgetMs : Infinity;
    this.#clock = clock;
    this.#sliceStart = clock();
  }

  /** Ms of work spent so far. */
  get spentMs(): number {
    return this.#spent + this.#clock() - this.#sliceStart;
  }

  /** Ms on the budget's clock (for {@link checkSince}). */
  now(): number {
    return this.#clock();
  }

  /** Throws SIRA_ERR_CONTEXT_TIME_EXCEEDED (503, Retry-After) when the budget is spent; `phase` names where. */
  check(phase: string): void {
    if (this.#spent + this.#clock() - this.#sliceStart > this.budgetMs) throw this.#exceeded(phase, this.budgetMs);
  }

  /** Throws SIRA_ERR_CONTEXT_TIME_EXCEEDED when more than `maxMs` of work passed since `since` (on this clock). */
  checkSince(phase: string, since: number, maxMs: number): void {
    if (this.#clock() - since > maxMs) throw this.#exceeded(phase, maxMs);
  }

  #exceeded(phase: string, budgetMs: number) {
    return siraError('SIRA_ERR_CONTEXT_TIME_EXCEEDED', `building the context took more than its ${budgetMs} ms budget of work (in ${phase}); the work done is cached, retry shortly`, {
      details: { budget_ms: budgetMs, phase, retry_after_seconds: RETRY_AFTER_SECONDS },
    });
  }

  /** Gives the event loop a turn when the current slice is over {@link SLICE_MS}, then checks the budget. */
  async pace(phase: string): Promise<void> {
    const now = this.#clock();
    if (now - this.#sliceStart >= SLICE_MS) {
      this.#spent += now - this.#sliceStart;
      await yieldToLoop();
      this.#sliceStart = this.#clock();
    }
    this.check(phase);
  }
}

/**
 * `tok` checking, between the pieces of every count, that the synchronous pass begun now stays under
 * {@link ENGINE_MAX_MS} of work (else it throws SIRA_ERR_CONTEXT_TIME_EXCEEDED).
 */
export function budgetedTokenizer(tok: Tokenizer, budget: WorkBudget): Tokenizer {
  const since = budget.now();
  const between = () => budget.checkSince('engine', since, ENGINE_MAX_MS);
  return {
    encoding: tok.encoding,
    count(text) {
      between();
      return countTokensChecked(tok, text, between);
    },
  };
}

/** The strings of a chat message that are counted (content, text parts, name, tool call names and arguments). */
function countedStrings(m: ChatMessage): string[] {
  const out: string[] = [m.role];
  if (typeof m.content === 'string') out.push(m.content);
  else if (Array.isArray(m.content)) for (const p of m.content) if (p.type === 'text') out.push(p.text);
  if (m.name !== undefined) out.push(m.name);
  for (const c of m.tool_calls ?? []) out.push(c.function.name, c.function.arguments);
  return out;
}

/** Count `messages`' strings a piece at a time under `budget` (warming the counts the engine makes next). */
export async function prepareMessages(messages: readonly ChatMessage[], tok: Tokenizer, budget: WorkBudget): Promise<void> {
  const pace = () => budget.pace('tokens');
  for (const m of messages) for (const s of countedStrings(m)) await countTokensPaced(tok, s, pace);
}

/** Texts of at least this many characters get their sentences split and counted ahead (the ones pruning needs). */
const SENTENCES_FROM_CHARS = 1024;

/**
 * Warm the caches a context build over `turns` reads: each turn's analysis, the counts of its rendered messages
 * (paired and unpaired tool renderings) and, for long turns, its sentences and their counts. Yields between
 * slices of work; throws SIRA_ERR_CONTEXT_TIME_EXCEEDED once `budget` is spent (what was done stays cached).
 */
export async function prepareTurns(
  turns: readonly Turn[],
  tok: Tokenizer,
  caches: ContextCaches,
  scope: { tenant: string; session: string },
  budget: WorkBudget,
  media: MediaTokens = DEFAULT_MEDIA_TOKENS,
): Promise<void> {
  const session = caches.turns.session(scope);
  for (const t of turns) {
    // Warmed by an earlier request: its counts are cached in the entry (or its pieces memoised), nothing to pace.
    const known = session.turns.get(t.seq);
    if (known !== undefined && known.created_at === t.created_at && known.prepared.has(tok.encoding)) continue;
    await budget.pace('analysis');
    const entry = caches.turns.entry(session, t);
    const tools = t.parts.some((p) => p.type === 'tool_call' || p.type === 'tool_result');
    for (const paired of tools ? [true, false] : [true]) {
      const isPaired = () => paired;
      const messages = turnToMessages(t, { isPaired });
      // Long strings are counted a piece at a time (their pieces are memoised); then the turn's total is cached in
      // its entry under the key the engine reads, so the engine counts nothing again.
      for (const m of messages) for (const s of countedStrings(m)) if (s.length > PIECE_CHARS) await countTokensPaced(tok, s, () => budget.pace('tokens'));
      entry.tokens(tok.encoding, turnVariant(t, isPaired, media), () => messages.reduce((a, m) => a + countMessageTokens(m, tok, media), 0));
      await budget.pace('tokens');
    }
    const text = turnText(t);
    if (text.length >= SENTENCES_FROM_CHARS) {
      await budget.pace('sentences');
      entry.sentences(() => text);
      await budget.pace('sentence tokens');
      const counts = new Map<string, number>();
      for (const x of entry.sentences(() => text)) {
        counts.set(x.text, await countTokensPaced(tok, x.text, () => budget.pace('sentence tokens')));
        await budget.pace('sentence tokens');
      }
      entry.sentenceTokens(tok.encoding, () => text, (x) => counts.get(x) ?? tok.count(x));
    }
    entry.prepared.add(tok.encoding);
  }
}
