/**
 * @module test/helpers/hash-embedder
 * A deterministic stand-in {@link Embedder} for tests: a bag of hashed lower-case words (so texts sharing words are
 * similar), L2-normalised. Counts its calls and batch sizes; `fail` makes the next calls reject.
 */
import { createHash } from 'node:crypto';
import { l2normalize, type Embedder } from '../../src/models/embedder.ts';

export interface HashEmbedder extends Embedder {
  batches: number[];
  fail: boolean;
}

export function createHashEmbedder(dim = 64): HashEmbedder {
  const e: HashEmbedder = {
    id: 'test-hash',
    dim,
    batches: [],
    fail: false,
    embed(texts) {
      e.batches.push(texts.length);
      if (e.fail) return Promise.reject(new Error('embedder down'));
      return Promise.resolve(
        texts.map((t) => {
          const v = new Float32Array(dim);
          for (const w of t.toLowerCase().match(/[a-z0-9]+/g) ?? ['_']) v[createHash('md5').update(w).digest().readUInt32LE(0) % dim]! += 1;
          return l2normalize(v);
        }),
      );
    },
  };
  return e;
}
