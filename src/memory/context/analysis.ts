/**
 * @module memory/context/analysis
 * What the engine derives from a stored turn once and reuses on every request: term frequencies, the importance
 * prior, duplicate-detection shingles, its token counts per encoding and rendering, and (lazily) its sentences.
 * Cached per session in {@link TurnCache}: stored turns never change, and an entry is keyed by seq and checked
 * against `created_at`, so a re-created session id never reuses another turn's entry.
 */
import { ANALYSIS_MAX_CHARS, textHead } from '../../core/text-limits.ts';
import type { Turn } from '../../core/types.ts';
import { turnText } from '../../models/chat.ts';
import type { EncodingName } from '../../models/tokens.ts';
import { termFrequencies, type Bm25Doc } from './bm25.ts';
import { contentWords, type SessionVocabulary } from './expand.ts';
import { textImportance, turnImportance } from './importance.ts';
import { splitHeader, turnSpeaker } from './speakers.ts';
import { sentences, shingles, terms, words } from './text.ts';

/** Derived data of one turn. */
export interface TurnAnalysis extends Bm25Doc {
  /** Importance prior in [0, 1] and the features behind it. */
  importance: number;
  features: string[];
  /** Word 3-gram hashes (see {@link shingles}); empty for tool turns, which are never collapsed. */
  shingles: Uint32Array;
  /** Who said it, lower-cased: the turn's `name`, else the `[stamp] Name:` header's (see memory/context/speakers). */
  speaker?: string;
  /** The `[stamp]` of its header (the sitting's date in a logged conversation), when it has one. */
  stamp?: string;
  /** Its distinct content words (header left out): the candidates of neighbour expansion (memory/context/expand). */
  words: string[];
}

/** A sentence as the compressor sees it. */
export interface SentenceInfo {
  text: string;
  terms: ReadonlySet<string>;
  importance: number;
  words: number;
}

/** Analyse one turn (its first {@link ANALYSIS_MAX_CHARS} characters: bounded work per turn; its terms leave out a `[stamp] Name:` header, which every turn of a log carries). */
export function analyzeTurn(turn: Turn): TurnAnalysis {
  const text = textHead(turnText(turn), ANALYSIS_MAX_CHARS);
  const split = splitHeader(text, turn.name);
  const speaker = turnSpeaker(turn.name, split);
  const ts = terms(split.body);
  const hasToolResult = turn.parts.some((p) => p.type === 'tool_result');
  const hasTool = hasToolResult || turn.parts.some((p) => p.type === 'tool_call');
  const imp = turnImportance(text, { importance: turn.importance, pinned: turn.pinned, hasToolResult });
  return {
    tf: termFrequencies(ts),
    length: ts.length,
    importance: imp.score,
    features: imp.features,
    shingles: hasTool ? new Uint32Array(0) : shingles(text),
    ...(speaker === undefined ? {} : { speaker }),
    ...(split.stamp === undefined ? {} : { stamp: split.stamp }),
    words: hasTool ? [] : [...new Set(contentWords(split.body))],
  };
}

/** The sentences of a text with their terms and importance. */
export function sentenceInfos(text: string): SentenceInfo[] {
  return sentences(text).map((s) => ({ text: s, terms: new Set(terms(s)), importance: textImportance(s).score, words: words(s).length }));
}

/** Everything cached about one stored turn. */
export class TurnEntry {
  readonly created_at: number;
  readonly analysis: TurnAnalysis;
  readonly #tokens = new Map<string, number>();
  #sentences: SentenceInfo[] | undefined;
  readonly #sentenceTokens = new Map<EncodingName, number[]>();
  /** Encodings whose counts {@link prepareTurns} has warmed for this turn (a later request skips it). */
  readonly prepared = new Set<EncodingName>();

  constructor(turn: Turn) {
    this.created_at = turn.created_at;
    this.analysis = analyzeTurn(turn);
  }

