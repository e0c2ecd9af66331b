/**
 * @module memory/context/speakers
 * Speaker-aware matching. Logged conversations often carry a header on every turn — `[2023-05-08] Maria: I
 * painted a sunrise` — and are asked about in the third person ("When did Maria paint a sunrise?"). Two things
 * follow: the header's date and name tokens are on every turn, so they should not take part in BM25 (they
 * stretch every document and match every "Maria" question); and a question naming a speaker is about that
 * speaker's own first-person turns, which the scorer's `speaker` component prefers without dropping the others
 * (the other person often holds half of the answer, or shows it was not the named one at all).
 */
import { words } from './text.ts';

// `[date or time] Name:` or `Name:` at the very start of a turn; the name is 1-3 words and at most 40 characters.
const HEADER = /^\s*(?:\[([^\]\n]{1,40})\]\s*)?([\p{Lu}][\p{L}\p{M}'’.-]*(?:\s[\p{Lu}][\p{L}\p{M}'’.-]*){0,2}):\s+/u;

/** A turn's text split into its header (date, speaker) and its body. */
export interface SplitText {
  body: string;
  /** The bracketed stamp of the header (e.g. `2023-05-08`), when there is one. */
  stamp?: string;
  /** The speaker named by the header, lower-cased. */
  speaker?: string;
}

/**
 * Split a `[stamp] Name: text` header off `text`. A bare `Name: text` counts only when `name` (the turn's own
 * speaker name) equals it, so an ordinary sentence like "Note: the keys…" is never taken for a header.
 */
export function splitHeader(text: string, name?: string | null): SplitText {
  const m = HEADER.exec(text);
  if (m === null) return { body: text };
  const who = m[2]!;
  if (m[1] === undefined && (name === undefined || name === null || who.toLowerCase() !== name.toLowerCase())) return { body: text };
  return { body: text.slice(m[0].length), speaker: who.toLowerCase(), ...(m[1] === undefined ? {} : { stamp: m[1] }) };
}

/** The speaker of a turn, lower-cased: its `name`, else the name in its header; undefined when neither. */
export function turnSpeaker(name: string | null | undefined, split: SplitText): string | undefined {
  return typeof name === 'string' && name !== '' ? name.toLowerCase() : split.speaker;
}

/**
 * The session's speakers the query names (by any word of a multi-word name, "Maria" for "Maria Lopez").
 * Returns the lower-cased speaker names; empty when the query names none or names every speaker there is.
 */
export function querySpeakers(query: string, speakers: Iterable<string>): Set<string> {
  const qw = new Set(words(query));
  const all = new Set<string>();
  const named = new Set<string>();
  for (const s of speakers) {
    if (all.has(s)) continue;
    all.add(s);
    if (words(s).some((w) => qw.has(w))) named.add(s);
  }
  return named.size === all.size ? new Set() : named;
}
