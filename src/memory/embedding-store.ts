/**
 * @module memory/embedding-store
 * Turn embeddings kept through the Store contract as ordinary session tensors, so they are deleted, expired,
 * encrypted and replicated with the session: one f16 tensor `_emb/<model>/<chunk>` per 64 seqs (row = seq mod 64).
 * A chunk holds rows 0 … n−1 only, shape [n, dim] with n = its highest row written + 1 rounded up to a power of two
 * (4 … 64, {@link chunkRows}), so it grows with the session instead of being written at 64 rows from the first turn:
 * a session's newest chunk, rewritten on every append, costs about what its turns hold. Rows past n, and rows of zeros, are "not embedded yet" (stored vectors are unit
 * length, so never zero); chunks written full ([64, dim]) read the same. The model id is part of the name: a new
 * model starts empty and is backfilled, never mixed with the old one. Writes are read-modify-write of a chunk; one
 * writer at a time (the inline writer or the {@link EmbedQueue} consumer) serialises them.
 */
import { f16ToF32, f16ToF32Portable, f16Values, f32ToF16 } from '../core/half.ts';
import { isSiraError } from '../core/errors.ts';
import { tensorFromTypedArray, tensorView } from '../core/tensor-view.ts';
import type { Store } from '../storage/store.ts';

/** Seqs per stored chunk. */
export const EMB_CHUNK_ROWS = 64;

/** The tensor name of the chunk holding `seq` for a model (characters outside the tensor-name set become `_`). */
export function embeddingTensorName(model: string, seq: number): string {
  return `_emb/${model.replace(/[^A-Za-z0-9_.:-]/g, '_')}/${Math.floor(seq / EMB_CHUNK_ROWS)}`;
}

/** Reads and writes one model's turn embeddings in a store. */
export class EmbeddingStore {
  readonly #store: Store;
  readonly model: string;
  readonly dim: number;

  constructor(store: Store, model: string, dim: number) {
    this.#store = store;
    this.model = model;
    this.dim = dim;
  }

  /**
   * Store vectors by seq (f16). A session deleted meanwhile is skipped silently. Chunks are written one after the
   * other: issued together (Promise.all) the appends measured ~80 µs more main-thread CPU each
   * (bench/internal/append-cost.ts), the behind-the-request commit then overlapping the next append's own.
   */
  async write(tenant: string, session: string, rows: readonly { seq: number; vector: Float32Array }[]): Promise<void> {
    const byChunk = new Map<number, { seq: number; vector: Float32Array }[]>();
    for (const r of rows) {
      const k = Math.floor(r.seq / EMB_CHUNK_ROWS);
      const list = byChunk.get(k);
      if (list === undefined) byChunk.set(k, [r]);
      else list.push(r);
    }
    for (const [k, list] of byChunk) await this.#writeChunk(tenant, session, embeddingTensorName(this.model, k * EMB_CHUNK_ROWS), list);
  }

