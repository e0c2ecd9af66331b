/**
 * Workspaces: CRDT merge throughput and WebSocket fan-out latency.
 *  1. CRDT writes through the library (`applyUpdate`: validate, append to the log, compact every 32 updates), 4
 *     concurrent writers each sending small text edits of one shared doc, on LMDB (temp dir) and on the standalone
 *     Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379, random key prefix); with the in-memory Yjs floor
 *     (Y.applyUpdate into one Y.Doc, nothing stored) and the catch-up read (`getUpdate` with a state vector).
 *  2. WebSocket fan-out on one instance (LMDB): S clients subscribed to one workspace over real HTTP; each update is
 *     written through the library and timed until every client has its crdt.updated event (one update in flight).
 * usage: npm run bench -- workspaces   (env BENCH_QUICK=1 for a short run)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { buildApp } from '../src/api/app.ts';
import { RedisStore } from '../src/storage/redis/redis-store.ts';
import { SiraSession } from '../src/sira.ts';
import { deleteKeysWithPrefix } from '../test/helpers/redis-cluster.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const URL_ = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WRITERS = 4;
const UPDATES_PER_WRITER = QUICK ? 50 : 500;
const FANOUT = QUICK ? [1, 10] : [1, 10, 100];
const FANOUT_UPDATES = QUICK ? 50 : 300;

interface CrdtRow {
  target: string;
  updates: number;
  seconds: number;
  per_s: number;
  p50: number;
  p99: number;
  read_p50: number;
}

/** K writers × M small edits, concurrently, through the library. */
async function crdtWrites(name: string, sira: SiraSession): Promise<CrdtRow> {
  const ws = sira.workspaces('bench');
  await ws.create({ id: 'w' });
  const rng = mulberry32(7);
  const lat: number[] = [];
  const t0 = now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const doc = new Y.Doc();
      for (let i = 0; i < UPDATES_PER_WRITER; i++) {
        const sv = Y.encodeStateVector(doc);
        const text = doc.getText('t');
        text.insert(Math.floor(rng() * (text.length + 1)), `edit ${i} `);
        const u = Y.encodeStateAsUpdate(doc, sv);
        const s = now();
        await ws.applyUpdate('w', 'doc', u);
        lat.push(now() - s);
      }
    }),
  );
  const seconds = (now() - t0) / 1000;
  const reads: number[] = [];
  const stale = new Y.Doc();
  for (let i = 0; i < (QUICK ? 20 : 100); i++) {
    const s = now();
    await ws.getUpdate('w', 'doc', Y.encodeStateVector(stale));
    reads.push(now() - s);
  }
  const n = WRITERS * UPDATES_PER_WRITER;
  const l = summary(lat);
  return { target: name, updates: n, seconds, per_s: n / seconds, p50: l.p50, p99: l.p99, read_p50: summary(reads).p50 };
}

/** The floor: merging the same kind of updates into one in-memory Y.Doc. */
function yjsFloor(): CrdtRow {
  const rng = mulberry32(7);
  const docs = Array.from({ length: WRITERS }, () => new Y.Doc());
  const updates: Uint8Array[] = [];
  for (let i = 0; i < UPDATES_PER_WRITER; i++) {
    for (const doc of docs) {
      const sv = Y.encodeStateVector(doc);
      const text = doc.getText('t');
      text.insert(Math.floor(rng() * (text.length + 1)), `edit ${i} `);
      updates.push(Y.encodeStateAsUpdate(doc, sv));
    }
  }
  const server = new Y.Doc();
  const t0 = now();
  for (const u of updates) Y.applyUpdate(server, u);
  const seconds = (now() - t0) / 1000;
  return { target: 'Yjs floor (Y.applyUpdate in memory, nothing stored)', updates: updates.length, seconds, per_s: updates.length / seconds, p50: NaN, p99: NaN, read_p50: NaN };
}

