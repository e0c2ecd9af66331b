/**
 * Internal A/B: what the cross-instance wake-up adds to a write. On a local 3+3 Cluster, the event step of a
 * session script (HINCRBY + XADD with MAXLEN) run with EVAL alone and followed by the wake-up PUBLISH (which a
 * Cluster broadcasts to every node over its bus), interleaved, sequential calls from one client; with 0 and with 3
 * subscriber connections (3 service instances) listening. Reported in bench/RESULTS.md (## Several instances).
 * usage: npx node bench/internal/publish-cost.ts   (BENCH_QUICK=1 for 2,000 calls per variant)
 */
import { Cluster, Redis } from 'ioredis';
import { startRedisCluster } from '../../test/helpers/redis-cluster.ts';
import { ms, summary } from '../lib/stats.ts';

const N = process.env.BENCH_QUICK === '1' ? 2000 : 10_000;
const BASE = `local id = redis.call('HINCRBY', KEYS[1], 'ev', 1)
redis.call('XADD', KEYS[2], 'MAXLEN', 10000, id .. '-0', 't', 'turns.appended', 'at', ARGV[1], 'd', '{"first_seq":1,"count":1}')`;
const WITH = `${BASE}
redis.call('PUBLISH', 'ab:events', 'acme/s ' .. id .. ' turns.appended ' .. ARGV[1] .. ' {"first_seq":1,"count":1}')`;

const cluster = await startRedisCluster();
const c = new Cluster(cluster.nodes);
const subs: Redis[] = [];
try {
  for (const listeners of [0, 3]) {
    while (subs.length < listeners) {
      const n = cluster.nodes[subs.length % cluster.nodes.length]!;
      const s = new Redis(n);
      await s.subscribe('ab:events');
      subs.push(s);
    }
    const lat: Record<string, number[]> = { without: [], with: [] };
    for (let i = 0; i < N * 2; i++) {
      const v = i % 2 === 0 ? 'without' : 'with';
      const k = `{ab${i % 50}}`;
      const t = performance.now();
      await c.eval(v === 'with' ? WITH : BASE, 2, `${k}:s`, `${k}:events`, String(Date.now()));
      if (i >= 400) lat[v]!.push(performance.now() - t);
    }
    for (const [v, xs] of Object.entries(lat)) {
      const s = summary(xs);
      console.log(`| ${listeners} | ${v} PUBLISH | ${ms(s.p50)} | ${ms(s.p99)} |`);
    }
  }
} finally {
  for (const s of subs) s.disconnect();
  c.disconnect();
  await cluster.stop();
}
