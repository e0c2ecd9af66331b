/**
 * @module memory/vector-index
 * Approximate nearest-neighbour search over unit vectors (cosine), on hnswlib-node's HNSW graph. A
 * {@link VectorIndex} maps string keys to HNSW labels, adds incrementally (replacing a key in place), deletes with
 * `markDelete` (the slot is reused by a later add), grows by doubling, and saves to / loads from a pair of files
 * (`<name>.hnsw`, the graph, and `<name>.json`, the key map and the caller's metadata).
 *
 * The store is the source of truth and an index is a cache of it: an index file is only trusted when its saved
 * `version` equals the version the caller reads from the store (see {@link VectorIndexes}); otherwise it is
 * rebuilt from the store. This works the same on LMDB (files beside the data) and Redis (each instance keeps its
 * own files under its data directory and catches up through the version counter the store holds).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { siraError } from '../core/errors.ts';
import type { Store } from '../storage/store.ts';
import { backgroundError } from '../core/background.ts';
import { inSpanSync } from '../core/trace.ts';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

/** HNSW parameters. */
export interface VectorIndexOptions {
  /** Vector length. */
  dim: number;
  /** Links per node. @default 16 */
  m: number;
  /** Candidate list while building. @default 200 */
  efConstruction: number;
  /** Candidate list while searching (at least k is used). @default 64 */
  efSearch: number;
  /** First capacity; doubled whenever full. @default 128 */
  initialCapacity: number;
  /** Seed of the level generator (builds are reproducible). @default 100 */
  seed: number;
}

export const DEFAULT_VECTOR_INDEX_OPTIONS: Readonly<Omit<VectorIndexOptions, 'dim'>> = Object.freeze({
  m: 16,
  efConstruction: 200,
  efSearch: 64,
  initialCapacity: 128,
  seed: 100,
});

/** A search hit: the key and its cosine similarity to the query. */
export interface VectorHit {
  key: string;
  score: number;
}

const SIDE_FORMAT = 1;

/** One HNSW index over string keys. Not safe for concurrent writers (the registry serialises them). */
export class VectorIndex {
  readonly opts: VectorIndexOptions;
  /** The store version this index reflects (see {@link VectorIndexes}). */
  version = 0;
  /** The caller's own state, saved with the index (e.g. how far each source was indexed). */
  meta: Record<string, unknown> = {};
  readonly #hnsw: Hnsw;
  readonly #labelOf = new Map<string, number>();
  readonly #keyOf = new Map<number, string>();
  #nextLabel = 0;
  #deleted = 0;

  constructor(opts: Partial<VectorIndexOptions> & { dim: number }, hnsw?: Hnsw) {
    this.opts = { ...DEFAULT_VECTOR_INDEX_OPTIONS, ...opts };
    if (!Number.isSafeInteger(this.opts.dim) || this.opts.dim < 1) throw siraError('SIRA_ERR_CONFIG_INVALID', 'vector index dim must be a positive integer');
    if (hnsw === undefined) {
      this.#hnsw = new HierarchicalNSW('cosine', this.opts.dim);
      this.#hnsw.initIndex({ maxElements: this.opts.initialCapacity, m: this.opts.m, efConstruction: this.opts.efConstruction, randomSeed: this.opts.seed, allowReplaceDeleted: true });
    } else this.#hnsw = hnsw;
  }

  /** Live keys. */
  get size(): number {
    return this.#labelOf.size;
  }

  /** Slots allocated (grows by doubling). */
  get capacity(): number {
    return this.#hnsw.getMaxElements();
  }

  has(key: string): boolean {
    return this.#labelOf.has(key);
  }

  /** Every live key (any order). */
  keys(): IterableIterator<string> {
    return this.#labelOf.keys();
  }

