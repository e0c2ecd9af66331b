import { defineConfig } from 'vitest/config';

/** Leader kills and node stops on real 3-node JetStream clusters: run alone, after the rest (vitest.nats-faults.config.ts). */
export const NATS_FAULT_FILES = ['test/storage/faults.nats.test.ts', 'test/storage/linearizable.nats.test.ts', 'test/api/consistency.nats.test.ts'] as const;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The NATS fault runs go alone, serially (npm run test:nats-faults, vitest.nats-faults.config.ts), not beside these files.
    exclude: [...NATS_FAULT_FILES],
    // 2-core machines: run files in a couple of forks; real LMDB/Redis/HTTP are used, no sleeps on timing.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
