/**
 * `Idempotency-Key` across two service instances on one real Redis (unique key prefix): a retry through another
 * instance replays the first answer, and duplicates sent to both at once append once.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { tempDir } from '../helpers/app.ts';
import { instancePool } from '../helpers/instances.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:${randomBytes(6).toString('hex')}:`;
const KEY = 'idempotency-redis-key-1234';
const dirs: string[] = [];
let dir = '';
const pool = instancePool(() => ({ store: URL_, redisKeyPrefix: prefix, dataDir: dir, bootstrapKey: KEY }));

async function call(url: string, path: string, body: unknown, idem?: string): Promise<{ status: number; text: string; replayed: string | null }> {
  const r = await fetch(`${url}/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...(idem === undefined ? {} : { 'idempotency-key': idem }) },
    body: JSON.stringify(body),
  });
  return { status: r.status, text: await r.text(), replayed: r.headers.get('idempotent-replayed') };
}

beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
  for (let i = 0; i < 2; i++) {
    dir = await tempDir();
    dirs.push(dir);
    await pool.start();
  }
});
afterAll(async () => {
  await pool.close();
  const admin = await RedisStore.open({ url: URL_ });
  await deleteKeysWithPrefix(admin.client, prefix);
  await admin.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it('a retry through instance B replays what instance A answered; nothing is stored twice', async () => {
  const [a, b] = pool.instances;
  const created = await call(a!.url, '/sessions', { metadata: { k: 1 } }, 'redis-k-session');
  expect(created.status).toBe(201);
  const retried = await call(b!.url, '/sessions', { metadata: { k: 1 } }, 'redis-k-session');
  expect(retried).toEqual({ status: 201, text: created.text, replayed: 'true' });
  const id = (JSON.parse(created.text) as { id: string }).id;
  expect((await call(b!.url, '/sessions', { metadata: { k: 2 } }, 'redis-k-session')).status).toBe(422);

  const payload = { turns: [{ role: 'user', content: 'exactly once' }] };
  const both = await Promise.all([a, b, a, b].map((i) => call(i!.url, `/sessions/${id}/turns`, payload, 'redis-k-turns')));
  expect(both.filter((r) => r.status === 201 && r.replayed === null)).toHaveLength(1);
  expect(both.every((r) => r.status === 201 || r.status === 409)).toBe(true);
  const turns = (await a!.sira.tenant('default').getTurns(id, {})).length;
  expect(turns).toBe(1);
});
