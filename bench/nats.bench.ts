/**
 * JetStream beside Redis Cluster and LMDB, in one run (issue 15):
 *  1. store ops in process, interleaved op by op: append one turn, read the last 20, CAS the state (putState with
 *     the expected version) — p50/p99 — and throughput with 16 concurrent appenders / CAS writers; on LMDB, a
 *     local Redis Cluster (3+3), JetStream R1 and R3 buckets on a local 3-node cluster;
 *  2. HTTP: the service (bin, auth on) appending one turn at an open-loop constant rate (500 req/s by default,
 *     BENCH_RATE) on LMDB, Redis Cluster and JetStream R3 — the issue's target is append p50 ≤ 2 ms on R3;
 *  3. fan-out: two service instances on one store, SSE subscribers on both, writes through random instances
 *     (test/helpers/consistency.ts): latency from a write's send to its event on the other instance;
 *  4. writes-resume after a heads leader SIGKILL under load (test/helpers/nats-faults.ts), with lost writes and
 *     the linearizability of the CAS histories, repeated BENCH_KILLS times (default 5).
 * usage: npm run bench -- nats   (BENCH_QUICK=1 for a smoke run)
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { startServer as startInProcess, type RunningServer as InProcess } from '../src/cli/serve.ts';
import type { NewTurn } from '../src/core/types.ts';
import { LmdbStore } from '../src/storage/lmdb/lmdb-store.ts';
import { NatsStore } from '../src/storage/nats/nats-store.ts';
import { destroyBuckets } from '../src/storage/nats/open.ts';
import { RedisStore } from '../src/storage/redis/redis-store.ts';
import type { Store } from '../src/storage/store.ts';
import { tempDir } from '../test/helpers/app.ts';
import { casCounterWriter, runConsistency, turnWriter } from '../test/helpers/consistency.ts';
import { startNatsCluster } from '../test/helpers/nats-cluster.ts';
import { runNatsFault, type NatsFaultReport } from '../test/helpers/nats-faults.ts';
import { deleteKeysWithPrefix, startRedisCluster } from '../test/helpers/redis-cluster.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { constantRateInWorker, type LoadResult } from './lib/load.ts';
import { interleaved, type Target } from './lib/ops.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { startServer } from './lib/server.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SESSIONS = QUICK ? 20 : 200;
const OPS = QUICK ? 100 : 2000;
const RATE = Number(process.env.BENCH_RATE ?? 500);
const DURATION = QUICK ? 2 : 15;
const KILLS = Number(process.env.BENCH_KILLS ?? (QUICK ? 1 : 5));

interface StoreTarget extends Target {
  cas(s: number): Promise<void>;
}

function target(name: string, store: Store, close: () => Promise<void>): StoreTarget {
  const versions = new Map<number, number>();
  return {
    name,
    append: async (s, t) => void (await store.appendTurns('bench', `s${s}`, [t])),
    appendBatch: async (s, ts) => void (await store.appendTurns('bench', `s${s}`, ts)),
    last20: async (s) => (await store.getTurns('bench', `s${s}`, { last: 20 }))!.length,
    session: (s) => store.getSession('bench', `s${s}`),
    cas: async (s) => {
      const v = versions.get(s) ?? 0;
      versions.set(s, (await store.putState('bench', `s${s}`, { n: v + 1 }, v)).version);
    },
    close,
  };
}

async function throughput(n: number, workers: number, fn: (i: number, w: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = now();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    while (next < n) await fn(next++, w);
  }));
  return n / ((now() - t0) / 1000);
}

const wire = (t: NewTurn) => ({ role: t.role, content: t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts });

export async function run(): Promise<void> {
  const data: Record<string, unknown> = { machine: machine(), sessions: SESSIONS, ops: OPS, rate: RATE, duration: DURATION, kills: KILLS };
  const redis = await startRedisCluster();
  const nats = await startNatsCluster();
  const redisUrl = `redis-cluster://${redis.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const md: string[] = [`Machine: ${data.machine as string}. Redis 7.0 Cluster (3 masters + 3 replicas) and NATS ${'2.9'} JetStream (3 nodes) on the same machine, loopback.`];
  try {
    // 1. Store ops in process.
    const dir = await tempDir('sira-nats-bench-');
    const lmdb = await LmdbStore.open({ path: dir });
    const keyPrefix = `sira-bench:${randomBytes(4).toString('hex')}:`;
    const rs = await RedisStore.open({ url: redisUrl, keyPrefix });
    const r1 = await NatsStore.open({ url: nats.url, bucketPrefix: `b1${randomBytes(3).toString('hex')}`, replicas: 1 });
    const r3 = await NatsStore.open({ url: nats.url, bucketPrefix: `b3${randomBytes(3).toString('hex')}`, replicas: 3 });
    const targets = [
      target('LMDB (embedded)', lmdb, () => lmdb.close()),
      target('Redis Cluster 3+3 (durability local)', rs, async () => {
        await deleteKeysWithPrefix(rs.client, keyPrefix);
        await rs.close();
      }),
      target('JetStream R1', r1, async () => {
        await destroyBuckets(r1.manager, r1.bucketPrefix);
        await r1.close();
      }),
      target('JetStream R3', r3, async () => {
        await destroyBuckets(r3.manager, r3.bucketPrefix);
        await r3.close();
      }),
    ];
    for (const s of [lmdb, rs, r1, r3]) for (let i = 0; i < SESSIONS * 2; i++) await s.createSession('bench', { id: `s${i}` });
    const g = chatTurns(42);
    const turns = Array.from({ length: OPS }, () => g.next());
    const rng = mulberry32(7);
    const append = await interleaved(targets, (t, i) => t.append(i % SESSIONS, turns[i]!), OPS);
    const reads = await interleaved(targets, (t) => t.last20(Math.floor(rng() * SESSIONS)), OPS);
    const cas = await interleaved(targets, (t, i) => (t as StoreTarget).cas(i % SESSIONS), OPS);
    const rows: (string | number)[][] = [];
    for (const t of targets) {
      const appendRate = await throughput(OPS * 2, 16, (i, w) => t.append(SESSIONS + ((i + w) % SESSIONS), turns[i % OPS]!));
      const casRate = await throughput(OPS, 16, (_, w) => (t as StoreTarget).cas(SESSIONS + (w % SESSIONS)));
      const [a, r, c] = [summary(append[t.name]!), summary(reads[t.name]!), summary(cas[t.name]!)];
      data[t.name] = { append: a, last20: r, cas: c, append16PerSec: appendRate, cas16PerSec: casRate };
      rows.push([t.name, ms(a.p50), ms(a.p99), ms(r.p50), ms(r.p99), ms(c.p50), ms(c.p99), Math.round(appendRate).toLocaleString('en-US'), Math.round(casRate).toLocaleString('en-US')]);
    }
    for (const t of targets) await t.close();
    md.push('', `### Store ops in process (${SESSIONS} sessions, ${OPS} ops each, interleaved; ms)`, '');
    md.push(table(['store', 'append p50', 'append p99', 'last 20 p50', 'last 20 p99', 'CAS p50', 'CAS p99', '16 appenders turns/s', '16 CAS writers writes/s'], rows));

    // 2. HTTP at a constant rate.
    const httpRows: (string | number)[][] = [];
    const stores: [string, string[], Record<string, string>][] = [
      ['LMDB (embedded)', [], {}],
      ['Redis Cluster 3+3', ['--store', redisUrl], { SIRA_REDIS_KEY_PREFIX: `sira-bench:${randomBytes(4).toString('hex')}:` }],
      ['JetStream R3', ['--store', nats.url], { SIRA_NATS_BUCKET_PREFIX: `h${randomBytes(4).toString('hex')}`, SIRA_NATS_REPLICAS: '3' }],
    ];
    for (const [name, args, env] of stores) {
      const srv = await startServer(args, { env });
      try {
        const auth = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
        for (let i = 0; i < SESSIONS; i++) {
          const res = await fetch(`${srv.url}/v1/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id: `h${i}` }) });
          if (res.status !== 201) throw new Error(`create failed on ${name}: ${res.status}`);
        }
        const hr = mulberry32(9);
        const bodies = Array.from({ length: 500 }, () => JSON.stringify({ turns: [wire(g.next())] }));
        const appends = Array.from({ length: 5000 }, (_, i) => ({ method: 'POST' as const, path: `/v1/sessions/h${Math.floor(hr() * SESSIONS)}/turns`, body: bodies[i % bodies.length]! }));
        const reads = Array.from({ length: 5000 }, () => ({ method: 'GET' as const, path: `/v1/sessions/h${Math.floor(hr() * SESSIONS)}/turns?last=20` }));
        await constantRateInWorker(srv.url, auth, RATE, 2, appends); // warm-up
        const out: Record<string, LoadResult> = {
          append: await constantRateInWorker(srv.url, auth, RATE, DURATION, appends),
          read: await constantRateInWorker(srv.url, auth, RATE, DURATION, reads),
        };
        data[`http ${name}`] = out;
        for (const [op, r] of Object.entries(out)) {
          httpRows.push([op === 'append' ? 'append 1 turn' : 'read last 20', name, RATE, Math.round(r.achieved), ms(r.latency.p50), ms(r.latency.p99), `${ms(r.fromSend.p50)} / ${ms(r.fromSend.p99)}`, r.errors]);
        }
      } finally {
        await srv.stop();
      }
    }
    md.push('', `### HTTP, open loop at ${RATE} req/s for ${DURATION} s (latency from when each request was due; ms)`, '');
    md.push(table(['op', 'store', 'offered req/s', 'achieved req/s', 'p50', 'p99', 'from send p50 / p99', 'errors'], httpRows));

    // 3. Fan-out across instances.
    const fanRows: (string | number)[][] = [];
    const key = `bench-fanout-${randomBytes(6).toString('hex')}`;
    for (const [name, input] of [
      ['Redis Cluster 3+3', { store: redisUrl, redisKeyPrefix: `sira-bench:${randomBytes(4).toString('hex')}:` }],
      ['JetStream R3', { store: nats.url, natsBucketPrefix: `f${randomBytes(4).toString('hex')}`, natsReplicas: 3 }],
    ] as const) {
      const servers: InProcess[] = [];
      try {
        for (let i = 0; i < 2; i++) servers.push(await startInProcess({ ...input, port: 0, bootstrapKey: key, sweepIntervalMs: 0, logLevel: 'silent' }, { logger: pino({ level: 'silent' }) }));
        const r = await runConsistency({
          instances: servers.map((s) => ({ url: s.url, key })),
          sessions: 4,
          agents: 8,
          writesPerAgent: QUICK ? 10 : 100,
          kinds: [turnWriter(), casCounterWriter()],
          thinkMs: 5,
          seed: 3,
          prefix: `fan${randomBytes(3).toString('hex')}-`,
        });
        const f = summary(r.fanoutFromSendMs);
        data[`fanout ${name}`] = { fromSend: f, fromAck: summary(r.fanoutFromAckMs), lost: r.lostTotal, missed: r.missed, duplicated: r.duplicated };
        fanRows.push([name, f.n, ms(f.p50), ms(f.p90), ms(f.p99), r.lostTotal, r.missed, r.duplicated]);
      } finally {
        for (const s of servers) await s.close();
      }
    }
    md.push('', '### Fan-out: a write through one instance to an SSE subscriber on the other (ms from the write\'s send)', '');
    md.push(table(['store', 'events', 'p50', 'p90', 'p99', 'lost', 'missed', 'duplicated'], fanRows));

    // 4. Leader kills under load.
    const prefix = `k${randomBytes(3).toString('hex')}`;
    const kstores: NatsStore[] = [];
    for (let i = 0; i < 3; i++) kstores.push(await NatsStore.open({ url: nats.url, bucketPrefix: prefix, replicas: 3 }));
    const reports: NatsFaultReport[] = [];
    try {
      for (let k = 0; k < KILLS; k++) reports.push(await runNatsFault({ cluster: nats, stores: kstores, tenant: 'bench', fault: 'kill', target: k % 2 === 0 ? 'heads' : 'data' }));
    } finally {
      await destroyBuckets(kstores[0]!.manager, prefix);
      for (const s of kstores) await s.close();
    }
    data.kills = reports;
    md.push('', `### SIGKILL of a stream leader under load (${KILLS}×; 4 appenders + 4 CAS writers on 3 store instances)`, '');
    md.push(
      table(
        ['#', 'bucket', 'acked appends', 'acked CAS', 'lost', 'CAS lost', 'linearizable', 'new leader announced ms', 'first write resumed ms', 'all writers resumed ms'],
        reports.map((r, i) => [i + 1, r.target, r.acknowledged, r.casAcknowledged, r.lost, r.casLost, r.linearizable ? 'yes' : 'NO', r.electedMs, r.resumeFirstMs, r.resumeAllMs]),
      ),
    );
  } finally {
    await nats.stop();
    await redis.stop();
  }
  writeResult('nats', data, md.join('\n'));
}

if (import.meta.main) await run();
