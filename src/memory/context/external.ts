/**
 * @module memory/context/external
 * Candidates from outside the session (DESIGN §4.5): an agent's past experiences and a user's earlier sessions.
 * They compete, by score, for at most `externalShare` of the budget the client's messages leave, and the chosen
 * ones are rendered as one labelled system message placed after the leading system turns.
 */
import type { JsonObject } from '../../core/types.ts';

/** A candidate from outside the session. */
export interface ExternalCandidate {
  /** Where it comes from. */
  source: 'experience' | 'session';
  /** Stable id: the experience id, or `<session>#<seq>`. */
  id: string;
  /** The text offered to the model (one line is best). */
  text: string;
  /** Relevance 0..1 (cosine similarity of the query to it, or a usefulness built on it). */
  score: number;
  /** Ids to trace it back: `{experience_id}` or `{session_id, seq}`. */
  ref?: JsonObject;
}

/** An external candidate in the explanation. */
export interface ExternalExplained {
  source: ExternalCandidate['source'];
  id: string;
  score: number;
  tokens: number;
  ref?: JsonObject;
  reason: 'score' | 'over_budget';
}

/** The external block of a context result. */
export interface ExternalResult {
  /** Tokens of the block message (0 when nothing was chosen). */
  tokens: number;
  selected: ExternalExplained[];
  dropped: ExternalExplained[];
}

/** First line of the block. */
export const EXTERNAL_HEADER = 'Relevant memory from outside this conversation (past runs of this agent, earlier sessions of this user). Use it only if it helps:';

const line = (c: ExternalCandidate) => `- [${c.source === 'experience' ? 'experience' : 'earlier session'} ${c.id}] ${c.text.replace(/\s+/g, ' ').trim()}`;

/**
 * Choose external candidates by score (ties by id) while the block fits `cap` tokens (`measure` counts a system
 * message's content exactly); returns the block's content (undefined when empty) and the explanation.
 */
export function selectExternal(cands: readonly ExternalCandidate[], cap: number, measure: (content: string) => number): { content: string | undefined; result: ExternalResult } {
  const order = [...cands].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lines: string[] = [];
  const selected: ExternalExplained[] = [];
  const dropped: ExternalExplained[] = [];
  let used = 0;
  for (const c of order) {
    const next = measure([EXTERNAL_HEADER, ...lines, line(c)].join('\n'));
    const base = { source: c.source, id: c.id, score: Math.round(c.score * 1e4) / 1e4, ...(c.ref === undefined ? {} : { ref: c.ref }) };
    if (next <= cap) {
      selected.push({ ...base, tokens: next - (lines.length === 0 ? 0 : used), reason: 'score' });
      lines.push(line(c));
      used = next;
    } else dropped.push({ ...base, tokens: measure([EXTERNAL_HEADER, line(c)].join('\n')), reason: 'over_budget' });
  }
  if (lines.length === 0) return { content: undefined, result: { tokens: 0, selected, dropped } };
  return { content: [EXTERNAL_HEADER, ...lines].join('\n'), result: { tokens: used, selected, dropped } };
}
