import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { ManualClock } from '../../src/core/clock.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import type { TailCacheOptions } from '../../src/storage/tail-cache.ts';
import type { EventLogOptions } from '../../src/storage/store.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis, startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.ts';
import { runStoreContract, type ContractHarness } from './store.contract.ts';
import { parseMasterKey, type MasterKey } from '../../src/storage/crypto/master-key.ts';

/** The standalone server CI starts (.ci/run); its absence fails these tests with a clear message. */
const STANDALONE = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let standaloneUp: Promise<void> | undefined;

let cluster: RedisClusterHandle | undefined;
let clusterUrl = '';
beforeAll(async () => {
  cluster = await startRedisCluster();
  clusterUrl = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
});
afterAll(async () => {
  await cluster?.stop();
});

/** A store under a fresh random key prefix; cleanup deletes every key under it. */
async function harness(url: string, clock: ManualClock, tailCache: TailCacheOptions | false = {}, events: EventLogOptions = {}, masterKeys: MasterKey[] = []): Promise<ContractHarness> {
  const keyPrefix = `sira-test:${randomBytes(6).toString('hex')}:`;
  let store = await RedisStore.open({ url, keyPrefix, clock, tailCache, masterKeys, ...events });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await RedisStore.open({ url, keyPrefix, clock, tailCache, masterKeys, ...events });
      return store;
    },
    cleanup: async () => {
      await store.close();
      const admin = await RedisStore.open({ url, keyPrefix });
      await deleteKeysWithPrefix(admin.client, keyPrefix);
      await admin.close();
    },
  };
}

for (const [tailCache, sealed] of [[{}, false], [false, false], [{}, true]] as const) {
  runStoreContract({
    name: `redis (standalone, tail cache ${tailCache === false ? 'off' : 'on'}${sealed ? ', values sealed' : ''})`,
    create: async (clock, events) => {
      const { hostname, port } = new URL(STANDALONE);
      standaloneUp ??= requireStandaloneRedis(hostname, Number(port || 6379));
      await standaloneUp;
      return harness(STANDALONE, clock, tailCache, events, sealed ? [parseMasterKey('redis contract test master key, 32+ chars')] : []);
    },
  });
}

runStoreContract({
  name: 'redis (cluster: 3 masters, 3 replicas)',
  create: (clock, events) => harness(clusterUrl, clock, {}, events),
});
