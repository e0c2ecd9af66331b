/**
 * Linearizability of the state register on JetStream R3: 6 CAS writers and readers on 3 registers through 3
 * store instances (each its own connection to a random node of a 3-node cluster), with and without a leader
 * kill midway; every history must check (test/helpers/linearizability.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NatsStore } from '../../src/storage/nats/nats-store.ts';
import { destroyBuckets } from '../../src/storage/nats/open.ts';
import { runCasHistory } from '../helpers/cas-history.ts';
import { startNatsCluster, type NatsClusterHandle } from '../helpers/nats-cluster.ts';

let cluster: NatsClusterHandle;
const stores: NatsStore[] = [];
const bucketPrefix = `l${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  cluster = await startNatsCluster();
  for (let i = 0; i < 3; i++) stores.push(await NatsStore.open({ url: cluster.url, bucketPrefix, replicas: 3 }));
}, 60_000);
afterAll(async () => {
  if (stores[0] !== undefined) await destroyBuckets(stores[0].manager, bucketPrefix).catch(() => undefined); // the cluster goes next anyway
  for (const s of stores) await s.close();
  await cluster?.stop();
});

it('CAS register histories across 3 instances are linearizable', { timeout: 120_000 }, async () => {
  const r = await runCasHistory({ stores, tenant: 'lin', prefix: `a${randomBytes(3).toString('hex')}-`, writers: 6, rounds: 25 });
  console.info(`nats linearizability: ${JSON.stringify(r)}`);
  expect(r.writesOk).toBeGreaterThan(0);
  expect(r.writesRefused).toBeGreaterThan(0); // there was contention to get right
  expect(r.linearizable).toBe(true);
});

it('the check catches stale reads: the same workload through stores whose getState serves a cached value fails', { timeout: 60_000 }, async () => {
  // The negative control: a read cache in front of one instance (what a follower read or a lease-less old leader
  // would serve) must make some history non-linearizable.
  const cached = new Map<string, Awaited<ReturnType<NatsStore['getState']>>>();
  const stale = new Proxy(stores[0]!, {
    get(target, prop, receiver) {
      if (prop === 'getState') {
        return async (tenant: string, id: string) => {
          if (!cached.has(id)) cached.set(id, await target.getState(tenant, id));
          return cached.get(id);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const r = await runCasHistory({ stores: [stale, stores[1]!, stores[2]!], tenant: 'lin', prefix: `c${randomBytes(3).toString('hex')}-`, writers: 3, rounds: 6, readers: 0 });
  console.info(`nats linearizability (stale reads, must fail): ${JSON.stringify(r)}`);
  expect(r.writesOk).toBeGreaterThan(0);
  expect(r.linearizable).toBe(false);
  expect(r.failedRegisters.length).toBeGreaterThan(0); // refuted, not merely given up on
});

it('... and stay linearizable across a heads leader kill', { timeout: 180_000 }, async () => {
  const r = await runCasHistory({
    stores,
    tenant: 'lin',
    prefix: `b${randomBytes(3).toString('hex')}-`,
    writers: 6,
    rounds: 40,
    during: async () => {
      // Only into a whole cluster (every node healthy, no election or catch-up running); the restart resolves
      // once the cluster is whole again.
      await cluster.settle();
      const leader = await cluster.leaderOf(`KV_${bucketPrefix}_heads`);
      await cluster.kill(leader);
      const healed = await cluster.restart(leader);
      console.info(`healed in ${healed.ms} ms: ${JSON.stringify(healed.states)}`);
    },
  });
  console.info(`nats linearizability (leader kill): ${JSON.stringify(r)}`);
  expect(r.writesOk).toBeGreaterThan(0);
  expect(r.linearizable).toBe(true);
});
