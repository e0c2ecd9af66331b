/**
 * @module models/intent/features
 * Text → sparse TF-IDF vector for the intent classifier. Two views of a query: words (unigrams and bigrams) and
 * characters (2- to 5-grams over the padded, space-joined words). Each feature is named by a 32-bit FNV-1a hash of
 * its view prefix and text, so a model stores a sorted list of kept hashes instead of strings. Per view, term
 * frequency is sublinear (`1 + ln tf`), multiplied by the feature's IDF, and the view is scaled to unit L2 norm;
 * the two views are then summed (so a vector's norm is at most √2). Features the model does not know are dropped.
 */
import { fnv1a } from '../../core/hash.ts';

/** Lowercase, NFKC, digits → `0`, anything but letters and digits → one space; trimmed. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\p{Nd}/gu, '0')
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Feature extraction settings (stored in a model's config). */
export interface FeatureConfig {
  /** Smallest character n-gram. @default 2 */
  charMin: number;
  /** Largest character n-gram. @default 5 */
  charMax: number;
  /** Weight of the word view relative to the character view (each is unit-norm first). @default 1 */
  wordWeight: number;
}

/** The defaults the committed artifacts use. */
export const DEFAULT_FEATURES: Readonly<FeatureConfig> = Object.freeze({ charMin: 2, charMax: 5, wordWeight: 1 });

/** Hashed term counts of one text, per view (hash → count). */
export interface TermCounts {
  word: Map<number, number>;
  char: Map<number, number>;
}

function bump(m: Map<number, number>, h: number): void {
  m.set(h, (m.get(h) ?? 0) + 1);
}

/** Count the hashed word and character n-grams of `text`. */
export function termCounts(text: string, cfg: FeatureConfig = DEFAULT_FEATURES): TermCounts {
  const norm = normalizeText(text);
  const words = norm === '' ? [] : norm.split(' ');
  const word = new Map<number, number>();
  const char = new Map<number, number>();
  for (let i = 0; i < words.length; i++) {
    bump(word, fnv1a(`w ${words[i]}`));
    if (i + 1 < words.length) bump(word, fnv1a(`b ${words[i]} ${words[i + 1]}`));
  }
  const padded = ` ${norm} `;
  for (let n = cfg.charMin; n <= cfg.charMax; n++) {
    for (let i = 0; i + n <= padded.length; i++) bump(char, fnv1a(`c ${padded.slice(i, i + n)}`));
  }
  return { word, char };
}

/** A sparse vector: parallel arrays of feature rows and values. */
export interface SparseVector {
  rows: Int32Array;
  vals: Float32Array;
}

/**
 * TF-IDF vector of `counts` over a vocabulary (`index`: hash → row; `idf` by row). Unknown hashes are dropped;
 * each view is scaled to unit norm, the word view then by `cfg.wordWeight`.
 */
export function vectorize(counts: TermCounts, index: ReadonlyMap<number, number>, idf: Float32Array, cfg: FeatureConfig = DEFAULT_FEATURES): SparseVector {
  const rows: number[] = [];
  const vals: number[] = [];
  const view = (m: Map<number, number>, weight: number): void => {
    const start = rows.length;
    let norm = 0;
    for (const [h, tf] of m) {
      const r = index.get(h);
      if (r === undefined) continue;
      const v = (1 + Math.log(tf)) * (idf[r] as number);
      rows.push(r);
      vals.push(v);
      norm += v * v;
    }
    if (norm > 0) {
      const s = weight / Math.sqrt(norm);
      for (let i = start; i < vals.length; i++) vals[i] = (vals[i] as number) * s;
    }
  };
  view(counts.word, cfg.wordWeight);
  view(counts.char, 1);
  return { rows: Int32Array.from(rows), vals: Float32Array.from(vals) };
}

/** Smoothed IDF: `ln((1 + n) / (1 + df)) + 1`. */
export function idfOf(df: number, n: number): number {
  return Math.log((1 + n) / (1 + df)) + 1;
}

/**
 * A vocabulary from training texts: every hashed feature whose document frequency is at least `minDf`, in
 * ascending hash order (so the result does not depend on the order of the texts).
 */
export function buildVocabulary(counts: readonly TermCounts[], minDf: number): { hashes: Uint32Array; idf: Float32Array } {
  const df = new Map<number, number>();
  for (const c of counts) {
    for (const h of c.word.keys()) bump(df, h);
    for (const h of c.char.keys()) bump(df, h);
  }
  const kept = [...df].filter(([, d]) => d >= minDf).sort((a, b) => a[0] - b[0]);
  const hashes = new Uint32Array(kept.length);
  const idf = new Float32Array(kept.length);
  kept.forEach(([h, d], i) => {
    hashes[i] = h;
    idf[i] = idfOf(d, counts.length);
  });
  return { hashes, idf };
}

/** hash → row for a vocabulary's hashes. */
export function indexOf(hashes: Uint32Array): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < hashes.length; i++) m.set(hashes[i] as number, i);
  return m;
}
