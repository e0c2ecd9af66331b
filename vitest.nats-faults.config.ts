/**
 * The NATS fault runs (leader kills and node stops on real 3-node JetStream clusters), one file at a time:
 * `npm run test:nats-faults` (meant as `npm test`'s second pass, after the main suite, once they pass reliably).
 * Beside the suite's other files (two forks on 2 cores) nats-server's heartbeats and elections starved (16-25 s elections in two clean-clone CI runs); alone each fault takes its
 * election (4-9 s, nats-server's fixed Raft timeouts) plus about a second. Each test has its own bound and the
 * waits inside it follow what the cluster reports (test/helpers/nats-cluster.ts `settle`); the npm script also puts
 * a hard bound on the whole pass (`timeout` in package.json).
 */
import { defineConfig } from 'vitest/config';
import { NATS_FAULT_FILES } from './vitest.config.ts';

export default defineConfig({
  test: {
    include: [...NATS_FAULT_FILES],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