  async #writeChunk(tenant: string, session: string, name: string, list: readonly { seq: number; vector: Float32Array }[]): Promise<void> {
    const dim = this.dim;
    const prev = await this.#store.getTensor(tenant, session, name);
    const prevBits = prev !== undefined && this.#usable(prev) ? tensorView(prev as typeof prev & { dtype: 'f16' }) : undefined;
    let high = 0;
    for (const r of list) high = Math.max(high, (r.seq % EMB_CHUNK_ROWS) + 1);
    const n = Math.max(prevBits === undefined ? 0 : prevBits.length / dim, chunkRows(high));
    // One copy of the stored rows (the view is the store's buffer), the new rows converted straight into place.
    const bits = new Uint16Array(n * dim);
    if (prevBits !== undefined) bits.set(prevBits);
    for (const r of list) bits.set(f32ToF16(r.vector), (r.seq % EMB_CHUNK_ROWS) * dim);
    try {
      await this.#store.putTensor(tenant, session, name, tensorFromTypedArray('f16', [n, dim], bits));
    } catch (e) {
      if (isSiraError(e, 'SIRA_ERR_SESSION_NOT_FOUND')) return;
      throw e;
    }
  }

  /** A chunk this model can read: f16 [n, dim] with 1 ≤ n ≤ 64 (anything else reads as "nothing embedded"). */
  #usable(t: { dtype: string; shape: readonly number[] }): boolean {
    return t.dtype === 'f16' && t.shape.length === 2 && t.shape[1] === this.dim && t.shape[0]! >= 1 && t.shape[0]! <= EMB_CHUNK_ROWS;
  }

  /**
   * The dot product of `query` (length `dim`) with the stored vector of each of these seqs, computed on the stored f16
   * rows without decoding them (a native Float16Array view, or one table lookup per component where the runtime has
   * none); seqs not embedded yet are absent.
   */
  async similarities(tenant: string, session: string, seqs: readonly number[], query: Float32Array): Promise<Map<number, number>> {
    const dim = this.dim;
    const out = new Map<number, number>();
    await Promise.all(
      [...this.#byChunk(seqs)].map(async ([name, list]) => {
        const t = await this.#store.getTensor(tenant, session, name);
        if (t === undefined || !this.#usable(t)) return;
        const bits = tensorView(t as typeof t & { dtype: 'f16' });
        const values = f16Values(bits);
        if (values !== undefined) {
          for (const s of list) {
            const o = (s % EMB_CHUNK_ROWS) * dim;
            if (o >= bits.length) continue; // a row past the chunk's rows: not embedded yet
            let sum = 0;
            for (let j = 0; j < dim; j++) sum += query[j]! * values[o + j]!;
            // A zero sum is (almost always) a row not embedded yet: only then are its bits looked at.
            if (sum !== 0 || bits.subarray(o, o + dim).some((b) => (b & 0x7fff) !== 0)) out.set(s, sum);
          }
          return;
        }
        const table = f16Table(); // only where the runtime has no Float16Array
        for (const s of list) {
          const o = (s % EMB_CHUNK_ROWS) * dim;
          if (o >= bits.length) continue;
          let nonzero = 0;
          let sum = 0;
          for (let j = 0; j < dim; j++) {
            const b = bits[o + j]!;
            nonzero |= b & 0x7fff;
            sum += query[j]! * table[b]!;
          }
          if (nonzero !== 0) out.set(s, sum);
        }
      }),
    );
    return out;
  }

  #byChunk(seqs: readonly number[]): Map<string, number[]> {
    const byIndex = new Map<number, number[]>();
    for (const s of seqs) {
      const k = Math.floor(s / EMB_CHUNK_ROWS);
      const list = byIndex.get(k);
      if (list === undefined) byIndex.set(k, [s]);
      else list.push(s);
    }
    // One name per chunk (the model's part of the name is sanitised once per chunk, not once per seq).
    return new Map([...byIndex].map(([k, list]) => [embeddingTensorName(this.model, k * EMB_CHUNK_ROWS), list]));
  }

  /** The stored vectors of these seqs (f32 copies the caller owns); seqs not embedded yet are absent. */
  async read(tenant: string, session: string, seqs: readonly number[]): Promise<Map<number, Float32Array>> {
    const byChunk = this.#byChunk(seqs);
    const out = new Map<number, Float32Array>();
    await Promise.all(
      [...byChunk].map(async ([name, list]) => {
        const t = await this.#store.getTensor(tenant, session, name);
        if (t === undefined || !this.#usable(t)) return;
        const bits = tensorView(t as typeof t & { dtype: 'f16' });
        for (const s of list) {
          if ((s % EMB_CHUNK_ROWS) * this.dim >= bits.length) continue;
          const row = bits.subarray((s % EMB_CHUNK_ROWS) * this.dim, (s % EMB_CHUNK_ROWS + 1) * this.dim);
          if (row.some((b) => (b & 0x7fff) !== 0)) out.set(s, f16ToF32(row));
        }
      }),
    );
    return out;
  }
}

/**
 * Rows stored for a chunk whose highest row written is `high` − 1: the next power of two from 4 up to 64, so a chunk's
 * size changes 5 times at most and between those the store rewrites a value of the same size (LMDB then reuses its
 * pages instead of freeing and allocating them on every append).
 */
export function chunkRows(high: number): number {
  let n = 4;
  while (n < high && n < EMB_CHUNK_ROWS) n *= 2;
  return n;
}

let table: Float32Array | undefined;

/** The f32 value of every f16 bit pattern (65,536 entries, 256 KiB, built on first use). */
function f16Table(): Float32Array {
  if (table === undefined) table = f16ToF32Portable(Uint16Array.from({ length: 65536 }, (_, i) => i));
  return table;
}
