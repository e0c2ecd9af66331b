/**
 * Redis Cluster-only behaviour on a real 3-master, 3-replica cluster: a session's keys share one slot, sessions
 * spread over the shards, scripts reload on nodes that lost them, and the store rides through a failover.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/clock.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.ts';

let cluster: RedisClusterHandle;
let store: RedisStore;
const clock = manualClock(Date.UTC(2026, 10, 25, 12));

beforeAll(async () => {
  cluster = await startRedisCluster({ awaitReplicas: true });
  const url = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  store = await RedisStore.open({ url, keyPrefix: `sira-test:${randomBytes(4).toString('hex')}:`, clock });
});
afterAll(async () => {
  await store?.close();
  await cluster?.stop();
});

const text = (t: string) => ({ role: 'user' as const, parts: [{ type: 'text' as const, text: t }] });
const node = (port: number) => new Redis({ host: '127.0.0.1', port, lazyConnect: true });

async function slotOf(key: string): Promise<number> {
  const r = node(cluster.nodes[0]!.port);
  try {
    return await r.cluster('KEYSLOT', key);
  } finally {
    r.disconnect();
  }
}

describe('Redis Cluster', () => {
  it('the keys of one session share a slot (CLUSTER KEYSLOT), and so do a tenant\'s index keys', async () => {
    const k = store.keys.session('tenant:1', 'sess.a');
    const slots = await Promise.all([k.session, k.turns, k.state, k.tensors, k.tinfo].map(slotOf));
    expect(new Set(slots).size).toBe(1);
    const idx = await Promise.all([store.keys.byTime('tenant:1'), store.keys.byUser('tenant:1', 'u1'), store.keys.byUser('tenant:1', 'u2')].map(slotOf));
    expect(new Set(idx).size).toBe(1);
  });

  it('sessions spread over every master', async () => {
    const slots = await Promise.all(Array.from({ length: 60 }, (_, i) => slotOf(store.keys.session('t', `s${i}`).session)));
    const masters = store.client instanceof Redis ? [] : store.client.nodes('master');
    expect(masters).toHaveLength(3);
    const ranges = (await masters[0]!.cluster('SLOTS')) as [number, number, ...unknown[]][];
    const owner = (slot: number) => ranges.findIndex(([lo, hi]) => slot >= lo && slot <= hi);
    expect(new Set(slots.map(owner)).size).toBe(3);
  });

  it('scripts are loaded again on nodes that lost them (SCRIPT FLUSH → NOSCRIPT → EVAL)', async () => {
    await store.createSession('t', { id: 'flush' });
    await store.appendTurns('t', 'flush', [text('before')]);
    await Promise.all(cluster.nodes.map(async ({ port }) => {
      const r = node(port);
      await r.script('FLUSH');
      r.disconnect();
    }));
    await store.appendTurns('t', 'flush', [text('after')]);
    expect((await store.getTurns('t', 'flush'))?.map((t) => t.seq)).toEqual([1, 2]);
  });

  it('a manual failover of the shard holding a session loses nothing acknowledged and the store keeps serving', async () => {
    await store.createSession('t', { id: 'fo' });
    await store.appendTurns('t', 'fo', [text('one'), text('two')]);
    await store.putTensor('t', 'fo', 'v', { dtype: 'u8', shape: [3], data: new Uint8Array([1, 2, 3]) });
    // Find the replica of the master owning the session's slot and promote it.
    const slot = await slotOf(store.keys.session('t', 'fo').session);
    const admin = node(cluster.nodes[0]!.port);
    // CLUSTER NODES lines: <id> <host:port@bus> <flags> <master id|-> <ping> <pong> <epoch> <link> <slot ranges…>
    const lines = String(await admin.call('CLUSTER', 'NODES')).trim().split('\n').map((l) => l.split(' '));
    admin.disconnect();
    const owns = (ranges: string[]) => ranges.some((r) => {
      const [lo, hi = lo] = r.split('-').map(Number);
      return slot >= lo! && slot <= hi!;
    });
    const master = lines.find((l) => l[2]!.includes('master') && owns(l.slice(8)))!;
    const owner = node(Number(/:(\d+)@/.exec(master[1]!)![1]));
    const replicaPort = Number(/slave0:.*port=(\d+)/.exec(await owner.info('replication'))![1]);
    owner.disconnect();
    const replica = node(replicaPort);
    await replica.call('CLUSTER', 'FAILOVER');
    const deadline = Date.now() + 20_000;
    while (!String((await replica.call('ROLE')) as unknown[]).startsWith('master')) {
      if (Date.now() > deadline) throw new Error('failover did not complete');
      await new Promise((r) => setTimeout(r, 100));
    }
    replica.disconnect();
    // The client follows the MOVED redirections to the new master.
    expect((await store.getTurns('t', 'fo'))?.map((t) => t.seq)).toEqual([1, 2]);
    await store.appendTurns('t', 'fo', [text('three')]);
    expect((await store.getTurns('t', 'fo', { last: 1 }))?.[0]).toMatchObject({ seq: 3, parts: [{ type: 'text', text: 'three' }] });
    expect(Array.from((await store.getTensor('t', 'fo', 'v'))!.data)).toEqual([1, 2, 3]);
  });
});
