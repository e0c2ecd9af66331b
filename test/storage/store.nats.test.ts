/**
 * The Store contract on NATS JetStream: on the single server CI runs (R1, SIRA_TEST_NATS_URL, default
 * 127.0.0.1:4222) and on a 3-node JetStream cluster this file starts (R3). Each store gets fresh buckets under a
 * random prefix, destroyed after.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { ManualClock } from '../../src/core/clock.ts';
import { NatsStore } from '../../src/storage/nats/nats-store.ts';
import { destroyBuckets } from '../../src/storage/nats/open.ts';
import type { EventLogOptions } from '../../src/storage/store.ts';
import { requireStandaloneNats, startNatsCluster, STANDALONE_NATS_URL, type NatsClusterHandle } from '../helpers/nats-cluster.ts';
import { runStoreContract, type ContractHarness } from './store.contract.ts';

let standaloneUp: Promise<void> | undefined;
let cluster: NatsClusterHandle | undefined;
beforeAll(async () => {
  cluster = await startNatsCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

async function harness(url: string, replicas: number, clock: ManualClock, events: EventLogOptions = {}): Promise<ContractHarness> {
  const bucketPrefix = `t${randomBytes(5).toString('hex')}`;
  let store = await NatsStore.open({ url, bucketPrefix, replicas, clock, ...events });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await NatsStore.open({ url, bucketPrefix, replicas, clock, ...events });
      return store;
    },
    cleanup: async () => {
      const jsm = store.manager;
      await destroyBuckets(jsm, bucketPrefix);
      await store.close();
    },
  };
}

runStoreContract({
  name: 'nats (single server, R1)',
  create: async (clock, events) => {
    standaloneUp ??= requireStandaloneNats(STANDALONE_NATS_URL);
    await standaloneUp;
    return harness(STANDALONE_NATS_URL, 1, clock, events);
  },
});

runStoreContract({
  name: 'nats (3-node JetStream cluster, R3)',
  create: (clock, events) => harness(cluster!.url, 3, clock, events),
});
