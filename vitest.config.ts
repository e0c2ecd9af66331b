import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The NATS fault runs (test/storage/faults.nats.test.ts, linearizable.nats, test/api/consistency.nats) are part of
    // the suite again: the stale reads after a leader change that lost acknowledged CAS writes under load are fenced
    // (src/storage/nats/fence.ts), and each file takes 10-80 s (its tests are bounded by their timeouts).
    // `npm run test:nats-faults` runs them alone.
    // 2-core machines: run files in a couple of forks; real LMDB/Redis/HTTP are used, no sleeps on timing.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
