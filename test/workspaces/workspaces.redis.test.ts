/**
 * The workspace suite on the real standalone Redis (127.0.0.1:6379, or SIRA_TEST_REDIS_URL), under a fresh key
 * prefix per test. Two SiraSession instances share the store, as two service processes would: writers alternate
 * between them and subscribers on one see writes made through the other.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll } from 'vitest';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { SiraSession } from '../../src/sira.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';
import { runWorkspaceSuite } from './workspaces.suite.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
});

runWorkspaceSuite(async () => {
  const redisKeyPrefix = `sira-test:${randomBytes(6).toString('hex')}:`;
  const opts = { store: URL_, redisKeyPrefix, sweepIntervalMs: 0, eventPollIntervalMs: 20, logLevel: 'silent' as const };
  // Compaction every 4 updates, so it runs concurrently with the writers and readers of every CRDT test.
  const sira = await SiraSession.open(opts, { workspaces: { compactEvery: 4 } });
  const second = await SiraSession.open(opts, { workspaces: { compactEvery: 4 } });
  return {
    sira,
    second,
    cleanup: async () => {
      await sira.close();
      await second.close();
      const admin = await RedisStore.open({ url: URL_ });
      await deleteKeysWithPrefix(admin.client, redisKeyPrefix);
      await admin.close();
    },
  };
});
