/**
 * @module memory/context/expand
 * Query expansion with embedding neighbours: each content word of the query brings in the session's own words
 * nearest to it in the word embedder's space ("fitness" → "workout", "marathon"; "vehicle" → "car"), which then
 * take part in BM25 at a fraction of the query's weight. Only words the session uses are candidates, so every
 * expansion term can match a turn. Needs a synchronous word embedder (the static default embeds a word in
 * microseconds); the session's word vectors are kept in its cache entry and grow with the session (each new word
 * embedded once, kept as int8), and each query word's neighbours are cached until the vocabulary grows. Cost per
 * request, for each query word not seen before (≤ {@link MAX_QUERY_WORDS}): a sign-code distance to every session
 * word (popcounts over `dim / 32` words), then an exact int8 dot product with the {@link EXACT_CANDIDATES} closest;
 * a query word seen before scans only the words added since.
 */
import type { SessionEntries } from './analysis.ts';
import { isStopword, terms, words } from './text.ts';

/** A synchronous embedder of words: one L2-normalised vector per word. */
export type WordVectors = (words: readonly string[]) => Float32Array[];

/** Neighbour expansion parameters. */
export interface NeighbourParams {
  /** Neighbours taken per query word (0 turns expansion off). @default 3 */
  terms: number;
  /** Least cosine similarity of a neighbour to its query word. @default 0.5 */
  minSimilarity: number;
  /** Weight of the neighbours' BM25 pass relative to the query's own. @default 0.3 */
  weight: number;
}
export const DEFAULT_NEIGHBOURS: Readonly<NeighbourParams> = Object.freeze({ terms: 3, minSimilarity: 0.5, weight: 0.3 });

/** Most query words expanded (the first ones; a question has a handful of content words). */
export const MAX_QUERY_WORDS = 4;

/** A session's words and their vectors (cached on its {@link SessionEntries}). */
export interface SessionVocabulary {
  /** Seqs whose words are in. */
  seqs: Set<number>;
  words: string[];
  index: Set<string>;
  /**
   * The words' vectors quantised to int8 (× 127 / the row's largest |x|), one after another (`dim` each), in a
   * buffer that doubles when full: a quarter of the memory to stream per query word, and exact enough to rank.
   */
  vectors: Int8Array;
  /** Per word: the factor that turns its int8 dot product with a quantised query back into a cosine. */
  scales: Float32Array;
  /** Per word: the signs of its components as bits (`codeWords` 32-bit words each), the scan's cheap first pass. */
  codes: Uint32Array;
  codeWords: number;
  dim: number;
  /** Neighbours per query word, valid while `words.length` is `size`. */
  neighbours: Map<string, { size: number; found: [string, number][] }>;
}

/** Words of a text worth embedding as expansion candidates: letters only, 3+ characters, no stop words. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => w.length >= 3 && /^\p{L}+$/u.test(w) && !isStopword(w));
}

/** A session's vocabulary before its first word (built on its first expanding request only). */
function emptyVocabulary(): SessionVocabulary {
  return {
    seqs: new Set(),
    words: [],
    index: new Set(),
    vectors: new Int8Array(0),
    scales: new Float32Array(0),
    codes: new Uint32Array(0),
    codeWords: 0,
    dim: 0,
    neighbours: new Map(),
  };
}

/** The session's vocabulary with the words of `turns` added (new words embedded once). */
function vocabulary(session: SessionEntries, turns: readonly { seq: number; words: readonly string[] }[], embed: WordVectors): SessionVocabulary {
  const v = (session.vocabulary ??= emptyVocabulary());
  const fresh: string[] = [];
  for (const t of turns) {
    if (v.seqs.has(t.seq)) continue;
    v.seqs.add(t.seq);
    for (const w of t.words) {
      if (v.index.has(w)) continue;
      v.index.add(w);
      fresh.push(w);
    }
  }
  if (fresh.length === 0) return v;
  const rowsOf = wordRows(fresh, embed);
  if (v.dim === 0) {
    v.dim = rowsOf[0]?.q.length ?? 0;
    v.codeWords = Math.ceil(v.dim / 32);
  }
  const rows = v.words.length + fresh.length;
  if (rows * v.dim > v.vectors.length) {
    const grown = new Int8Array(Math.max(rows * v.dim, 2 * v.vectors.length));
    grown.set(v.vectors.subarray(0, v.words.length * v.dim));
    v.vectors = grown;
    const capacity = grown.length / Math.max(1, v.dim);
    const scales = new Float32Array(capacity);
    scales.set(v.scales.subarray(0, v.words.length));
    v.scales = scales;
    const codes = new Uint32Array(capacity * v.codeWords);
    codes.set(v.codes.subarray(0, v.words.length * v.codeWords));
    v.codes = codes;
  }
  rowsOf.forEach((r, k) => {
    const row = v.words.length + k;
    if (r.q.length !== v.dim) return; // another dimension: left as zeros (never a neighbour)
    v.vectors.set(r.q, row * v.dim);
    v.scales[row] = r.scale;
    v.codes.set(r.code, row * v.codeWords);
  });
  v.words.push(...fresh);
  return v;
}

