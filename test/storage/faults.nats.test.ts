/**
 * Faults on a real 3-node JetStream cluster (test/helpers/nats-faults.ts): the stream leader of the heads bucket
 * (the commit point) or of the data bucket SIGKILLed under write load, five times, and one node SIGSTOPped (a
 * partition as the others see it) three times. No acknowledged write may be lost, every CAS history must be
 * linearizable, every store must read every session after the heal, and writes must resume (the times are
 * printed, not asserted: bench/nats.bench.ts measures them on a quiet machine).
 *
 * One test per fault, each injected only once the cluster reports itself whole (test/helpers/nats-faults.ts);
 * each test's own bound is generous (3 min against ~10 s alone), the waits inside it end sooner and say which
 * phase stalled. Runs alone, serially (`npm run test:nats-faults`, vitest.nats-faults.config.ts), not beside the suite.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NatsStore } from '../../src/storage/nats/nats-store.ts';
import { destroyBuckets } from '../../src/storage/nats/open.ts';
import { startNatsCluster, type NatsClusterHandle } from '../helpers/nats-cluster.ts';
import { runNatsFault, type NatsFaultReport } from '../helpers/nats-faults.ts';

let cluster: NatsClusterHandle;
const stores: NatsStore[] = [];
const bucketPrefix = `f${randomBytes(4).toString('hex')}`;
const tenant = 'faults';

beforeAll(async () => {
  cluster = await startNatsCluster();
  for (let i = 0; i < 3; i++) stores.push(await NatsStore.open({ url: cluster.url, bucketPrefix, replicas: 3 }));
}, 60_000);
afterAll(async () => {
  if (stores[0] !== undefined) await destroyBuckets(stores[0].manager, bucketPrefix).catch(() => undefined); // the cluster goes next anyway
  for (const s of stores) await s.close();
  await cluster?.stop();
});

const expectSafe = (r: NatsFaultReport) => {
  console.info(`nats fault: ${JSON.stringify(r)}`);
  expect(r.acknowledged).toBeGreaterThan(0);
  expect(r.casAcknowledged).toBeGreaterThan(0);
  expect(r.lost).toBe(0);
  expect(r.casLost).toBe(0);
  expect(r.linearizable).toBe(true);
  expect(r.readsAfterHeal).toBe(true);
  expect(Number.isFinite(r.resumeAllMs)).toBe(true);
};

const kills = ['heads', 'data', 'heads', 'data', 'heads'] as const;
const stops = ['heads', 'data', 'heads'] as const;

for (const [i, target] of kills.entries()) {
  it(`leader kill ${i + 1} of ${kills.length} (SIGKILL of the ${target} stream's leader) under load: 0 acknowledged writes lost, linearizable, writes resume`, { timeout: 180_000 }, async () => {
    expectSafe(await runNatsFault({ cluster, stores, tenant, fault: 'kill', target }));
  });
}

for (const [i, target] of stops.entries()) {
  it(`node stop ${i + 1} of ${stops.length} (SIGSTOP of the ${target} stream's leader, healed): 0 lost, linearizable, reads after heal`, { timeout: 180_000 }, async () => {
    expectSafe(await runNatsFault({ cluster, stores, tenant, fault: 'stop', target, stopMs: 12_000 }));
  });
}
