/**
 * @module memory/context/request
 * The parts of a context request that do not depend on the session: its budget (tokens, or a model's window less
 * a reply reserve), its strategy, and the client's own messages (checked, and the latest user message taken as
 * the query when none is given).
 */
import { siraError } from '../../core/errors.ts';
import { QUERY_MAX_CHARS, textHead } from '../../core/text-limits.ts';
import type { ChatMessage } from '../../models/chat.ts';
import { defaultReplyReserve, resolveModel, type EncodingName, type ModelInfo } from '../../models/tokens.ts';

/** Largest budget accepted (tokens). */
export const MAX_BUDGET_TOKENS = 10_000_000;

export type Strategy = 'relevance' | 'recency';
export const STRATEGIES: readonly Strategy[] = ['relevance', 'recency'];

/** The resolved budget of a request. */
export interface Budget {
  budget: number;
  encoding: EncodingName;
  model: ModelInfo | undefined;
}

/**
 * The token budget: `budgetTokens`, or the model's window less `replyReserve` (default {@link defaultReplyReserve}),
 * the smaller of the two when both are given. Throws SIRA_ERR_CONTEXT_BUDGET_INVALID / SIRA_ERR_CONTEXT_MODEL_UNKNOWN.
 */
export function resolveBudget(budgetTokens: number | undefined, model: string | undefined, replyReserve: number | undefined, fallback: EncodingName): Budget {
  if (budgetTokens !== undefined && (!Number.isSafeInteger(budgetTokens) || budgetTokens < 1 || budgetTokens > MAX_BUDGET_TOKENS)) {
    throw siraError('SIRA_ERR_CONTEXT_BUDGET_INVALID', `budget_tokens must be an integer from 1 to ${MAX_BUDGET_TOKENS}`);
  }
  if (model === undefined) {
    if (budgetTokens === undefined) throw siraError('SIRA_ERR_CONTEXT_BUDGET_INVALID', 'give budget_tokens or model');
    return { budget: budgetTokens, encoding: fallback, model: undefined };
  }
  const info = resolveModel(model);
  const reserve = replyReserve ?? defaultReplyReserve(info);
  if (!Number.isSafeInteger(reserve) || reserve < 0 || reserve >= info.contextWindow) {
    throw siraError('SIRA_ERR_CONTEXT_BUDGET_INVALID', `reply_reserve_tokens must be an integer from 0 to ${info.contextWindow - 1} for ${info.id}`);
  }
  const windowBudget = info.contextWindow - reserve;
  return { budget: budgetTokens === undefined ? windowBudget : Math.min(budgetTokens, windowBudget), encoding: info.encoding, model: info };
}

/** The strategy, default `relevance`; throws SIRA_ERR_REQUEST_INVALID for another value. */
export function resolveStrategy(s: string | undefined): Strategy {
  if (s === undefined) return 'relevance';
  if (!(STRATEGIES as readonly string[]).includes(s)) throw siraError('SIRA_ERR_REQUEST_INVALID', `strategy must be one of ${STRATEGIES.join(', ')}`);
  return s as Strategy;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Check the client's messages are OpenAI chat messages; throws SIRA_ERR_REQUEST_INVALID naming the first bad one. */
export function checkMessages(messages: readonly unknown[]): ChatMessage[] {
  return messages.map((raw, i) => {
    const bad = (what: string) => siraError('SIRA_ERR_REQUEST_INVALID', `messages[${i}]${what}`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(' must be an object');
    const m = raw as Record<string, unknown>;
    if (typeof m.role !== 'string' || !ROLES.has(m.role)) throw bad('.role must be one of system, developer, user, assistant, tool');
    const c = m.content;
    if (!(c === null || c === undefined || typeof c === 'string' || (Array.isArray(c) && c.every((p) => typeof p === 'object' && p !== null && typeof (p as { type?: unknown }).type === 'string')))) {
      throw bad('.content must be a string, null or a list of typed parts');
    }
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') throw bad('.tool_call_id is required on a tool message');
    if (m.name !== undefined && typeof m.name !== 'string') throw bad('.name must be a string');
    if (m.tool_calls !== undefined) {
      const ok = Array.isArray(m.tool_calls) && m.tool_calls.every((t) => {
        const f = (t as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
        return typeof (t as { id?: unknown })?.id === 'string' && typeof f?.name === 'string' && typeof f.arguments === 'string';
      });
      if (!ok) throw bad('.tool_calls must be [{id, type: "function", function: {name, arguments}}]');
    }
    return { ...m, content: c ?? null } as unknown as ChatMessage;
  });
}

/** The text of a message's content (text parts joined). */
export function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return '';
  return m.content.flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [p.text] : [])).join('\n');
}

/** The query: the given one, else the text of the latest user message, else empty; its first {@link QUERY_MAX_CHARS} characters. */
export function resolveQuery(query: string | undefined, messages: readonly ChatMessage[]): string {
  if (query !== undefined) return textHead(query, QUERY_MAX_CHARS);
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return textHead(messageText(messages[i]!), QUERY_MAX_CHARS);
  return '';
}

/** A context request's session-independent fields, as a caller gives them. */
export interface ContextRequestFields {
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
}

/**
 * A context request resolved once at the edge ({@link resolveContextRequest}): every inner layer trusts it and
 * checks nothing again.
 */
export interface ResolvedContextRequest {
  strategy: Strategy;
  /** Tokens the whole prompt may take. */
  budget: number;
  /** The encoding counted with (the model's, else the service default). */
  encoding: EncodingName;
  /** The target model, when one was named. */
  model: ModelInfo | undefined;
  /** The client's messages, checked. */
  messages: ChatMessage[];
  /** The query: the given one, else the latest user message's text (capped). */
  query: string;
  /** A query given and no messages: a retrieval request (its own recent tail and summary settings). */
  retrieval: boolean;
  /** List the dropped candidates too. */
  explain: boolean;
  /** Render reasoning parts into the window (left out otherwise). */
  includeReasoning: boolean;
}

/**
 * Resolve and check a request: strategy, budget, messages and query, in that order of errors. Throws
 * SIRA_ERR_REQUEST_INVALID (strategy, messages), SIRA_ERR_CONTEXT_BUDGET_INVALID or SIRA_ERR_CONTEXT_MODEL_UNKNOWN.
 */
export function resolveContextRequest(req: ContextRequestFields, fallback: EncodingName): ResolvedContextRequest {
  const strategy = resolveStrategy(req.strategy);
  const { budget, encoding, model } = resolveBudget(req.budgetTokens, req.model, req.replyReserveTokens, fallback);
  if (req.messages !== undefined && !Array.isArray(req.messages)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'messages must be an array');
  const messages = checkMessages(req.messages ?? []);
  const query = resolveQuery(req.query, messages);
  return { strategy, budget, encoding, model, messages, query, retrieval: req.query !== undefined && messages.length === 0, explain: req.explain === true, includeReasoning: req.includeReasoning === true };
}

/**
 * The `X-Sira-Budget-Tokens` header of the gateway routes: undefined when absent or empty, else an integer from 1 to
 * {@link MAX_BUDGET_TOKENS}; throws SIRA_ERR_CONTEXT_BUDGET_INVALID otherwise.
 */
export function parseBudgetHeader(value: string | string[] | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BUDGET_TOKENS) throw siraError('SIRA_ERR_CONTEXT_BUDGET_INVALID', `X-Sira-Budget-Tokens must be an integer from 1 to ${MAX_BUDGET_TOKENS}`);
  return n;
}
