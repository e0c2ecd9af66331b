/**
 * @module memory/quotas/rate-limiter
 * Token buckets, one per API key and one per tenant, kept in this process (each instance limits what it
 * serves; behind a load balancer that spreads requests over N instances a tenant gets up to N × its rate). A
 * bucket holds at most `burst` tokens and refills at `rate` per second; a request takes one. The map is bounded:
 * the least recently used bucket is forgotten (it then starts full again, which only ever lets more through).
 */
import type { Clock } from '../../core/clock.ts';

/** The outcome of {@link RateLimiter.take}. */
export interface TakeResult {
  ok: boolean;
  /** Ms until a token is back (0 when ok). */
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A bounded set of token buckets by name. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #clock: Clock;
  readonly #max: number;

  /** @param max most buckets remembered. @default 100000 */
  constructor(clock: Clock, max = 100_000) {
    this.#clock = clock;
    this.#max = max;
  }

  /** Buckets held now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Take one token from bucket `name` (refilling at `rate`/s up to `burst`). A rate of 0 means no limit. */
  take(name: string, rate: number, burst: number): TakeResult {
    if (rate <= 0) return { ok: true, retryAfterMs: 0 };
    const now = this.#clock();
    const cap = Math.max(1, burst);
    const b = this.#buckets.get(name) ?? { tokens: cap, at: now };
    this.#buckets.delete(name); // most recently used goes last
    const tokens = Math.min(cap, b.tokens + (Math.max(0, now - b.at) * rate) / 1000);
    const ok = tokens >= 1;
    this.#buckets.set(name, { tokens: ok ? tokens - 1 : tokens, at: now });
    if (this.#buckets.size > this.#max) this.#buckets.delete(this.#buckets.keys().next().value as string);
    return { ok, retryAfterMs: ok ? 0 : Math.ceil(((1 - tokens) * 1000) / rate) };
  }
}
