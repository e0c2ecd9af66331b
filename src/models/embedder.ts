/**
 * @module models/embedder
 * The one embedding contract (DESIGN §4): an {@link Embedder} turns texts into L2-normalised float vectors, in
 * batches. Providers: `static` (the default: a table distilled from USE-lite, pure TypeScript, synchronous),
 * `offline` (Universal Sentence Encoder lite shipped in an npm package, tfjs wasm backend, no network), `openai`
 * (any OpenAI-compatible `/v1/embeddings`), `onnx`. {@link QueryEmbedder} adds the small LRU of
 * query vectors the context path reads on every request.
 */
import { Lru } from './lru.ts';

/** Turns texts into unit-length vectors. */
export interface Embedder {
  /** Stable id of the model (it names stored embeddings, so a model change never mixes vectors), e.g. `use-lite`. */
  readonly id: string;
  /** Vector length. */
  readonly dim: number;
  /** One L2-normalised vector per text, in order (the caller owns the arrays). Rejects on provider failure. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /**
   * The same vectors computed in the calling thread, for providers that take microseconds per text (the static
   * embedder): callers embed inline instead of queueing. Absent for model-backed providers.
   */
  embedSync?(texts: readonly string[]): Float32Array[];
  /** Release what the provider holds (a worker thread); later `embed` calls may start it again. */
  close?(): Promise<void>;
}

/** Scale `v` in place to unit length (a zero vector stays zero); returns it. */
export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s > 0) {
    const k = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= k;
  }
  return v;
}

/** Dot product (the cosine similarity of unit vectors); lengths must match. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** An embedder for queries: one text at a time, with an LRU of recent vectors (they repeat across a conversation). */
export class QueryEmbedder {
  readonly embedder: Embedder;
  readonly #cache: Lru<string, Promise<Float32Array>>;

  /** @param max query vectors kept @default 256 */
  constructor(embedder: Embedder, max = 256) {
    this.embedder = embedder;
    this.#cache = new Lru(max);
  }

  /** The query's vector (shared with the cache: do not modify it). */
  embed(text: string): Promise<Float32Array> {
    const hit = this.#cache.get(text);
    if (hit !== undefined) return hit;
    const p = this.embedder.embed([text]).then((v) => v[0]!);
    this.#cache.set(text, p);
    // A failure is not cached: the next request tries again.
    p.catch(() => this.#cache.delete(text));
    return p;
  }
}
