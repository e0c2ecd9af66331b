/**
 * Consistency harness at scale (test/helpers/consistency.ts) on a local 3+3 Redis Cluster started for the run,
 * with the service as separate processes (`sira-session serve --store redis-cluster://…`, bench/lib/server.ts):
 *  - stress: N agents × M writes as fast as acknowledged (turn appends and CAS counters with If-Match retries)
 *    through random instances, an SSE subscriber per session on every instance, one subscriber connection cut
 *    every 20 ms and resumed with Last-Event-ID → lost, converged, missed, duplicated, fan-out under load;
 *  - paced: the same at a moderate rate (each agent pauses 20 ms between writes), no forced reconnects, once with
 *    pub/sub wake-ups (the default) and once with polling (`SIRA_EVENT_WAKEUPS=poll`, 250 ms) → fan-out latency
 *    publish → subscriber on another instance, the figure that chose pub/sub;
 *  - failover: the stress workload (paced at 5 ms) on a cluster of its own while the master of one shard is
 *    SIGKILLed, its replica promoted and the old master restarted as a replica, once per durability → the service
 *    keeps serving, and what was acknowledged and delivered survives.
 * usage: npm run bench -- consistency   (env BENCH_QUICK=1 for a short run; BENCH_INSTANCES, default 3)
 */
import { randomBytes } from 'node:crypto';
import { KeySpace } from '../src/storage/redis/keys.ts';
import { casCounterWriter, crdtWriter, runConsistency, turnWriter, type HarnessReport } from '../test/helpers/consistency.ts';
import { crashMaster } from '../test/helpers/failover.ts';
import { startRedisCluster } from '../test/helpers/redis-cluster.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { startServer, type RunningServer } from './lib/server.ts';
import { ms, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3);
const KEY = `bench-consistency-${randomBytes(6).toString('hex')}`;

async function instances(storeUrl: string, wakeups: 'pubsub' | 'poll'): Promise<RunningServer[]> {
  const prefix = `sira-bench:${randomBytes(4).toString('hex')}:`;
  const env = { SIRA_REDIS_KEY_PREFIX: prefix, SIRA_EVENT_WAKEUPS: wakeups, SIRA_SWEEP_INTERVAL_MS: '0' };
  return Promise.all(Array.from({ length: INSTANCES }, () => startServer(['--store', storeUrl], { key: KEY, env })));
}