  /** Add `key` (replacing its vector when present). The vector must have `dim` entries. */
  add(key: string, vector: ArrayLike<number>): void {
    if (vector.length !== this.opts.dim) throw siraError('SIRA_ERR_INTERNAL', `vector of ${vector.length} for an index of ${this.opts.dim}`);
    const point = Array.from(vector);
    const old = this.#labelOf.get(key);
    if (old !== undefined) {
      this.#hnsw.addPoint(point, old);
      return;
    }
    const label = this.#nextLabel++;
    if (this.#deleted > 0) {
      // Reuse a deleted slot: the graph keeps its size under churn.
      this.#hnsw.addPoint(point, label, true);
      this.#deleted--;
    } else {
      if (this.#hnsw.getCurrentCount() >= this.#hnsw.getMaxElements()) this.#hnsw.resizeIndex(Math.max(16, this.#hnsw.getMaxElements() * 2));
      this.#hnsw.addPoint(point, label);
    }
    this.#labelOf.set(key, label);
    this.#keyOf.set(label, key);
  }

  /** Remove `key`; false when absent. */
  remove(key: string): boolean {
    const label = this.#labelOf.get(key);
    if (label === undefined) return false;
    this.#hnsw.markDelete(label);
    this.#labelOf.delete(key);
    this.#keyOf.delete(label);
    this.#deleted++;
    return true;
  }

  /** The `k` nearest live keys by cosine similarity, best first; `accept` filters keys during the search. */
  search(query: ArrayLike<number>, k: number, accept?: (key: string) => boolean): VectorHit[] {
    const n = Math.min(k, this.size);
    if (n <= 0) return [];
    this.#hnsw.setEf(Math.max(this.opts.efSearch, n));
    const filter = accept === undefined ? undefined : (label: number) => {
      const key = this.#keyOf.get(label);
      return key !== undefined && accept(key);
    };
    const r = inSpanSync('sira.vector.search', { 'sira.vector.k': n, 'sira.vector.size': this.size, 'sira.vector.filtered': filter !== undefined }, () =>
      this.#hnsw.searchKnn(Array.from(query), n, filter),
    );
    const hits: VectorHit[] = [];
    r.neighbors.forEach((label, i) => {
      const key = this.#keyOf.get(label);
      if (key !== undefined) hits.push({ key, score: 1 - r.distances[i]! });
    });
    return hits;
  }

  /** Write `<base>.hnsw` and `<base>.json` (each via a temporary file and a rename). */
  async save(base: string): Promise<void> {
    const side = { format: SIDE_FORMAT, dim: this.opts.dim, version: this.version, next: this.#nextLabel, deleted: this.#deleted, keys: [...this.#labelOf], meta: this.meta };
    await this.#hnsw.writeIndex(`${base}.hnsw.tmp`);
    await writeFile(`${base}.json.tmp`, JSON.stringify(side));
    await rename(`${base}.hnsw.tmp`, `${base}.hnsw`);
    await rename(`${base}.json.tmp`, `${base}.json`);
  }

  /** Load what {@link save} wrote; undefined when the files are missing, unreadable or of another dim. */
  static async load(base: string, opts: Partial<VectorIndexOptions> & { dim: number }): Promise<VectorIndex | undefined> {
    try {
      const side = JSON.parse(await readFile(`${base}.json`, 'utf8')) as { format: number; dim: number; version: number; next: number; deleted: number; keys: [string, number][]; meta: Record<string, unknown> };
      if (side.format !== SIDE_FORMAT || side.dim !== opts.dim) return undefined;
      const hnsw = new HierarchicalNSW('cosine', opts.dim);
      await hnsw.readIndex(`${base}.hnsw`, true);
      const idx = new VectorIndex(opts, hnsw);
      for (const [key, label] of side.keys) {
        idx.#labelOf.set(key, label);
        idx.#keyOf.set(label, key);
      }
      idx.#nextLabel = side.next;
      idx.#deleted = side.deleted;
      idx.version = side.version;
      idx.meta = side.meta ?? {};
      // The two files are renamed one after the other: a crash between them leaves a pair that disagrees.
      if (hnsw.getCurrentCount() !== idx.size + idx.#deleted) return undefined;
      return idx;
    } catch {
      return undefined;
    }
  }
}

/** Where a registry keeps its files, and how it reads the version counter. */
export interface VectorIndexesOptions {
  /** Directory of the index files; undefined keeps indexes in memory only (rebuilt after a restart). */
  dir: string | undefined;
  /** Ms after a change before the index is saved (changes in between are saved together). @default 2000 */
  saveDelayMs: number;
  /** HNSW parameters besides `dim`. */
  hnsw?: Partial<Omit<VectorIndexOptions, 'dim'>>;
  /** Indexes kept in memory; the least recently used beyond it is saved and dropped (reloaded on next use). @default 64 */
  maxOpen: number;
}

/** The collection of the store that holds each index's version counter (documents `<scope>`). */
export const VECTOR_INDEX_COLLECTION = 'vector-index';

interface Entry {
  index: VectorIndex;
  /** Serialises writes and (re)loads of this index. */
  chain: Promise<unknown>;
  saveTimer?: NodeJS.Timeout;
  dirty: boolean;
}

/** Yields every (key, vector) pair of a scope from the store (the rebuild source). */
export type RebuildSource = () => AsyncIterable<{ key: string; vector: ArrayLike<number> }>;

/**
 * The indexes of a service, one per (tenant, scope), loaded on first use. Tenancy is structural: a tenant's
 * searches only ever see its own index. Each scope has a version counter in the store (a document of
 * {@link VECTOR_INDEX_COLLECTION} bumped by every change made through {@link VectorIndexes.change}); an index in
 * memory or on disk whose version differs is rebuilt from the store, so deletes and writes made by another
 * instance (Redis) or lost in a crash before the debounced save are never missed.
 */
export class VectorIndexes {
  readonly #store: Store;
  readonly #opts: VectorIndexesOptions;
  readonly #entries = new Map<string, Entry>();
  /** Saves of evicted indexes still running (flush waits for them). */
  readonly #evicting = new Set<Promise<unknown>>();
  #closed = false;

  constructor(store: Store, opts: Partial<VectorIndexesOptions> = {}) {
    this.#store = store;
    this.#opts = { dir: undefined, saveDelayMs: 2000, maxOpen: 64, ...opts };
  }

  #base(tenant: string, scope: string): string | undefined {
    if (this.#opts.dir === undefined) return undefined;
    return join(this.#opts.dir, createHash('sha256').update(`${tenant}\u0000${scope}`).digest('hex').slice(0, 40));
  }

  async #storeVersion(tenant: string, scope: string): Promise<number> {
    return (await this.#store.getDoc(tenant, VECTOR_INDEX_COLLECTION, scope))?.version ?? 0;
  }

  #serial<T>(e: Entry, fn: () => Promise<T>): Promise<T> {
    const p = e.chain.then(fn, fn);
    e.chain = p.catch(() => {}); // the chain only orders the calls: `p` itself carries the error to the caller
    return p;
  }

  #entry(tenant: string, scope: string, dim: number): Entry {
    const k = `${tenant}\u0000${scope}`;
    let e = this.#entries.get(k);
    if (e === undefined || e.index.opts.dim !== dim) {
      e = { index: new VectorIndex({ ...this.#opts.hnsw, dim }), chain: Promise.resolve(), dirty: false };
      e.index.version = -1; // not loaded yet
      this.#entries.set(k, e);
      if (this.#entries.size > this.#opts.maxOpen) this.#evict(this.#entries.keys().next().value!);
    } else {
      // Map order is the LRU order: the entry moves to the end on every use.
      this.#entries.delete(k);
      this.#entries.set(k, e);
    }
    return e;
  }

  /**
   * The index of (tenant, scope), current with the store's version counter: the one in memory, else the saved
   * file, else rebuilt from `source`. `dim` is the vector length (a change of embedder rebuilds).
   */
  open(tenant: string, scope: string, dim: number, source: RebuildSource): Promise<VectorIndex> {
    const e = this.#entry(tenant, scope, dim);
    return this.#serial(e, async () => {
      const v = await this.#storeVersion(tenant, scope);
      if (e.index.version === v) return e.index;
      const base = this.#base(tenant, scope);
      const loaded = base === undefined || e.index.version !== -1 ? undefined : await VectorIndex.load(base, { ...this.#opts.hnsw, dim });
      if (loaded !== undefined && loaded.version === v) {
        e.index = loaded;
        return loaded;
      }
      const fresh = new VectorIndex({ ...this.#opts.hnsw, dim });
      for await (const { key, vector } of source()) fresh.add(key, vector);
      fresh.version = v;
      e.index = fresh;
      this.#scheduleSave(tenant, scope, e);
      return fresh;
    });
  }

  /**
   * Apply a change made to the store: bump the scope's version counter, then `apply` it to the index when the
   * index was current (otherwise the next {@link open} rebuilds). Call after the store write succeeded.
   */
  change(tenant: string, scope: string, dim: number, apply: (index: VectorIndex) => void): Promise<void> {
    const e = this.#entry(tenant, scope, dim);
    return this.#serial(e, async () => {
      const before = e.index.version;
      let rec;
      try {
        rec = await this.#store.putDoc(tenant, VECTOR_INDEX_COLLECTION, scope, new Uint8Array(0));
      } catch (err) {
        // The store changed but the counter did not: never trust this index again (nor its file) until rebuilt.
        e.index.version = -2;
        throw err;
      }
      if (before >= 0 && rec.version === before + 1) {
        apply(e.index);
        e.index.version = rec.version;
        this.#scheduleSave(tenant, scope, e);
      } else e.index.version = -2; // stale: rebuilt on the next open (never trusts a saved file either)
    });
  }

  /**
   * An index the caller keeps current itself (no version counter): loaded from its file, or empty. `meta` is
   * saved with it; call {@link touched} after changing it.
   */
  openLocal(tenant: string, scope: string, dim: number): Promise<VectorIndex> {
    const e = this.#entry(tenant, scope, dim);
    return this.#serial(e, () => this.#loadLocal(e, tenant, scope, dim));
  }

  async #loadLocal(e: Entry, tenant: string, scope: string, dim: number): Promise<VectorIndex> {
    if (e.index.version !== -1) return e.index;
    const base = this.#base(tenant, scope);
    const loaded = base === undefined ? undefined : await VectorIndex.load(base, { ...this.#opts.hnsw, dim });
    e.index = loaded ?? new VectorIndex({ ...this.#opts.hnsw, dim });
    e.index.version = 0;
    return e.index;
  }

  /** Run `fn` on the (tenant, scope) index kept by its caller ({@link openLocal}) with writes serialised, and schedule a save. */
  update<T>(tenant: string, scope: string, dim: number, fn: (index: VectorIndex) => Promise<T>): Promise<T> {
    const e = this.#entry(tenant, scope, dim);
    return this.#serial(e, async () => {
      const r = await fn(await this.#loadLocal(e, tenant, scope, dim));
      this.#scheduleSave(tenant, scope, e);
      return r;
    });
  }

  /** Forget (tenant, scope) in memory and on disk. */
  async drop(tenant: string, scope: string): Promise<void> {
    const k = `${tenant}\u0000${scope}`;
    const e = this.#entries.get(k);
    if (e?.saveTimer !== undefined) clearTimeout(e.saveTimer);
    this.#entries.delete(k);
    const base = this.#base(tenant, scope);
    if (base !== undefined) await Promise.all([rm(`${base}.hnsw`, { force: true }), rm(`${base}.json`, { force: true })]);
  }

  /** Save (when changed) and forget an entry; a later use reloads it from its file or rebuilds it. */
  #evict(k: string): void {
    const e = this.#entries.get(k)!;
    this.#entries.delete(k);
    if (e.saveTimer !== undefined) clearTimeout(e.saveTimer);
    e.saveTimer = undefined;
    const [tenant, scope] = k.split('\u0000') as [string, string];
    const base = this.#base(tenant, scope);
    if (base === undefined) return;
    const p = this.#serial(e, () => this.#save(base, e)).catch(backgroundError('vector-index-save'));
    this.#evicting.add(p);
    void p.finally(() => this.#evicting.delete(p));
  }

  /** Indexes held in memory. */
  get openCount(): number {
    return this.#entries.size;
  }

  #scheduleSave(tenant: string, scope: string, e: Entry): void {
    const base = this.#base(tenant, scope);
    if (base === undefined || this.#closed) return;
    e.dirty = true;
    if (e.saveTimer !== undefined) return;
    e.saveTimer = setTimeout(() => {
      e.saveTimer = undefined;
      void this.#serial(e, () => this.#save(base, e)).catch(backgroundError('vector-index-save'));
    }, this.#opts.saveDelayMs);
    e.saveTimer.unref();
  }

  async #save(base: string, e: Entry): Promise<void> {
    if (!e.dirty || e.index.version < 0) return;
    e.dirty = false;
    await mkdir(this.#opts.dir!, { recursive: true });
    await e.index.save(base);
  }

  /** Save every changed index now (tests; close). */
  async flush(): Promise<void> {
    await Promise.all([...this.#evicting]);
    await Promise.all(
      [...this.#entries].map(([k, e]) => {
        if (e.saveTimer !== undefined) clearTimeout(e.saveTimer);
        e.saveTimer = undefined;
        const [tenant, scope] = k.split('\u0000') as [string, string];
        const base = this.#base(tenant, scope);
        return base === undefined ? Promise.resolve() : this.#serial(e, () => this.#save(base, e));
      }),
    );
  }

  /** Save what changed and stop scheduling saves. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }
}
