/**
 * @module storage/nats/tensors
 * Session tensors on NATS: the index lives in the session head (name → info and the write id of its blob), the
 * record in a blob `x.….<gen>.<write>` of the data bucket, written once under a fresh write id before the head
 * that references it. A blob's bytes never change, so a per-process LRU of recent records by blob key serves a
 * read of a tensor this process wrote or read lately with the head read alone (the embedding chunks: each append
 * reads the chunk it wrote last time and writes it back).
 */
import { siraError } from '../../core/errors.ts';
import type { Tensor, TensorInfo } from '../../core/types.ts';
import { decodeTensorRecord, encodeTensorRecord } from '../codec/tensor-record.ts';
import type { Current, HeadCommitter, Outcome } from './commit.ts';
import { slide, withEvent, withoutEvent, type Head } from './head.ts';
import { GenKeys } from './keys.ts';
import type { SessionData } from './session-data.ts';
import { tensorLimit } from '../session-records.ts';

/** Reads that found a blob a concurrent writer had just replaced retry this often before reporting corruption. */
const READ_RETRIES = 5;

/** Immutable blobs by key, least recently used first out, bounded in bytes. */
export class BlobCache {
  readonly #max: number;
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  /** The cached bytes (shared: the caller copies before handing them out), or undefined. */
  get(key: string): Uint8Array | undefined {
    const v = this.#entries.get(key);
    if (v === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, v);
    return v;
  }

  /** Keep `bytes` (the cache's own: the caller must not change them) under `key`. */
  set(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.#max / 8) return; // one large tensor must not flush everything else
    this.delete(key);
    this.#entries.set(key, bytes);
    this.#bytes += bytes.byteLength;
    while (this.#bytes > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const v = this.#entries.get(key);
    if (v === undefined) return;
    this.#bytes -= v.byteLength;
    this.#entries.delete(key);
  }
}

/** What the tensor operations need of their store. */
export interface TensorParts {
  committer: HeadCommitter;
  data: SessionData;
  clock: () => number;
  maxTensors: number;
  /** Bytes of tensor records kept in process. @default 33554432 (32 MiB) */
  cacheBytes?: number;
  /** The store's call wrapper (driver errors → SIRA_ERR_STORE_FAILED). */
  run: <T>(p: () => Promise<T>) => Promise<T>;
  /** Load the head now. */
  load: (tenant: string, id: string) => Promise<Current>;
}

/** Put, get, list and delete session tensors. */
export class NatsTensors {
  readonly #o: TensorParts;
  readonly #cache: BlobCache;

  constructor(parts: TensorParts) {
    this.#o = parts;
    this.#cache = new BlobCache(parts.cacheBytes ?? 32 * 1024 * 1024);
  }

  async put(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    const now = this.#o.clock();
    const rec = encodeTensorRecord(tensor, now);
    const info: TensorInfo = { name, dtype: tensor.dtype, shape: [...tensor.shape], byte_length: tensor.data.byteLength, updated_at: now };
    const uploads: string[] = [];
    const cache = new Map<string, string>();
    const c = this.#o.committer;
    return c.commit(
      tenant,
      sessionId,
      async ({ live }): Promise<Outcome<TensorInfo>> => {
        if (live === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
        if (live.tx[name] === undefined && Object.keys(live.tx).length >= this.#o.maxTensors) {
          throw tensorLimit(this.#o.maxTensors);
        }
        const w = await c.upload(tenant, sessionId, live, 'tensor', rec, uploads, cache);
        // The record is this call's own (encoded above): the cache may keep it. A lost or refused write's blob
        // is removed by the committer and never referenced by a head, so its cache entry is never asked for.
        this.#cache.set(new GenKeys(tenant, sessionId, live.g).tensor(w), rec);
        const base: Head = { ...live, s: slide(live.s, now), tx: { ...live.tx, [name]: { dtype: info.dtype, shape: info.shape, byte_length: info.byte_length, updated_at: now, w } } };
        // Names starting with '_' are the service's own (e.g. embeddings, which clients cannot name): no event.
        return { value: info, next: name.startsWith('_') ? withoutEvent(base) : withEvent(base, 'tensor.written', now, { name }) };
      },
      uploads,
    );
  }

  async get(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
    for (let attempt = 0; ; attempt++) {
      const { live } = await this.#o.run(() => this.#o.load(tenant, sessionId));
      const ref = live?.tx[name];
      if (live === undefined || ref === undefined) return undefined;
      const key = new GenKeys(tenant, sessionId, live.g).tensor(ref.w);
      const hit = this.#cache.get(key);
      // A cached record is shared: the tensor gets its own copy. A fetched blob is this call's own: the tensor
      // views it, and the cache keeps a copy.
      if (hit !== undefined) return decodeTensorRecord(hit.slice()).tensor;
      const raw = await this.#o.run(() => this.#o.data.getBlob(key));
      if (raw !== undefined) {
        this.#cache.set(key, raw.slice());
        return decodeTensorRecord(raw).tensor;
      }
      if (attempt >= READ_RETRIES) throw siraError('SIRA_ERR_CODEC_CORRUPT', `tensor ${name} of session ${sessionId} is missing`);
    }
  }

  async list(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
    const { live } = await this.#o.run(() => this.#o.load(tenant, sessionId));
    if (live === undefined) return undefined;
    return Object.entries(live.tx)
      .map(([name, t]): TensorInfo => ({ name, dtype: t.dtype as TensorInfo['dtype'], shape: t.shape, byte_length: t.byte_length, updated_at: t.updated_at }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async delete(tenant: string, sessionId: string, name: string): Promise<boolean> {
    return this.#o.committer.commit(tenant, sessionId, ({ live, now }): Outcome<boolean> => {
      if (live?.tx[name] === undefined) return { value: false };
      const tx = { ...live.tx };
      delete tx[name];
      return { value: true, next: withEvent({ ...live, s: slide(live.s, now), tx }, 'tensor.deleted', now, { name }) };
    });
  }
}
