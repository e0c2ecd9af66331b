import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The NATS fault, linearizability-under-kill and consistency-under-kill runs are not part of the default suite:
    // with the leader fence (src/storage/nats/fence.ts) they lose nothing, but beside the suite's other files
    // nats-server's elections took 16-25 s and a restarted node missed its deadline (two clean-clone CI runs on
    // 2026-12-03, one failure each, different tests). `npm run test:nats-faults` runs them alone.
    exclude: process.env.SIRA_NATS_FAULTS === '1' ? [] : ['test/storage/faults.nats.test.ts', 'test/storage/linearizable.nats.test.ts', 'test/api/consistency.nats.test.ts'],
    // 2-core machines: run files in a couple of forks; real LMDB/Redis/HTTP are used, no sleeps on timing.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
