import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

const SEED = Number(process.env.SIRA_FC_SEED ?? 20_261_203);
fc.configureGlobal({ seed: SEED, numRuns: 200 });

describe(`memory/quotas/rate-limiter (fc seed ${SEED})`, () => {
  it('take() admits at most burst + rate × elapsed requests, and admits one whenever retryAfterMs has passed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          let now = 0;
          const limiter = new RateLimiter(() => now);
          let admitted = 0;
          let retryAt = -1;
          for (const gap of gaps) {
            now += gap;
            const r = limiter.take('k', rate, burst);
            if (retryAt >= 0 && now >= retryAt) expect(r.ok).toBe(true);
            retryAt = r.ok ? -1 : now + r.retryAfterMs;
            if (r.ok) admitted++;
            expect(admitted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9);
          }
        },
      ),
    );
  });

  it('take() with rate 0 never refuses; buckets are independent and bounded in number', () => {
    const limiter = new RateLimiter(() => 0, 10);
    for (let i = 0; i < 1000; i++) expect(limiter.take('x', 0, 0).ok).toBe(true);
    expect(limiter.take('a', 1, 1).ok).toBe(true);
    expect(limiter.take('a', 1, 1)).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(limiter.take('b', 1, 1).ok).toBe(true);
    for (let i = 0; i < 50; i++) limiter.take(`k${i}`, 1, 1);
    expect(limiter.size).toBe(10);
  });
});
