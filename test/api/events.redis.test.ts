/**
 * Events across service instances: two SiraSession + app pairs on one standalone Redis (one key prefix). A
 * subscriber on instance B sees writes made through instance A (a pub/sub wake-up; events-push.redis.test.ts tests
 * that path alone on a Cluster), and
 * reconnecting to A with Last-Event-ID delivers exactly what was missed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';
import { instancePool } from '../helpers/instances.ts';
import { openStream, type Stream } from '../helpers/sse.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:${randomBytes(6).toString('hex')}:`;
const KEY = 'events-redis-key-123456';
const auth = { authorization: `Bearer ${KEY}` };

const pool = instancePool(() => ({ store: URL_, redisKeyPrefix: prefix, bootstrapKey: KEY, eventPollIntervalMs: 20 }));
const instance = () => pool.start();
const streams: Stream[] = [];


beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
});
afterAll(async () => {
  for (const s of streams) s.close();
  await pool.close();
  const admin = await RedisStore.open({ url: URL_ });
  await deleteKeysWithPrefix(admin.client, prefix);
  await admin.close();
});

it('a subscriber on one instance receives the events of writes made through another, with no gap on reconnect', async () => {
  const a = await instance();
  const b = await instance();
  const id = `s${randomBytes(4).toString('hex')}`;
  expect((await a.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: { id } })).statusCode).toBe(201);
  const append = async (text: string) =>
    expect((await a.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: auth, payload: { turns: [{ role: 'user', content: text }] } })).statusCode).toBe(201);

  const onB = await openStream(b.url, `/v1/sessions/${id}/events`, auth);
  streams.push(onB);
  await append('one');
  await append('two');
  await onB.until((s) => s.frames.length >= 2);
  expect(onB.frames.map((f) => [f.id, f.event])).toEqual([
    ['2', 'turns.appended'],
    ['3', 'turns.appended'],
  ]);
  onB.close();

  await append('three'); // missed while disconnected
  const onA = await openStream(a.url, `/v1/sessions/${id}/events`, { ...auth, 'last-event-id': '3' });
  streams.push(onA);
  await onA.until((s) => s.frames.length >= 1);
  await b.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/state`, headers: auth, payload: { x: 1 } });
  await onA.until((s) => s.frames.length >= 2);
  expect(onA.frames.map((f) => [f.id, f.event])).toEqual([
    ['4', 'turns.appended'],
    ['5', 'state.changed'],
  ]);
});
