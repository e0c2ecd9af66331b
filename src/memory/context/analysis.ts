/**
 * @module memory/context/analysis
 * What the engine derives from a stored turn once and reuses on every request: its text, term frequencies, the
 * importance prior and its duplicate-detection shingles. Cached in a bounded LRU keyed like token counts
 * (tenant, session, seq, created_at): stored turns never change.
 */
import type { Turn } from '../../core/types.ts';
import { turnText } from '../../models/chat.ts';
import { Lru } from '../../models/lru.ts';
import type { TurnKey } from '../../models/tokens.ts';
import { termFrequencies, type Bm25Doc } from './bm25.ts';
import { turnImportance } from './importance.ts';
import { shingles, terms } from './text.ts';

/** Derived data of one turn. */
export interface TurnAnalysis extends Bm25Doc {
  /** Importance prior in [0, 1] and the features behind it. */
  importance: number;
  features: string[];
  /** Word 3-gram hashes (see {@link shingles}); empty for tool turns, which are never collapsed. */
  shingles: Uint32Array;
}

/** Analyse one turn. */
export function analyzeTurn(turn: Turn): TurnAnalysis {
  const text = turnText(turn);
  const ts = terms(text);
  const hasToolResult = turn.parts.some((p) => p.type === 'tool_result');
  const hasTool = hasToolResult || turn.parts.some((p) => p.type === 'tool_call');
  const imp = turnImportance(text, { importance: turn.importance, pinned: turn.pinned, hasToolResult });
  return { tf: termFrequencies(ts), length: ts.length, importance: imp.score, features: imp.features, shingles: hasTool ? new Uint32Array(0) : shingles(text) };
}

/** A bounded cache of {@link TurnAnalysis} per stored turn. */
export class AnalysisCache {
  readonly #lru: Lru<string, TurnAnalysis>;

  /** @param maxEntries most turns kept. @default 10000 (roughly 2 KB each) */
  constructor(maxEntries = 10_000) {
    this.#lru = new Lru(maxEntries);
  }

  /** Entries held now. */
  get size(): number {
    return this.#lru.size;
  }

  /** The analysis of `turn`, from the cache when `key` is given and known. */
  get(key: Omit<TurnKey, 'seq' | 'created_at'> | undefined, turn: Turn): TurnAnalysis {
    if (key === undefined) return analyzeTurn(turn);
    const k = `${key.tenant}\u0000${key.session}\u0000${turn.seq}\u0000${turn.created_at}`;
    let a = this.#lru.get(k);
    if (a === undefined) {
      a = analyzeTurn(turn);
      this.#lru.set(k, a);
    }
    return a;
  }
}
