/**
 * @module memory/experiences/hashing-embedder
 * The lexical fallback {@link Embedder} experiences use when the service has no embedder configured: stemmed
 * terms and term bigrams (the context engine's tokenizer), feature-hashed with a sign bit into `dim` buckets,
 * log-scaled counts, L2-normalised. Cosine over these vectors is a TF (no IDF) bag-of-words match: deterministic,
 * free and offline, and the "BM25/hash baseline" of the experiences benchmark.
 */
import { createHash } from 'node:crypto';
import { l2normalize, type Embedder } from '../../models/embedder.ts';
import { terms } from '../context/text.ts';

function bucket(s: string, dim: number): { i: number; sign: number } {
  const h = createHash('md5').update(s).digest();
  return { i: h.readUInt32LE(0) % dim, sign: (h[4]! & 1) === 0 ? 1 : -1 };
}

/** A hashing embedder of `dim` buckets (id `hash-terms-<dim>`). @param dim @default 512 */
export function createHashingEmbedder(dim = 512): Embedder {
  const cache = new Map<string, { i: number; sign: number }>();
  const at = (s: string) => {
    let b = cache.get(s);
    if (b === undefined) {
      b = bucket(s, dim);
      if (cache.size < 100_000) cache.set(s, b);
    }
    return b;
  };
  const one = (text: string): Float32Array => {
    const ts = terms(text);
    const counts = new Map<string, number>();
    for (let i = 0; i < ts.length; i++) {
      counts.set(ts[i]!, (counts.get(ts[i]!) ?? 0) + 1);
      // Bigrams weigh half: word order helps, but a paraphrase keeps few of them.
      if (i + 1 < ts.length) counts.set(`${ts[i]} ${ts[i + 1]}`, (counts.get(`${ts[i]} ${ts[i + 1]}`) ?? 0) + 0.5);
    }
    const v = new Float32Array(dim);
    for (const [t, c] of counts) {
      const b = at(t);
      v[b.i]! += b.sign * (1 + Math.log(c));
    }
    return l2normalize(v);
  };
  return {
    id: `hash-terms-${dim}`,
    dim,
    embed: (texts) => Promise.resolve(texts.map(one)),
  };
}