interface FanoutRow {
  subscribers: number;
  updates: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

async function fanout(subscribers: number): Promise<FanoutRow> {
  const dir = await mkdtemp(join(tmpdir(), 'sira-bench-ws-'));
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', bootstrapKey: 'bench-key-0123456789' });
  const app = await buildApp({ sira });
  const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws');
  const ws = sira.workspaces('default');
  await ws.create({ id: 'w' });
  // One update in flight: every crdt.updated received belongs to the current round.
  let round: { start: number; left: number; done: () => void } | undefined;
  const lat: number[] = [];
  const clients: WebSocket[] = [];
  for (let i = 0; i < subscribers; i++) {
    const c = new WebSocket(`${url}/v1/ws`, { headers: { authorization: 'Bearer bench-key-0123456789' } });
    await new Promise<void>((resolve) => {
      c.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; event?: { type: string; data: { update_id?: string } } };
        if (m.type === 'hello') c.send(JSON.stringify({ op: 'subscribe', workspace_id: 'w' }));
        if (m.type === 'subscribed') resolve();
        if (m.type === 'event' && m.event?.type === 'crdt.updated' && round !== undefined) {
          lat.push(now() - round.start);
          if (--round.left === 0) round.done();
        }
      });
    });
    clients.push(c);
  }
  const doc = new Y.Doc();
  for (let i = 0; i < FANOUT_UPDATES; i++) {
    const sv = Y.encodeStateVector(doc);
    doc.getText('t').insert(0, `u${i} `);
    const u = Y.encodeStateAsUpdate(doc, sv);
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    round = { start: now(), left: subscribers, done };
    await ws.applyUpdate('w', 'doc', u);
    await all;
    round = undefined;
  }
  for (const c of clients) c.terminate();
  await app.close();
  await sira.close();
  await rm(dir, { recursive: true, force: true });
  const s = summary(lat);
  return { subscribers, updates: FANOUT_UPDATES, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max };
}

export async function run(): Promise<void> {
  const rows: CrdtRow[] = [yjsFloor()];

  const dir = await mkdtemp(join(tmpdir(), 'sira-bench-crdt-'));
  const lmdb = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
  rows.push(await crdtWrites('Sira on LMDB (sync os)', lmdb));
  await lmdb.close();
  await rm(dir, { recursive: true, force: true });

  const redisKeyPrefix = `sira-bench:${randomBytes(4).toString('hex')}:`;
  const redis = await SiraSession.open({ store: URL_, redisKeyPrefix, sweepIntervalMs: 0, logLevel: 'silent' });
  rows.push(await crdtWrites('Sira on Redis (standalone)', redis));
  await redis.close();
  const admin = await RedisStore.open({ url: URL_, keyPrefix: redisKeyPrefix });
  await deleteKeysWithPrefix(admin.client, redisKeyPrefix);
  await admin.close();

  const fan: FanoutRow[] = [];
  for (const s of FANOUT) fan.push(await fanout(s));

  const md = [
    `Machine: ${machine()} (shared, contended VM: figures are indicative).`,
    '',
    `CRDT writes: ${WRITERS} concurrent writers × ${UPDATES_PER_WRITER} small text edits of one doc (validate, append, compact every 32).`,
    '',
    table(
      ['target', 'updates', 'updates/s', 'write p50 ms', 'write p99 ms', 'catch-up read p50 ms'],
      rows.map((r) => [r.target, r.updates, Math.round(r.per_s), Number.isNaN(r.p50) ? '—' : ms(r.p50), Number.isNaN(r.p99) ? '—' : ms(r.p99), Number.isNaN(r.read_p50) ? '—' : ms(r.read_p50)]),
    ),
    '',
    `WebSocket fan-out, one instance (LMDB): write → crdt.updated received by every subscriber, ${FANOUT_UPDATES} updates, one in flight.`,
    '',
    table(
      ['subscribers', 'deliveries', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      fan.map((f) => [f.subscribers, f.subscribers * f.updates, ms(f.p50), ms(f.p90), ms(f.p99), ms(f.max)]),
    ),
  ].join('\n');
  writeResult('workspaces', { machine: machine(), quick: QUICK, crdt: rows, fanout: fan }, md);
}