  /** Tokens of the turn under `encoding` and rendering `variant`, computed once. */
  tokens(encoding: EncodingName, variant: string, compute: () => number): number {
    const k = `${encoding}:${variant}`;
    let n = this.#tokens.get(k);
    if (n === undefined) {
      n = compute();
      this.#tokens.set(k, n);
    }
    return n;
  }

  /** Sentences of `text` (the turn's rendered text, its first {@link ANALYSIS_MAX_CHARS} characters), computed once. */
  sentences(text: () => string): SentenceInfo[] {
    return (this.#sentences ??= sentenceInfos(textHead(text(), ANALYSIS_MAX_CHARS)));
  }

  /** Tokens of each sentence under `encoding`, computed once. */
  sentenceTokens(encoding: EncodingName, text: () => string, count: (s: string) => number): number[] {
    let t = this.#sentenceTokens.get(encoding);
    if (t === undefined) {
      t = this.sentences(text).map((s) => count(s.text));
      this.#sentenceTokens.set(encoding, t);
    }
    return t;
  }
}

/** The cached entries of one session, and results derived from all of them. */
export interface SessionEntries {
  turns: Map<number, TurnEntry>;
  /** Not held by the cache (a request without a scope). */
  ephemeral?: boolean;
  /** Near-duplicate map of the last request, keyed by what it depends on. */
  dedupe?: { key: string; result: Int32Array };
  /** The newest turns a context request read (see `contextTurns`), tagged with the session's `created_at`. */
  window?: { createdAt: number; turns: readonly Turn[] };
  /** The session's words and their vectors, for neighbour expansion (built on the first request that expands). */
  vocabulary?: SessionVocabulary;
}

/**
 * Per-turn entries grouped by session, least recently used sessions evicted first once more than `maxTurns`
 * entries are held (default 20,000 turns: roughly 40 MB, and up to about as much again for the sessions'
 * neighbour-expansion vocabularies: ~7 new words per chat turn × 256 int8 + 32 sign bytes each, in buffers that double).
 */
export class TurnCache {
  readonly maxTurns: number;
  readonly #sessions = new Map<string, SessionEntries>();
  #size = 0;

  constructor(maxTurns = 20_000) {
    this.maxTurns = maxTurns;
  }

  /** Turn entries held now. */
  get size(): number {
    return this.#size;
  }

  /** The entries of one session (marked most recently used), or a throwaway set when `scope` is undefined. */
  session(scope: { tenant: string; session: string } | undefined): SessionEntries {
    if (scope === undefined) return { turns: new Map(), ephemeral: true };
    const key = `${scope.tenant}\u0000${scope.session}`;
    let s = this.#sessions.get(key);
    if (s === undefined) s = { turns: new Map() };
    else this.#sessions.delete(key);
    this.#sessions.set(key, s);
    return s;
  }

  /** Drop the entries of one session (deleted or erased); a later build recomputes them. */
  drop(tenant: string, session: string): void {
    const key = `${tenant}\u0000${session}`;
    const s = this.#sessions.get(key);
    if (s === undefined) return;
    this.#size -= s.turns.size;
    this.#sessions.delete(key);
  }

  /** Drop the entries of every session of a tenant. */
  dropTenant(tenant: string): void {
    for (const k of [...this.#sessions.keys()]) if (k.startsWith(`${tenant}\u0000`)) this.drop(tenant, k.slice(tenant.length + 1));
  }

  /** The entry of `turn` in `s`, created (and the cache trimmed) when missing or stale. */
  entry(s: SessionEntries, turn: Turn): TurnEntry {
    const e = s.turns.get(turn.seq);
    if (e !== undefined && e.created_at === turn.created_at) return e;
    const fresh = new TurnEntry(turn);
    s.turns.set(turn.seq, fresh);
    s.dedupe = undefined;
    if (s.ephemeral !== true) {
      if (e === undefined) this.#size++;
      this.#trim(s);
    }
    return fresh;
  }

  #trim(keep: SessionEntries): void {
    for (const [k, s] of this.#sessions) {
      if (this.#size <= this.maxTurns) return;
      if (s === keep) continue;
      this.#size -= s.turns.size;
      this.#sessions.delete(k);
    }
  }
}
