/**
 * @module models/lru
 * A small bounded cache with least-recently-used-like eviction, for per-turn derived data (token counts, lexical
 * analysis, word stems) that is cheap to recompute but read on every request, often thousands of times per
 * context build. It is a CLOCK ("second chance") cache over a `Map` in insertion order: a hit only sets the
 * entry's `hot` flag (no map mutation, which made a strict LRU's hit — delete + re-insert — a measurable share of a
 * context build); eviction takes the oldest entry, but a hot one is moved to the back cold instead, once.
 */

interface Slot<V> {
  value: V;
  hot: boolean;
}

/** A bounded cache: `get` marks an entry used; `set` evicts the oldest entry not used since it was last passed over. */
export class Lru<K, V> {
  readonly max: number;
  readonly #map = new Map<K, Slot<V>>();

  /** @param max most entries kept (≥ 1) */
  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('Lru max must be a positive integer');
    this.max = max;
  }

  /** Entries held now. */
  get size(): number {
    return this.#map.size;
  }

  /** The value (marking it used), or undefined. */
  get(key: K): V | undefined {
    const s = this.#map.get(key);
    if (s === undefined) return undefined;
    s.hot = true;
    return s.value;
  }

  /** Store a value, evicting one entry when full. */
  set(key: K, value: V): void {
    const s = this.#map.get(key);
    if (s !== undefined) {
      s.value = value;
      s.hot = true;
      return;
    }
    // Make room first, so the entry being added is never the one evicted.
    if (this.#map.size >= this.max) this.#evict();
    this.#map.set(key, { value, hot: false });
  }

  /** Remove one entry; false when absent. */
  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** Drop everything. */
  clear(): void {
    this.#map.clear();
  }

  // Oldest first: a used entry gets a second chance at the back (cold); the first unused one goes. Every pass
  // clears flags, so this ends within one sweep of the map.
  #evict(): void {
    for (const [key, slot] of this.#map) {
      this.#map.delete(key);
      if (!slot.hot) return;
      slot.hot = false;
      this.#map.set(key, slot);
    }
  }
}
