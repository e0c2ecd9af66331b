/**
 * Experiences on a real standalone Redis (unique key prefix), two service instances with their own index files:
 * a run posted through A is found through B (B's index is rebuilt when the store's version counter moved), a
 * delete through A disappears from B's searches, a restarted B reloads its file, and tenants never mix.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { SiraSession } from '../../src/sira.ts';
import { tempDir } from '../helpers/app.ts';
import { createHashEmbedder } from '../helpers/hash-embedder.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';
import { FAMILIES, trajectories } from '../helpers/trajectories.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:${randomBytes(6).toString('hex')}:`;
const KEY = 'experiences-redis-key-1234';

interface Instance {
  sira: SiraSession;
  app: FastifyInstance;
  url: string;
  dir: string;
}
const live = new Set<Instance>();
const dirs: string[] = [];

// The real clock, made strictly increasing: two records written back to back get distinct created_at stamps
// (cross-session recall orders a user's sessions by them) without sleeping.
let lastTick = 0;
const strictClock = (): number => (lastTick = Math.max(Date.now(), lastTick + 1));

async function instance(dir?: string, embed = false): Promise<Instance> {
  const d = dir ?? (await tempDir());
  if (dir === undefined) dirs.push(d);
  const sira = await SiraSession.open(
    { store: URL_, redisKeyPrefix: prefix, dataDir: d, bootstrapKey: KEY, sweepIntervalMs: 0, logLevel: 'silent', embedMaxDelayMs: 0 },
    embed ? { embedder: createHashEmbedder(), clock: strictClock } : { clock: strictClock },
  );
  const app = await buildApp({ sira });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const i = { sira, app, url, dir: d };
  live.add(i);
  return i;
}
async function stop(i: Instance): Promise<void> {
  live.delete(i);
  await i.app.close();
  await i.sira.close();
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(i: Instance, method: string, path: string, body?: unknown, key = KEY): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${i.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}
const ids = (r: { body: Json }) => (r.body.experiences as Json[]).map((e) => e.id as string);

let a: Instance;
let b: Instance;
const posted: string[] = [];

beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
  a = await instance();
  b = await instance();
});
afterAll(async () => {
  for (const i of [...live]) await stop(i);
  const admin = await RedisStore.open({ url: URL_ });
  await deleteKeysWithPrefix(admin.client, prefix);
  await admin.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it('runs posted through instance A are found through instance B', async () => {
  // B builds its (empty) index first, so A's writes reach it only through the store's version counter.
  expect(ids(await call(b, 'POST', '/experiences/search', { task: 'refund a double charge' }))).toEqual([]);
  for (const f of FAMILIES) for (const t of trajectories(f, 6)) posted.push((await call(a, 'POST', '/experiences', t)).body.id as string);
  const r = await call(b, 'POST', '/experiences/search', { task: 'refund the duplicate charge on the customer invoice', k: 6 });
  expect((r.body.experiences as Json[]).map((e) => e.metadata.family)).toEqual(Array(6).fill('refund'));
  expect(r.body.cluster).toMatchObject({ runs: 6, success: 4, failure: 2 });
  expect((await call(b, 'GET', `/experiences/${posted[0]}`)).body.id).toBe(posted[0]);
});

it('a delete through A disappears from B’s searches', async () => {
  const gone = posted[0]!;
  expect((await call(a, 'DELETE', `/experiences/${gone}`)).status).toBe(204);
  const r = await call(b, 'POST', '/experiences/search', { task: 'refund the duplicate charge on the customer invoice', k: 10 });
  expect(ids(r)).not.toContain(gone);
  expect(r.body.cluster.runs).toBe(5);
  expect((await call(b, 'GET', `/experiences/${gone}`)).status).toBe(404);
});

it('a restarted instance reloads its index file and answers the same', async () => {
  const before = ids(await call(b, 'POST', '/experiences/search', { task: 'book a plane ticket to lisbon', k: 10 }));
  const dir = b.dir;
  await stop(b);
  b = await instance(dir);
  expect(ids(await call(b, 'POST', '/experiences/search', { task: 'book a plane ticket to lisbon', k: 10 }))).toEqual(before);
});

it('tenants do not mix on a shared Redis', async () => {
  const { key } = await a.sira.createApiKey('other', 'test');
  expect(ids(await call(b, 'POST', '/experiences/search', { task: 'refund the duplicate charge on the customer invoice' }, key))).toEqual([]);
  expect((await call(b, 'GET', `/experiences/${posted[1]}`, undefined, key)).status).toBe(404);
  const mine = (await call(a, 'POST', '/experiences', trajectories(FAMILIES[0]!, 1)[0], key)).body.id as string;
  expect(ids(await call(b, 'POST', '/experiences/search', { task: 'refund the duplicate charge on the customer invoice', k: 100 }, key))).toEqual([mine]);
  expect(ids(await call(b, 'POST', '/experiences/search', { task: 'refund the duplicate charge on the customer invoice', k: 100 }))).not.toContain(mine);
});

it('cross-session recall on Redis: a user’s earlier session is recalled through another instance, and forgotten once deleted', async () => {
  const c = await instance(undefined, true);
  const d = await instance(undefined, true);
  const mk = async (i: Instance, texts: string[]) => {
    const id = (await call(i, 'POST', '/sessions', { user_id: 'redis-user' })).body.id as string;
    await call(i, 'POST', `/sessions/${id}/turns`, { turns: texts.map((t) => ({ role: 'user', content: t })) });
    await i.sira.enrichment!.drain();
    return id;
  };
  const earlier = await mk(c, ['hello', 'my favourite tea is a smoky lapsang souchong']);
  const current = await mk(c, ['hi again']);
  const ask = () => call(d, 'POST', `/sessions/${current}/context`, { query: 'which tea is my favourite, lapsang?', budget_tokens: 1000, cross_session: true });
  const r = await ask();
  expect((r.body.external.selected as Json[])[0]).toMatchObject({ source: 'session', id: `${earlier}#2`, ref: { session_id: earlier, seq: 2 } });
  expect((await call(c, 'DELETE', `/sessions/${earlier}`)).status).toBe(204);
  expect(JSON.stringify((await ask()).body.messages)).not.toContain('lapsang souchong');
});
