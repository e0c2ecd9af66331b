/**
 * In-process Redis store benchmark, the same operations as store.bench.ts, interleaved in one run:
 *  - Sira's RedisStore on the standalone server (BENCH_REDIS_URL, default redis://127.0.0.1:6379) with its tail
 *    cache (the default) and without it;
 *  - the raw ioredis floor: the same record bytes with one HSET per append and one HMGET per read, no session
 *    record, no liveness check, no expiry, no decoding;
 *  - RedisStore on a local 3-master, 3-replica Cluster started for the run (test/helpers/redis-cluster.ts).
 * Each target writes under its own random key prefix, deleted afterwards.
 * usage: npm run bench -- redis   (env BENCH_QUICK=1 for a short run)
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore } from '../src/storage/redis/redis-store.ts';
import { encodeTurn } from '../src/storage/codec/turn.ts';
import { deleteKeysWithPrefix, startRedisCluster } from '../test/helpers/redis-cluster.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, summary } from './lib/stats.ts';
import { appendThroughput, interleaved, seqCounter, type Target } from './lib/ops.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const URL_ = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SESSIONS = 200;
const TURNS = QUICK ? 10 : 50;
const READS = QUICK ? 1000 : 10_000;


async function sira(name: string, url: string, cache: boolean): Promise<Target> {
  const keyPrefix = `sira-bench:${randomBytes(4).toString('hex')}:`;
  const store = await RedisStore.open({ url, keyPrefix, tailCache: cache ? {} : false });
  for (let s = 0; s < SESSIONS * 2; s++) await store.createSession('bench', { id: `s${s}` });
  return {
    name,
    append: async (s, t) => void (await store.appendTurns('bench', `s${s}`, [t])),
    appendBatch: async (s, ts) => void (await store.appendTurns('bench', `s${s}`, ts)),
    last20: async (s) => (await store.getTurns('bench', `s${s}`, { last: 20 }))!.length,
    session: (s) => store.getSession('bench', `s${s}`),
    close: async () => {
      await store.close(); // flushes the last counter deltas, so delete after it
      const admin = await RedisStore.open({ url, keyPrefix });
      await deleteKeysWithPrefix(admin.client, keyPrefix);
      await admin.close();
    },
  };
}

/** The floor: the same encoded bytes in one hash per session, seqs counted here. */
async function raw(url: string): Promise<Target> {
  const prefix = `raw-bench:${randomBytes(4).toString('hex')}:`;
  const r = new Redis(url);
  const seqs = seqCounter();
  const seq = seqs.take;
  return {
    name: 'raw ioredis (HSET / HMGET)',
    append: async (s, t) => void (await r.hset(`${prefix}${s}`, seq(s, 1), Buffer.from(encodeTurn(t, Date.now(), 64)))),
    appendBatch: async (s, ts) => {
      const first = seq(s, ts.length);
      const args: (number | Buffer)[] = [];
      ts.forEach((t, i) => args.push(first + i, Buffer.from(encodeTurn(t, Date.now(), 64))));
      await r.hset(`${prefix}${s}`, ...args);
    },
    last20: async (s) => {
      const c = seqs.count(s);
      const fields = Array.from({ length: Math.min(20, c) }, (_, i) => String(c - i));
      return (await r.hmgetBuffer(`${prefix}${s}`, ...fields)).length;
    },
    session: (s) => r.hlen(`${prefix}${s}`),
    close: async () => {
      await deleteKeysWithPrefix(r, prefix);
      await r.quit();
    },
  };
}



export async function run(): Promise<void> {
  const g = chatTurns(42);
  const cluster = await startRedisCluster();
  const clusterUrl = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  try {
    const targets = [
      await sira('sira RedisStore standalone (tail cache on)', URL_, true),
      await sira('sira RedisStore standalone (tail cache off)', URL_, false),
      await raw(URL_),
      await sira('sira RedisStore cluster 3+3 (tail cache on)', clusterUrl, true),
    ];
    const turns = Array.from({ length: SESSIONS * TURNS }, () => g.next());
    const append = await interleaved(targets, (t, i) => t.append(i % SESSIONS, turns[i]!), turns.length);
    const rng = mulberry32(7);
    const reads = await interleaved(targets, (t) => t.last20(Math.floor(rng() * SESSIONS)), READS);
    const sess = await interleaved(targets, (t) => t.session(Math.floor(rng() * SESSIONS)), READS);
    const bulk = Array.from({ length: QUICK ? 5_000 : 50_000 }, () => g.next());
    const rows: (string | number)[][] = [];
    const data: Record<string, unknown> = { machine: machine(), sessions: SESSIONS, turnsPerSession: TURNS, redis: URL_ };
    for (const t of targets) {
      const batchRate = await appendThroughput(t, bulk, 100, 1, SESSIONS, SESSIONS);
      const concRate = await appendThroughput(t, bulk.slice(0, QUICK ? 5_000 : 20_000), 1, 16, SESSIONS, SESSIONS);
      const a = summary(append[t.name]!);
      const r = summary(reads[t.name]!);
      const s = summary(sess[t.name]!);
      rows.push([t.name, ms(a.p50), ms(a.p99), ms(r.p50), ms(r.p99), ms(s.p50), ms(s.p99), Math.round(batchRate).toLocaleString('en-US'), Math.round(concRate).toLocaleString('en-US')]);
      data[t.name] = { append: a, last20: r, session: s, batch100TurnsPerSec: batchRate, concurrent16TurnsPerSec: concRate };
    }
    for (const t of targets) await t.close();
    const md = [
      `Machine: ${data.machine as string}; Redis 7.0 on the same machine (loopback). ${SESSIONS} sessions × ${TURNS} turns appended one at a time (one client), then ${READS} random reads; latencies in ms.`,
      '',
      table(['system', 'append 1 p50', 'append 1 p99', 'last 20 p50', 'last 20 p99', 'session p50', 'session p99', '100-turn batches turns/s', '16 concurrent appenders turns/s'], rows),
    ].join('\n');
    writeResult('redis', data, md);
  } finally {
    await cluster.stop();
  }
}

if (import.meta.main) await run();
