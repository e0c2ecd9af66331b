/**
 * @module models/lru
 * A small bounded least-recently-used map (insertion order of a `Map` is the recency order), used for caches of
 * per-turn derived data (token counts, lexical analysis) that are cheap to recompute but hot on every request.
 */

/** A bounded LRU map: `get` refreshes an entry, `set` evicts the least recently used beyond `max` entries. */
export class Lru<K, V> {
  readonly max: number;
  readonly #map = new Map<K, V>();

  /** @param max most entries kept (≥ 1) */
  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('Lru max must be a positive integer');
    this.max = max;
  }

  /** Entries held now. */
  get size(): number {
    return this.#map.size;
  }

  /** The value, refreshed as most recently used, or undefined. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, v);
    return v;
  }

  /** Store a value (most recently used), evicting the oldest entry when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }

  /** Remove one entry; false when absent. */
  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** Drop everything. */
  clear(): void {
    this.#map.clear();
  }
}