/**
 * Most words whose quantised rows are kept across sessions. A cold session (the common case with many live sessions)
 * otherwise embeds and quantises each of its words on its first request (~1,500 distinct words for 20 long chat
 * turns: ~1.8-2.8 ms of CPU, a throwaway profile over 3,000 cold sessions); words repeat across sessions, so most
 * become a 256-byte copy. ~5 MB at 256-d. Only single words are kept, in memory, with no session or user named.
 */
export const SHARED_WORD_ROWS = 16_384;
interface WordRow {
  q: Int8Array;
  scale: number;
  code: Uint32Array;
}
const sharedRows = new WeakMap<WordVectors, Map<string, WordRow>>();

/** The quantised rows of `ws`, through a bounded per-embedder cache (oldest words dropped first). */
function wordRows(ws: readonly string[], embed: WordVectors): WordRow[] {
  let cache = sharedRows.get(embed);
  if (cache === undefined) sharedRows.set(embed, (cache = new Map()));
  const missing = ws.filter((w) => !cache.has(w));
  const made = new Map<string, WordRow>();
  if (missing.length > 0) {
    embed(missing).forEach((x, k) => {
      const dim = x.length;
      const q = new Int8Array(dim);
      const code = new Uint32Array(Math.ceil(dim / 32));
      const row = { q, scale: quantise(x, q, 0, dim), code };
      signCode(x, dim, code, 0);
      made.set(missing[k]!, row);
      cache.set(missing[k]!, row);
    });
    for (const w of cache.keys()) {
      if (cache.size <= SHARED_WORD_ROWS) break;
      cache.delete(w);
    }
  }
  return ws.map((w) => cache.get(w) ?? made.get(w)!);
}

/** Write `x` (its first `dim` values) as int8 into `out` at `off`; returns the factor back (largest |x| / 127). */
function quantise(x: Float32Array, out: Int8Array, off: number, dim: number): number {
  let m = 0;
  for (let d = 0; d < dim; d++) m = Math.max(m, Math.abs(x[d] ?? 0));
  if (m === 0) return 0;
  const k = 127 / m;
  for (let d = 0; d < dim; d++) out[off + d] = Math.round((x[d] ?? 0) * k);
  return m / 127;
}

/** The signs of `x`'s first `dim` components as bits into `out` at `off` (bit set = negative). */
function signCode(x: Float32Array, dim: number, out: Uint32Array, off: number): void {
  for (let d = 0; d < dim; d += 32) {
    let bits = 0;
    for (let b = 0; b < 32 && d + b < dim; b++) if ((x[d + b] ?? 0) < 0) bits |= 1 << b;
    out[off + d / 32] = bits >>> 0;
  }
}

/** Set bits of a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Rows scanned exactly per query word: the ones whose sign codes differ least from the query's. Two unit vectors
 * at cosine ≥ 0.5 disagree in sign on about a third of their components or fewer, so a neighbour worth taking sits
 * far inside the first 64 of a few thousand words (`ctx-ablation` recall was the same with the full scan).
 */
export const EXACT_CANDIDATES = 64;

/** Cosine of row `i` with the quantised query `q` (scale `qs`). */
function rowCosine(v: SessionVocabulary, i: number, q: Int8Array, qs: number): number {
  const { dim, vectors } = v;
  const off = i * dim;
  const tail = dim - (dim % 4);
  // Four accumulators: this is the exact pass's whole cost.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let d = 0; d < tail; d += 4) {
    s0 += q[d]! * vectors[off + d]!;
    s1 += q[d + 1]! * vectors[off + d + 1]!;
    s2 += q[d + 2]! * vectors[off + d + 2]!;
    s3 += q[d + 3]! * vectors[off + d + 3]!;
  }
  let t = s0 + s1 + s2 + s3;
  for (let d = tail; d < dim; d++) t += q[d]! * vectors[off + d]!;
  return t * qs * v.scales[i]!;
}

