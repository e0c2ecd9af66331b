/**
 * Linearizability of the state register on Redis: 6 CAS writers and readers on 3 registers through 3 store
 * instances, on the standalone server and on a 3+3 Cluster (no faults: a master failover under durability
 * `local` can lose acknowledged writes, which bench/nats.bench.ts shows beside JetStream; see docs/internals.md).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { runCasHistory } from '../helpers/cas-history.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis, startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.ts';

const STANDALONE = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let cluster: RedisClusterHandle | undefined;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

async function check(url: string, label: string): Promise<void> {
  const keyPrefix = `sira-test:${randomBytes(6).toString('hex')}:`;
  const stores = await Promise.all([0, 1, 2].map(() => RedisStore.open({ url, keyPrefix, tailCache: false })));
  try {
    const r = await runCasHistory({ stores, tenant: 'lin', prefix: `r${randomBytes(3).toString('hex')}-`, writers: 6, rounds: 25 });
    console.info(`redis linearizability (${label}): ${JSON.stringify(r)}`);
    expect(r.writesOk).toBeGreaterThan(0);
    expect(r.writesRefused).toBeGreaterThan(0);
    expect(r.linearizable).toBe(true);
  } finally {
    await deleteKeysWithPrefix(stores[0]!.client, keyPrefix);
    for (const s of stores) await s.close();
  }
}

it('CAS register histories on standalone Redis are linearizable', { timeout: 60_000 }, async () => {
  const { hostname, port } = new URL(STANDALONE);
  await requireStandaloneRedis(hostname, Number(port || 6379));
  await check(STANDALONE, 'standalone');
});

it('CAS register histories on Redis Cluster are linearizable (no failover)', { timeout: 60_000 }, async () => {
  await check(`redis-cluster://${cluster!.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`, 'cluster');
});
