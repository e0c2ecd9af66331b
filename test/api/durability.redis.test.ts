/**
 * Durability `replicated` over HTTP on the standalone Redis (which has no replica): the service warns at start-up
 * that writes cannot be acknowledged, a write answers 503 problem+json SIRA_ERR_STORE_NOT_REPLICATED with the
 * replica counts, and reads still work. Keys live under a random prefix that is deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/cli/serve.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:${randomBytes(6).toString('hex')}:`;
const KEY = 'durability-key-123456';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const logs: { level: number; msg: string; replicas?: number }[] = [];
let server: RunningServer | undefined;

beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
  const admin = await RedisStore.open({ url: URL_ });
  const replicas = await admin.minReplicas();
  await admin.close();
  if (replicas !== 0) throw new Error(`this test needs a Redis at ${URL_} without replicas (it has ${replicas})`);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as (typeof logs)[number]);
      done();
    },
  });
  server = await startServer(
    { store: URL_, redisKeyPrefix: prefix, port: 0, bootstrapKey: KEY, sweepIntervalMs: 0, durability: 'replicated', durabilityTimeoutMs: 50 },
    { logger: pino({ level: 'warn' }, sink) },
  );
});
afterAll(async () => {
  await server?.close();
  const admin = await RedisStore.open({ url: URL_ });
  await deleteKeysWithPrefix(admin.client, prefix);
  await admin.close();
});

it('durability replicated without a replica: a start-up warning, writes answer 503 SIRA_ERR_STORE_NOT_REPLICATED, reads work', async () => {
  expect(logs.find((l) => /durability replicated/.test(l.msg))).toMatchObject({ level: 40, replicas: 0 });
  const res = await fetch(`${server!.url}/v1/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'd1' }) });
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(await res.json()).toMatchObject({ code: 'SIRA_ERR_STORE_NOT_REPLICATED', status: 503 });
  // The master applied it (WAIT does not undo a write): the session is there to read.
  const got = await fetch(`${server!.url}/v1/sessions/d1`, { headers: auth });
  expect(got.status).toBe(200);
});
