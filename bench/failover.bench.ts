/**
 * A Redis master crash under write load (test/helpers/failover.ts), with the default durability (`local`) and
 * with `replicated` (WAIT 1 after each write, 500 ms timeout), each on a fresh local 3+3 Cluster (node timeout
 * 1 s): 16 writers append to 24 sessions spread over the shards through RedisStore; the master of one shard is
 * SIGKILLed, its replica takes over, the killed node is restarted and rejoins as a replica. Two scenarios:
 *  - crash: the replica is in sync when the master dies;
 *  - lagging replica: for the 300 ms before the crash the replica is stalled (SIGSTOP) and its replication link
 *    cut, as after a network hiccup, so the master acknowledges writes no replica has.
 * Reports acknowledged appends lost (0 is required under `replicated`), failed, and the recovery times.
 * usage: npm run bench -- failover   (env BENCH_QUICK=1 for the two lagging-replica runs only)
 */
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../src/storage/redis/redis-store.ts';
import { runFailover, type FailoverReport } from '../test/helpers/failover.ts';
import { startRedisCluster } from '../test/helpers/redis-cluster.ts';
import { machine, table, writeResult } from './lib/report.ts';

const QUICK = process.env.BENCH_QUICK === '1';

async function once(durability: 'local' | 'replicated', stallReplicaMs: number): Promise<FailoverReport> {
  const cluster = await startRedisCluster({ awaitReplicas: true, nodeTimeoutMs: 1000 });
  const url = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const store = await RedisStore.open({ url, keyPrefix: `sira-bench:${randomBytes(4).toString('hex')}:`, tailCache: false, durability, replicaTimeoutMs: 500 });
  try {
    return await runFailover({ cluster, store, tenant: 'bench', sessions: 24, writers: 16, beforeMs: 1000, afterMs: 1000, stallReplicaMs });
  } finally {
    await store.close();
    await cluster.stop();
  }
}

export async function run(): Promise<void> {
  const runs: [string, 'local' | 'replicated', number][] = [
    ...(QUICK ? [] : ([['crash', 'local', 0], ['crash', 'replicated', 0]] as [string, 'local' | 'replicated', number][])),
    ['lagging replica (300 ms)', 'local', 300],
    ['lagging replica (300 ms)', 'replicated', 300],
  ];
  const rows: (string | number)[][] = [];
  const data: Record<string, unknown> = { machine: machine() };
  for (const [scenario, durability, stall] of runs) {
    const r = await once(durability, stall);
    data[`${scenario} / ${durability}`] = r;
    rows.push([
      scenario,
      durability,
      r.acknowledged.toLocaleString('en-US'),
      r.acknowledgedOnVictim.toLocaleString('en-US'),
      r.lost,
      Object.entries(r.failed).map(([k, v]) => `${k} ${v}`).join(', ') || '0',
      r.unacknowledgedApplied,
      r.promotedAfterMs,
      r.victimWritableAfterMs,
      r.servingAtEnd ? 'yes' : 'no',
    ]);
  }
  const md = [
    `Machine: ${data.machine as string}; Redis 7.0, 3 masters + 3 replicas on loopback, cluster-node-timeout 1000 ms; 16 writers, 24 sessions, RedisStore (tail cache off), WAIT timeout 500 ms under replicated.`,
    '',
    table(
      ['scenario', 'durability', 'acknowledged appends', 'of which on the killed shard', 'acknowledged but lost', 'failed (not acknowledged)', 'applied but not acknowledged', 'replica promoted after (ms)', 'shard writable again after (ms)', 'serving every session at the end'],
      rows,
    ),
  ].join('\n');
  writeResult('failover', data, md);
}

if (import.meta.main) await run();
