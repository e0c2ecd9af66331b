/**
 * @module memory/experiences/term-match
 * Re-ranking of an experience search's neighbours by word alignment. A task text's embedding is a blur of all its
 * words: the name of a customer and "please … today" weigh as much as the one action or object word that tells one
 * task family from the next, so a run of another family that shares the filler often comes first. Here each
 * content word of the query is matched to its most similar word of each candidate task (cosine of the embedder's
 * word vectors: "abort" finds "cancel", "air ticket" finds "flight"), and weighted by how rare its best match is
 * among the candidates (a word every neighbour has tells none apart). Needs no corpus state: the rarity is counted
 * over the neighbours themselves. With the hashing embedder (`embedder: none`) word vectors only match the same
 * stem, and this is a BM25-like exact match.
 */
import type { Embedder } from '../../models/embedder.ts';
import { Lru } from '../../models/lru.ts';
import { isStopword, words } from '../context/text.ts';

/** The distinct content words of a task text (lower case, stop words dropped), in order of first use. */
export function taskWords(text: string): string[] {
  return [...new Set(words(text).filter((w) => !isStopword(w)))];
}

/** Matches query words to candidate words with an embedder's word vectors (cached: words repeat across searches). */
export class TermMatcher {
  readonly #embedder: Embedder;
  readonly #vectors: Lru<string, Float32Array>;

  /** @param max word vectors kept @default 20000 */
  constructor(embedder: Embedder, max = 20_000) {
    this.#embedder = embedder;
    this.#vectors = new Lru(max);
  }

  async #vectorsOf(ws: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const w of ws) {
      const v = this.#vectors.get(w);
      if (v === undefined) missing.push(w);
      else out.set(w, v);
    }
    if (missing.length > 0) {
      const vs = this.#embedder.embedSync?.(missing) ?? (await this.#embedder.embed(missing));
      missing.forEach((w, i) => {
        this.#vectors.set(w, vs[i]!);
        out.set(w, vs[i]!);
      });
    }
    return out;
  }

  /**
   * One score in [0, 1] per candidate task: the weighted mean over the query's words of the cosine to the
   * candidate's most similar word (negative cosines count 0). A query word's weight is the cosine to its best match
   * among all the candidates' words × that match's inverse document frequency over the candidates,
   * ln(1 + n / (df + 0.5)). Undefined when the query has no content word (the caller keeps its order).
   * Rejects when the embedder does.
   */
  async scores(query: string, tasks: readonly string[]): Promise<number[] | undefined> {
    const q = taskWords(query);
    if (q.length === 0 || tasks.length === 0) return undefined;
    const docs = tasks.map(taskWords);
    const df = new Map<string, number>();
    for (const d of docs) for (const w of d) df.set(w, (df.get(w) ?? 0) + 1);
    const pool = [...df.keys()];
    const vec = await this.#vectorsOf([...new Set([...q, ...pool])]);
    const column = new Map(pool.map((w, j) => [w, j]));
    // sim[i][j]: cosine of query word i to pool word j, computed once and shared by every candidate.
    const sim = q.map((w) => {
      const a = vec.get(w)!;
      return pool.map((u) => {
        const b = vec.get(u)!;
        let s = 0;
        for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
        return Math.max(0, s);
      });
    });
    const weight = sim.map((row) => {
      let best = 0;
      let at = -1;
      row.forEach((s, j) => {
        if (s > best) [best, at] = [s, j];
      });
      return at === -1 ? 0 : best * Math.log(1 + docs.length / (df.get(pool[at]!)! + 0.5));
    });
    const total = weight.reduce((a, w) => a + w, 0);
    if (total === 0) return undefined;
    return docs.map((d) => {
      let s = 0;
      sim.forEach((row, i) => {
        let m = 0;
        for (const w of d) m = Math.max(m, row[column.get(w)!]!);
        s += weight[i]! * m;
      });
      return s / total;
    });
  }
}
