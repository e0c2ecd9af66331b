/**
 * @module memory/context/bm25
 * Okapi BM25 over the turns of one session (each turn a document), computed per request from cached per-turn
 * term frequencies: only the query's terms are looked at, so scoring N turns costs O(N × |query terms|).
 */

/** A document's term frequencies and its length in terms. */
export interface Bm25Doc {
  tf: ReadonlyMap<string, number>;
  length: number;
}

/** BM25 parameters. */
export interface Bm25Params {
  /** Term-frequency saturation. @default 1.2 */
  k1: number;
  /** Length normalisation (0 = none, 1 = full). @default 0.75 */
  b: number;
}
export const DEFAULT_BM25: Readonly<Bm25Params> = Object.freeze({ k1: 1.2, b: 0.75 });

/** Term frequencies of a list of terms. */
export function termFrequencies(terms: readonly string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}

/** Inverse document frequencies of `queryTerms` over `docs` (Lucene's non-negative form ln(1 + (N − df + ½)/(df + ½))). */
export function idf(docs: readonly Bm25Doc[], queryTerms: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  const n = docs.length;
  for (const q of queryTerms) {
    if (out.has(q)) continue;
    let df = 0;
    for (const d of docs) if (d.tf.has(q)) df++;
    out.set(q, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
  }
  return out;
}

/** BM25 score of every doc for the (deduplicated) query terms; all zeros for an empty query. */
export function bm25Scores(docs: readonly Bm25Doc[], queryTerms: readonly string[], params: Bm25Params = DEFAULT_BM25): Float64Array {
  const scores = new Float64Array(docs.length);
  if (docs.length === 0 || queryTerms.length === 0) return scores;
  const weights = idf(docs, queryTerms);
  let total = 0;
  for (const d of docs) total += d.length;
  const avg = total / docs.length || 1;
  const { k1, b } = params;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    const norm = k1 * (1 - b + (b * d.length) / avg);
    let s = 0;
    for (const [q, w] of weights) {
      const f = d.tf.get(q);
      if (f !== undefined) s += (w * f * (k1 + 1)) / (f + norm);
    }
    scores[i] = s;
  }
  return scores;
}
