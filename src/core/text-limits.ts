/**
 * @module core/text-limits
 * How much of one text the per-turn analyses look at (issue 11: no request may stall the service). A turn may hold
 * up to `limits.maxTurnBytes` of text, but lexical analysis (BM25 terms, importance, shingles, sentences for
 * pruning and summaries), profile extraction, intent features and embedding look only at its head, so their work
 * per turn is bounded whatever the client sends. Token counts have their own bound (models/tokens `boundedCount`).
 */
import type { Turn } from './types.ts';

/** Characters of a turn's text that lexical analysis, sentence splitting and profile extraction read. */
export const ANALYSIS_MAX_CHARS = 16_384;
/** Characters of a turn's (or query's) text an embedder is given (encoders truncate at ~512 tokens anyway). */
export const EMBED_MAX_CHARS = 8_192;
/** Characters of a context request's query that are scored (terms, expansion) and embedded. */
export const QUERY_MAX_CHARS = 4_096;

/** The first `max` UTF-16 code units of `text`, never ending inside a surrogate pair (the text itself when short). */
export function textHead(text: string, max: number): string {
  if (text.length <= max) return text;
  const c = text.charCodeAt(max - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/** `turn` with its text parts cut so that together they hold at most `max` characters (the turn itself when short). */
export function withTextHead(turn: Turn, max: number): Turn {
  let left = max;
  let cut = false;
  const parts = turn.parts.map((p) => {
    if (p.type !== 'text') return p;
    const text = textHead(p.text, Math.max(0, left));
    left -= text.length;
    if (text.length < p.text.length) cut = true;
    return text === p.text ? p : { ...p, text };
  });
  return cut ? { ...turn, parts } : turn;
}
