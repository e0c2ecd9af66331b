/**
 * Cross-instance push on a real 3+3 Redis Cluster: two service instances (SiraSession + app, each with its own
 * store connections and hub) with the fallback poll turned off (`eventFallbackPollMs: 0`), so an event written
 * through instance A can reach a subscriber on instance B only through the pub/sub wake-up. Also: a killed
 * subscriber connection is re-opened and what was published meanwhile is read from the log (no event lost), and
 * a session deleted through A ends B's stream.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseWakeMessage } from '../../src/storage/redis/event-wakeups.ts';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.ts';
import { instancePool, type Instance } from '../helpers/instances.ts';
import { openStream, type Stream } from '../helpers/sse.ts';

const KEY = 'events-push-key-123456';
const auth = { authorization: `Bearer ${KEY}` };
const prefix = `sira-test:${randomBytes(4).toString('hex')}:`;

let cluster: RedisClusterHandle;
let storeUrl: string;
const pool = instancePool(() => ({ store: storeUrl, redisKeyPrefix: prefix, bootstrapKey: KEY, eventFallbackPollMs: 0 }));
const instance = () => pool.start();
const streams: Stream[] = [];


beforeAll(async () => {
  cluster = await startRedisCluster();
  storeUrl = `redis-cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
});
afterAll(async () => {
  for (const s of streams) s.close();
  await pool.close();
  await cluster?.stop();
});

const append = (i: Instance, id: string, text: string) =>
  i.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: auth, payload: { turns: [{ role: 'user', content: text }] } });

/** Kill every pub/sub connection on every node (the instances' wake-up subscribers). */
async function killSubscribers(): Promise<void> {
  await Promise.all(
    cluster.nodes.map(async ({ port }) => {
      const r = new Redis({ host: '127.0.0.1', port });
      await r.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      r.disconnect();
    }),
  );
}

it('parseWakeMessage reads the session hash tag (undoing the key escaping) and the event it carries', () => {
  expect(parseWakeMessage('acme/s1 7')).toEqual({ tenant: 'acme', sessionId: 's1' });
  expect(parseWakeMessage('a%2Fb/x%7By 3')).toEqual({ tenant: 'a/b', sessionId: 'x{y' });
  expect(parseWakeMessage('no-slash 1')).toBeUndefined();
  expect(parseWakeMessage('acme/s1 4 turns.appended 1700000000000 {"first_seq":3,"count":1}')).toEqual({
    tenant: 'acme',
    sessionId: 's1',
    event: { id: 4, type: 'turns.appended', session_id: 's1', at: 1_700_000_000_000, data: { first_seq: 3, count: 1 } },
  });
  expect(parseWakeMessage('acme/s1 0')).toEqual({ tenant: 'acme', sessionId: 's1' }); // purged: read the log
});

it('an event written through one instance reaches a subscriber on another by the wake-up alone (no poll)', async () => {
  const a = await instance();
  const b = await instance();
  // Many sessions, so they sit on every shard: the broadcast must reach B whatever node it listens on.
  const ids = Array.from({ length: 6 }, (_, i) => `p${i}${randomBytes(3).toString('hex')}`);
  for (const id of ids) expect((await a.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: { id } })).statusCode).toBe(201);
  const onB = await Promise.all(ids.map((id) => openStream(b.url, `/v1/sessions/${id}/events`, auth)));
  streams.push(...onB);
  for (const id of ids) expect((await append(a, id, 'one')).statusCode).toBe(201);
  await Promise.all(onB.map((s) => s.until((x) => x.frames.length >= 1)));
  for (const s of onB) expect(s.frames.map((f) => [f.id, f.event])).toEqual([['2', 'turns.appended']]);

  // The subscriber connections die; a write made meanwhile is found in the log once they are back.
  await killSubscribers();
  for (const id of ids) expect((await append(a, id, 'two')).statusCode).toBe(201);
  await Promise.all(onB.map((s) => s.until((x) => x.frames.length >= 2)));
  for (const s of onB) expect(s.frames.map((f) => f.id)).toEqual(['2', '3']);

  // State written through B reaches a subscriber on A.
  const onA = await openStream(a.url, `/v1/sessions/${ids[0]!}/events`, { ...auth, 'last-event-id': '3' });
  streams.push(onA);
  expect((await b.app.inject({ method: 'PUT', url: `/v1/sessions/${ids[0]!}/state`, headers: auth, payload: { n: 1 } })).statusCode).toBe(200);
  await onA.until((s) => s.frames.length >= 1);
  expect(onA.frames.map((f) => [f.id, f.event])).toEqual([['4', 'state.changed']]);

  // A session deleted through A ends B's stream.
  expect((await a.app.inject({ method: 'DELETE', url: `/v1/sessions/${ids[1]!}`, headers: auth })).statusCode).toBe(204);
  await onB[1]!.ended;
  expect(onB[1]!.frames.at(-1)?.event).toBe('session.deleted');
});

it('EventHub.announce() publishes a wake-up for logs that no script announces (read-the-log message, id 0)', async () => {
  const a = pool.instances[0] ?? (await instance());
  const listener = new Redis(cluster.nodes[5]!);
  try {
    const got = new Promise<string>((resolve) => listener.on('message', (_ch: string, msg: string) => msg.startsWith('default/ws-1 ') && resolve(msg)));
    await listener.subscribe(`${prefix}events`);
    a.sira.events.announce('default', 'ws-1');
    expect(await got).toBe('default/ws-1 0');
  } finally {
    listener.disconnect();
  }
});