/**
 * Rows `from`..end of the vocabulary worth an exact score: all of them when there are few, else the
 * {@link EXACT_CANDIDATES} with the smallest sign-code distance to the query (a histogram of the distances finds the
 * cut, so the pass is linear with no sort).
 */
function candidates(v: SessionVocabulary, from: number, code: Uint32Array): number[] {
  const n = v.words.length;
  const out: number[] = [];
  if (n - from <= EXACT_CANDIDATES) {
    for (let i = from; i < n; i++) out.push(i);
    return out;
  }
  const cw = v.codeWords;
  const dist = new Uint16Array(n - from);
  const histogram = new Uint32Array(cw * 32 + 1);
  for (let i = from; i < n; i++) {
    let h = 0;
    for (let k = 0, off = i * cw; k < cw; k++) h += popcount((v.codes[off + k]! ^ code[k]!) >>> 0);
    dist[i - from] = h;
    histogram[h]!++;
  }
  let cut = 0;
  for (let seen = 0; cut < histogram.length && seen + histogram[cut]! < EXACT_CANDIDATES; cut++) seen += histogram[cut]!;
  // Rows closer than the cut all go in; rows at the cut fill up to EXACT_CANDIDATES in order.
  let room = EXACT_CANDIDATES;
  for (let i = 0; i < dist.length; i++) if (dist[i]! < cut) room--;
  for (let i = 0; i < dist.length; i++) {
    const h = dist[i]!;
    if (h < cut || (h === cut && room-- > 0)) out.push(i + from);
  }
  return out;
}

/**
 * The session's `params.terms` words nearest to `word` (cosine ≥ `params.minSimilarity`, not the word or its stem).
 * Cached per query word; when the vocabulary has grown since, only the new words are scanned and merged with the
 * cached best (the best of a union is the best of the parts' best).
 */
function nearest(v: SessionVocabulary, word: string, vector: Float32Array, params: NeighbourParams): [string, number][] {
  const hit = v.neighbours.get(word);
  if (hit !== undefined && hit.size === v.words.length) return hit.found;
  const { dim } = v;
  if (vector.length !== dim) return [];
  const own = terms(word)[0];
  const found: [string, number][] = hit === undefined ? [] : [...hit.found];
  const q = new Int8Array(dim);
  const qs = quantise(vector, q, 0, dim);
  const code = new Uint32Array(v.codeWords);
  signCode(vector, dim, code, 0);
  for (const i of candidates(v, hit?.size ?? 0, code)) {
    const s = rowCosine(v, i, q, qs);
    if (s < params.minSimilarity) continue;
    const w = v.words[i]!;
    if (w === word || terms(w)[0] === own) continue;
    found.push([w, s]);
    // Keep the best `terms` only (insertion into a short sorted list).
    found.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (found.length > params.terms) found.pop();
  }
  v.neighbours.set(word, { size: v.words.length, found });
  return found;
}

/**
 * Expansion terms (stems, weight 1 each; the caller scales the pass by `params.weight`) for the query's content
 * words, leaving out `skip` words (the speakers' names) and the query's own stems.
 */
export function neighbourTerms(
  query: string,
  session: SessionEntries,
  turns: readonly { seq: number; words: readonly string[] }[],
  embed: WordVectors,
  params: NeighbourParams,
  skip: ReadonlySet<string>,
): Map<string, number> {
  const out = new Map<string, number>();
  if (params.terms <= 0 || params.weight <= 0) return out;
  const qw = [...new Set(contentWords(query).filter((w) => !skip.has(w)))].slice(0, MAX_QUERY_WORDS);
  if (qw.length === 0) return out;
  const v = vocabulary(session, turns, embed);
  const own = new Set(qw.flatMap((w) => terms(w)));
  const qv = embed(qw);
  qw.forEach((w, k) => {
    for (const [n] of nearest(v, w, qv[k]!, params)) {
      for (const t of terms(n)) if (!own.has(t)) out.set(t, 1);
    }
  });
  return out;
}
