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

const prefixCache = new WeakMap<ReadonlyMap<string, number>, { n: number; doc: Bm25Doc }>();

/**
 * `doc` with every term cut to its first `n` characters (numbers left whole), so "paint", "painting" and
 * "paintings" — and the Porter stems "photo"/"photographi" — meet. Cached per term map (one per stored turn).
 */
export function prefixDoc(doc: Bm25Doc, n: number): Bm25Doc {
  if (n <= 0) return doc;
  const hit = prefixCache.get(doc.tf);
  if (hit !== undefined && hit.n === n) return hit.doc;
  const tf = new Map<string, number>();
  for (const [t, f] of doc.tf) {
    const k = prefixTerm(t, n);
    tf.set(k, (tf.get(k) ?? 0) + f);
  }
  const out = { tf, length: doc.length };
  prefixCache.set(doc.tf, { n, doc: out });
  return out;
}

/** A term cut to its first `n` characters (0: whole; numbers are never cut). */
export function prefixTerm(term: string, n: number): string {
  return n <= 0 || term.length <= n || /^\p{N}/u.test(term) ? term : term.slice(0, n);
}

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
  return bm25Weighted(docs, new Map(queryTerms.map((t) => [t, 1])), params);
}

/**
 * BM25 with a weight per query term (a term's IDF is multiplied by its weight). One scan of the docs per term finds
 * both its document frequency and its hits, so each (doc, term) pair costs one map lookup; each doc's sum adds the
 * terms in `termWeights` order, as a per-doc loop would.
 */
export function bm25Weighted(docs: readonly Bm25Doc[], termWeights: ReadonlyMap<string, number>, params: Bm25Params = DEFAULT_BM25): Float64Array {
  const scores = new Float64Array(docs.length);
  if (docs.length === 0 || termWeights.size === 0) return scores;
  const n = docs.length;
  let total = 0;
  for (const d of docs) total += d.length;
  const avg = total / n || 1;
  const { k1, b } = params;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = k1 * (1 - b + (b * docs[i]!.length) / avg);
  const hitDoc = new Int32Array(n);
  const hitTf = new Float64Array(n);
  for (const [t, weight] of termWeights) {
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const f = docs[i]!.tf.get(t);
      if (f === undefined) continue;
      hitDoc[hits] = i;
      hitTf[hits++] = f;
    }
    const w = Math.log(1 + (n - hits + 0.5) / (hits + 0.5)) * weight;
    if (w === 0) continue;
    for (let h = 0; h < hits; h++) {
      const f = hitTf[h]!;
      const i = hitDoc[h]!;
      scores[i]! += (w * f * (k1 + 1)) / (f + norms[i]!);
    }
  }
  return scores;
}

/** Pseudo-relevance feedback parameters (RM3-style query expansion). */
export interface PrfParams {
  /**
   * Top documents of the first pass to learn from (0 turns expansion off). Off by default since issue 12: on
   * logged chats the best first-pass turns are mostly chatter, and expansion cost 0.02-0.03 of recall. @default 0
   */
  docs: number;
  /** Expansion terms added. @default 5 */
  terms: number;
  /** Weight of the expansion pass relative to the query's own. @default 0.3 */
  weight: number;
}
export const DEFAULT_PRF: Readonly<PrfParams> = Object.freeze({ docs: 0, terms: 5, weight: 0.3 });

/**
 * Expansion terms from the best first-pass documents: each term not in the query is weighted by Σ over those
 * documents of (its share of the document) × IDF × (the document's score / the best score); the top `terms`,
 * scaled so the strongest is 1. This is how a second hop is found: "who heads X" → the turn naming the project →
 * the project's own name pulls in the turns about it.
 */
export function expansionTerms(docs: readonly Bm25Doc[], first: ArrayLike<number>, queryTerms: readonly string[], prf: PrfParams): Map<string, number> {
  const out = new Map<string, number>();
  if (prf.docs <= 0 || prf.terms <= 0 || prf.weight <= 0) return out;
  const top = [...Array(docs.length).keys()].filter((i) => first[i]! > 0).sort((a, b) => first[b]! - first[a]! || b - a).slice(0, prf.docs);
  if (top.length === 0) return out;
  const best = first[top[0]!]!;
  const q = new Set(queryTerms);
  const cand = new Map<string, number>();
  for (const i of top) {
    const d = docs[i]!;
    for (const [t, f] of d.tf) if (!q.has(t) && !/^\d/.test(t)) cand.set(t, (cand.get(t) ?? 0) + (f / Math.max(1, d.length)) * (first[i]! / best));
  }
  const w = idf(docs, cand.keys());
  const ranked = [...cand].map(([t, s]) => [t, s * w.get(t)!] as const).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, prf.terms);
  const max = ranked[0]?.[1] ?? 0;
  if (max > 0) for (const [t, s] of ranked) out.set(t, s / max);
  return out;
}
