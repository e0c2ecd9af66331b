/**
 * HTTP through the service on a local Redis Cluster (issue 5 target: append and read p99 ≤ 5 ms at 1,000
 * requests/s). A 3-master, 3-replica Cluster is started for the run; the service runs as users start it
 * (`sira-session serve --store redis-cluster://…`, auth on) once with durability `local` (the default) and once
 * with `replicated` (WAIT 1 after each write), after the same on the embedded LMDB store as a same-run baseline
 * (what the shared machine allows the service at that moment). Each: 500 sessions pre-filled with 20 turns, a warm-up, then an
 * open-loop constant rate (bench/lib/load.ts, in a worker thread; latency from when each request was due) of
 * 1,000 requests/s appending one turn, then 1,000 requests/s reading the last 20 turns.
 * usage: npm run bench -- cluster-http   (BENCH_QUICK=1 for 3-second runs)
 */
import { randomBytes } from 'node:crypto';
import type { NewTurn } from '../src/core/types.ts';
import { startRedisCluster } from '../test/helpers/redis-cluster.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { constantRateInWorker, type LoadResult } from './lib/load.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { startServer } from './lib/server.ts';
import { ms } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const DURATION = QUICK ? 3 : 15;
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SESSIONS = 500;

const wire = (t: NewTurn) => ({ role: t.role, content: t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts, metadata: t.metadata });

export async function run(): Promise<void> {
  const cluster = await startRedisCluster({ awaitReplicas: true });
  const storeUrl = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const rows: (string | number)[][] = [];
  const data: Record<string, unknown> = { machine: machine(), duration: DURATION, rate: RATE };
  try {
    // The embedded store first, as the same-run baseline: what this machine allows the service at this moment.
    for (const durability of ['lmdb baseline', 'local', 'replicated'] as const) {
      const args = durability === 'lmdb baseline' ? [] : ['--store', storeUrl, '--durability', durability];
      const srv = await startServer(args, { env: { SIRA_REDIS_KEY_PREFIX: `sira-bench:${randomBytes(4).toString('hex')}:` } });
      try {
        const auth = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
        const g = chatTurns(21);
        for (let i = 0; i < SESSIONS; i++) {
          const r = await fetch(`${srv.url}/v1/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id: `h${i}` }) });
          if (r.status !== 201) throw new Error(`create failed: ${r.status}`);
          await fetch(`${srv.url}/v1/sessions/h${i}/turns`, { method: 'POST', headers: auth, body: JSON.stringify({ turns: Array.from({ length: 20 }, () => wire(g.next())) }) });
        }
        const rng = mulberry32(9);
        const sid = () => `h${Math.floor(rng() * SESSIONS)}`;
        const bodies = Array.from({ length: 2000 }, () => JSON.stringify({ turns: [wire(g.next())] }));
        const appends = Array.from({ length: 5000 }, (_, i) => ({ method: 'POST' as const, path: `/v1/sessions/${sid()}/turns`, body: bodies[i % bodies.length]! }));
        const reads = Array.from({ length: 5000 }, () => ({ method: 'GET' as const, path: `/v1/sessions/${sid()}/turns?last=20` }));
        await constantRateInWorker(srv.url, auth, RATE, 2, reads); // warm-up: JIT, connections, tail cache
        const out: Record<string, LoadResult> = {};
        out.append = await constantRateInWorker(srv.url, auth, RATE, DURATION, appends);
        out.read = await constantRateInWorker(srv.url, auth, RATE, DURATION, reads);
        data[durability] = out;
        for (const [op, r] of Object.entries(out)) {
          rows.push([
            op === 'append' ? 'append 1 turn' : 'read last 20 turns',
            durability,
            RATE,
            Math.round(r.achieved).toLocaleString('en-US'),
            ms(r.latency.p50),
            ms(r.latency.p99),
            `${ms(r.fromSend.p50)} / ${ms(r.fromSend.p99)}`,
            ms(r.latency.max),
            r.errors,
          ]);
        }
      } finally {
        await srv.stop();
      }
    }
  } finally {
    await cluster.stop();
  }
  const md = [
    `Machine: ${data.machine as string}. Redis 7.0 Cluster, 3 masters + 3 replicas, and the service (bin, auth on, one process) on the same machine (loopback); ${SESSIONS} sessions pre-filled with 20 turns; open loop at ${RATE} requests/s for ${DURATION} s per row, latency in ms from when each request was due (and from when it was sent).`,
    '',
    table(['scenario', 'store / durability', 'offered req/s', 'achieved req/s', 'p50 ms', 'p99 ms', 'from send p50 / p99 ms', 'max ms', 'non-2xx + errors'], rows),
  ].join('\n');
  writeResult('cluster-http', data, md);
}

if (import.meta.main) await run();
