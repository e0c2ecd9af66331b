/**
 * The workspace suite on a local Redis Cluster (3 masters, 3 replicas, started for this file): the backing session's
 * hash tag keeps a workspace's turns, state, members, updates and event log on one shard, so every write and its
 * event stay one atomic script; snapshots (documents) live on their own slots. Two SiraSession instances share it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { SiraSession } from '../../src/sira.ts';
import { deleteKeysWithPrefix, startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.ts';
import { runWorkspaceSuite } from './workspaces.suite.ts';

let cluster: RedisClusterHandle | undefined;
let url = '';
beforeAll(async () => {
  cluster = await startRedisCluster();
  url = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
});
afterAll(async () => {
  await cluster?.stop();
});

runWorkspaceSuite(async () => {
  const redisKeyPrefix = `sira-test:${randomBytes(6).toString('hex')}:`;
  const opts = { store: url, redisKeyPrefix, sweepIntervalMs: 0, eventPollIntervalMs: 20, logLevel: 'silent' as const };
  const sira = await SiraSession.open(opts, { workspaces: { compactEvery: 4 } });
  const second = await SiraSession.open(opts, { workspaces: { compactEvery: 4 } });
  return {
    sira,
    second,
    cleanup: async () => {
      await sira.close();
      await second.close();
      const admin = await RedisStore.open({ url });
      await deleteKeysWithPrefix(admin.client, redisKeyPrefix);
      await admin.close();
    },
  };
});
