/**
 * @module bench/internal/nats-ops
 * In-process cost of the NATS store's hot operations on a local 3-node JetStream cluster (started like the tests
 * start one: test/helpers/nats-cluster.ts): append one turn, read the last 20 turns, CAS the state, each
 * sequential over S sessions on R1 and on R3 buckets, with p50/p99 and the NATS requests and publishes the
 * client sent per operation (counted at the connection: KV gets, stream message gets, publishes, API calls).
 * Also C in flight (reads and appends: whether they queue on the server), and the same operations through the
 * service over HTTP on R3 (started in this process, so its background work — embedding, profile — is counted too).
 * Usage: node bench/internal/nats-ops.ts [N ops] [S sessions] [C concurrent]   (tiny: 50 10 4; Node 24: npx node)
 * Timing figures want a quiet machine; the request counts do not.
 */
import { randomBytes } from 'node:crypto';
import { NatsConnectionImpl } from '@nats-io/nats-core/internal';
import { pino } from 'pino';
import { startServer } from '../../src/cli/serve.ts';
import { NatsStore } from '../../src/storage/nats/nats-store.ts';
import { destroyBuckets } from '../../src/storage/nats/open.ts';
import { startNatsCluster } from '../../test/helpers/nats-cluster.ts';
import { ms, now, summary } from '../lib/stats.ts';

const N = Number(process.argv[2] ?? 2000);
const S = Number(process.argv[3] ?? 200);
const C = Number(process.argv[4] ?? 16);

/** Requests and publishes sent, by the first tokens of their subject. */
const sent = new Map<string, number>();
const bucketOf = (name: string | undefined): string => name?.slice(name.lastIndexOf('_') + 1) ?? '?';
const kind = (subject: string): string => {
  const t = subject.split('.');
  // $JS.API.STREAM.MSG.GET.KV_<prefix>_heads → "get heads"; $KV.<prefix>_data.t.… → "put data t"
  if (subject.startsWith('$JS.API.STREAM.MSG.GET.')) return `get ${bucketOf(t[5])}`;
  if (subject.startsWith('$JS.API.')) return `${t.slice(2, 4).join('.').toLowerCase()} ${bucketOf(t[4])}`;
  if (subject.startsWith('$KV.')) return `put ${bucketOf(t[1])}${bucketOf(t[1]) === 'data' ? ` ${t[2]}` : ''}`;
  return t[0]!;
};
const count = (subject: string) => sent.set(kind(subject), (sent.get(kind(subject)) ?? 0) + 1);
const proto = NatsConnectionImpl.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
// Every request and JetStream publish goes out through publish() (the mux'd request path included).
const publish = proto.publish!;
proto.publish = function (this: unknown, subject: unknown, ...rest: unknown[]) {
  count(String(subject));
  return publish.call(this, subject, ...rest);
};
const perOp = (n: number): string =>
  [...sent.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / n).toFixed(2)}`)
    .join(', ');

async function measure(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  sent.clear();
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await op(i);
    lat.push(now() - t0);
  }
  const s = summary(lat);
  console.log(`  ${label}: p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms; per op: ${perOp(n)}`);
}

async function concurrent(label: string, n: number, workers: number, op: (i: number) => Promise<unknown>): Promise<void> {
  sent.clear();
  const lat: number[] = [];
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < n) {
        const i = next++;
        const t = now();
        await op(i);
        lat.push(now() - t);
      }
    }),
  );
  const s = summary(lat);
  console.log(`  ${label} (${workers} in flight): ${Math.round(n / ((now() - t0) / 1000))} ops/s, p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms; per op: ${perOp(n)}`);
}

const cluster = await startNatsCluster();
try {
  for (const replicas of [1, 3]) {
    const bucketPrefix = `o${replicas}${randomBytes(3).toString('hex')}`;
    const store = await NatsStore.open({ url: cluster.url, bucketPrefix, replicas });
    // A second instance on the same buckets: its reads see the sessions only through NATS (no process memory).
    const other = await NatsStore.open({ url: cluster.url, bucketPrefix, replicas });
    try {
      for (let s = 0; s < S; s++) await store.createSession('bench', { id: `s${s}` });
      const turn = (i: number) => [{ role: 'user' as const, parts: [{ type: 'text' as const, text: `message ${i} about my card and the refund I asked for` }] }];
      for (let i = 0; i < S * 20; i++) await store.appendTurns('bench', `s${i % S}`, turn(i));
      console.log(`R${replicas} (${S} sessions, ${N} ops each):`);
      await measure('append 1 turn', N, (i) => store.appendTurns('bench', `s${i % S}`, turn(i)));
      await measure('read last 20 (writer instance)', N, (i) => store.getTurns('bench', `s${(i * 7) % S}`, { last: 20 }));
      await measure('read last 20 (other instance)', N, (i) => other.getTurns('bench', `s${(i * 7) % S}`, { last: 20 }));
      const versions = new Map<number, number>();
      await measure('CAS state', N, async (i) => {
        const s = i % S;
        versions.set(s, (await store.putState('bench', `s${s}`, { n: i }, versions.get(s) ?? 0)).version);
      });
      await concurrent('read last 20 (other instance)', N, C, (i) => other.getTurns('bench', `s${(i * 7) % S}`, { last: 20 }));
      await concurrent('append 1 turn', N, C, (i) => store.appendTurns('bench', `s${i % S}`, turn(i)));
    } finally {
      await destroyBuckets(store.manager, bucketPrefix);
      await other.close();
      await store.close();
    }
  }
  // The same operations through the service over HTTP (in this process, so its requests are counted too).
  const key = `nats-ops-${randomBytes(6).toString('hex')}`;
  const bucketPrefix = `oh${randomBytes(3).toString('hex')}`;
  const srv = await startServer({ store: cluster.url, natsBucketPrefix: bucketPrefix, natsReplicas: 3, port: 0, bootstrapKey: key, sweepIntervalMs: 0, logLevel: 'silent' }, { logger: pino({ level: 'silent' }) });
  try {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown): Promise<void> => {
      const res = await fetch(`${srv.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    for (let s = 0; s < S; s++) await call('POST', '/v1/sessions', { id: `h${s}` });
    const body = (i: number) => ({ turns: [{ role: 'user', content: `message ${i} about my card and the refund I asked for` }] });
    for (let i = 0; i < S * 20; i++) await call('POST', `/v1/sessions/h${i % S}/turns`, body(i));
    console.log(`HTTP, R3 (service in process, ${S} sessions, ${N} requests each):`);
    await measure('POST turns (1 turn)', N, (i) => call('POST', `/v1/sessions/h${i % S}/turns`, body(i)));
    await measure('GET turns?last=20', N, (i) => call('GET', `/v1/sessions/h${(i * 7) % S}/turns?last=20`));
    await concurrent('GET turns?last=20', N, C, (i) => call('GET', `/v1/sessions/h${(i * 7) % S}/turns?last=20`));
    await concurrent('POST turns (1 turn)', N, C, (i) => call('POST', `/v1/sessions/h${i % S}/turns`, body(i)));
  } finally {
    await destroyBuckets((srv.sira.store as NatsStore).manager, bucketPrefix);
    await srv.close();
  }
} finally {
  await cluster.stop();
}