function row(name: string, r: HarnessReport): (string | number)[] {
  const s = summary(r.fanoutFromSendMs);
  const a = summary(r.fanoutFromAckMs);
  const acked = Object.values(r.acknowledged).reduce((x, y) => x + y, 0);
  return [
    name,
    r.instances,
    `${r.agents} × ${r.writesPerAgent}`,
    `${acked} (${Object.entries(r.acknowledged).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    r.retries,
    Object.values(r.failed).reduce((x, y) => x + y, 0),
    r.lostTotal,
    `${r.converged}/${r.subscribers} (${r.convergedPct.toFixed(0)}%)`,
    r.missed,
    r.duplicated,
    `${r.reconnects} + ${r.autoReconnects}`,
    `${ms(s.p50)} / ${ms(s.p99)}`,
    `${ms(a.p50)} / ${ms(a.p99)}`,
    s.n,
    Math.round((acked / r.elapsedMs) * 1000),
    ms(r.clientLoopDelayP99Ms),
  ];
}

export async function run(): Promise<void> {
  const cluster = await startRedisCluster();
  const storeUrl = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const results: Record<string, unknown> = { machine: machine(), instances: INSTANCES };
  const rows: (string | number)[][] = [];
  const strip = (r: HarnessReport) => ({ ...r, fanoutFromSendMs: summary(r.fanoutFromSendMs), fanoutFromAckMs: summary(r.fanoutFromAckMs) });
  try {
    for (const wakeups of ['pubsub', 'poll'] as const) {
      const servers = await instances(storeUrl, wakeups);
      try {
        const inst = servers.map((s) => ({ url: s.url, key: KEY }));
        if (wakeups === 'pubsub') {
          const stress = await runConsistency({
            instances: inst,
            sessions: QUICK ? 8 : 24,
            agents: QUICK ? 8 : 32,
            writesPerAgent: QUICK ? 25 : 150,
            kinds: [turnWriter(), casCounterWriter()],
            reconnectEveryMs: 20,
            seed: 11,
            prefix: `st${randomBytes(3).toString('hex')}-`,
          });
          rows.push(row('stress, pub/sub wake-ups, forced reconnects', stress));
          results.stress = strip(stress);
          // Workspaces: Yjs CRDT edits (half the writes), shared turns and CAS state, same instances and reconnects.
          const crdt = await runConsistency({
            instances: inst,
            resource: 'workspaces',
            sessions: QUICK ? 4 : 12,
            agents: QUICK ? 8 : 32,
            writesPerAgent: QUICK ? 25 : 100,
            kinds: [crdtWriter(2), turnWriter(), casCounterWriter()],
            reconnectEveryMs: 20,
            seed: 14,
            prefix: `ws${randomBytes(3).toString('hex')}-`,
          });
          rows.push(row('workspaces: CRDT + turns + CAS, pub/sub wake-ups, forced reconnects', crdt));
          results.workspaces_crdt = strip(crdt);
        }
        const paced = await runConsistency({
          instances: inst,
          sessions: QUICK ? 8 : 24,
          agents: QUICK ? 4 : 8,
          writesPerAgent: QUICK ? 25 : 150,
          kinds: [turnWriter(), casCounterWriter()],
          thinkMs: 20,
          seed: 12,
          prefix: `pa${randomBytes(3).toString('hex')}-`,
        });
        rows.push(row(`paced, ${wakeups === 'pubsub' ? 'pub/sub wake-ups' : 'polling every 250 ms'}`, paced));
        results[`paced_${wakeups}`] = strip(paced);
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    }
  } finally {
    await cluster.stop();
  }
  // A master killed under the harness's load, on a cluster of its own (short node timeout, replicas in sync).
  for (const durability of ['local', 'replicated'] as const) {
    const fo = await startRedisCluster({ awaitReplicas: true, nodeTimeoutMs: 1000 });
    const url = `redis-cluster://${fo.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    const prefix = `sira-bench:${randomBytes(4).toString('hex')}:`;
    const env = { SIRA_REDIS_KEY_PREFIX: prefix, SIRA_SWEEP_INTERVAL_MS: '0', SIRA_DURABILITY: durability };
    const servers = await Promise.all(Array.from({ length: INSTANCES }, () => startServer(['--store', url], { key: KEY, env })));
    const sessionPrefix = `fo${randomBytes(3).toString('hex')}-`;
    let crash: Awaited<ReturnType<typeof crashMaster>> | undefined;
    try {
      const r = await runConsistency({
        instances: servers.map((s) => ({ url: s.url, key: KEY })),
        sessions: QUICK ? 8 : 24,
        agents: QUICK ? 8 : 16,
        writesPerAgent: QUICK ? 25 : 100,
        kinds: [turnWriter(), casCounterWriter()],
        reconnectEveryMs: 50,
        thinkMs: 5,
        seed: 13,
        prefix: sessionPrefix,
        chaosAfterMs: 1000,
        chaos: async () => {
          crash = await crashMaster(fo, new KeySpace(prefix).session('default', `${sessionPrefix}0`).session);
        },
      });
      rows.push(row(`master killed under load, durability ${durability} (promoted after ${crash?.promotedAfterMs ?? '?'} ms)`, r));
      results[`failover_${durability}`] = { ...strip(r), crash };
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await fo.stop();
    }
  }
  const md = [
    `Machine: ${results.machine as string}; a 3-master, 3-replica Redis 7.0 Cluster and ${INSTANCES} service processes on the same machine (loopback), with the harness process as client. Fan-out: ms from the write request leaving the agent (or from its acknowledgement) to its event reaching an SSE subscriber on another instance, over connections open before the write.`,
    '',
    table(
      ['run', 'instances', 'agents × writes', 'acknowledged', 'CAS retries (409)', 'failed (not acknowledged)', 'lost', 'subscribers converged', 'missed', 'duplicated', 'reconnects forced + after an error event', 'fan-out p50 / p99 from send (ms)', 'from ack (ms)', 'fan-out samples', 'writes/s', 'harness event-loop delay p99 (ms)'],
      rows,
    ),
  ].join('\n');
  writeResult('consistency', results, md);
}

if (import.meta.main) await run();
