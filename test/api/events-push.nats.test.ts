/**
 * Cross-instance push from the stream itself on a real 3-node JetStream cluster: two service instances with the
 * fallback poll off (`eventFallbackPollMs: 0`), so an event written through instance A reaches a subscriber on B
 * only through B's ordered consumer on the heads stream (src/storage/nats/event-wakeups.ts). Also across a kill
 * of the heads stream's leader (the consumer is recreated and the hub re-reads), and a session deleted through A
 * ends B's stream.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseEventHeader, eventHeader } from '../../src/storage/nats/head.ts';
import { instancePool, type Instance } from '../helpers/instances.ts';
import { startNatsCluster, type NatsClusterHandle } from '../helpers/nats-cluster.ts';
import { openStream, type Stream } from '../helpers/sse.ts';

const KEY = 'events-push-nats-key-123456';
const auth = { authorization: `Bearer ${KEY}` };
const natsBucketPrefix = `e${randomBytes(4).toString('hex')}`;

let cluster: NatsClusterHandle;
const pool = instancePool(() => ({ store: cluster.url, natsBucketPrefix, natsReplicas: 3, bootstrapKey: KEY, eventFallbackPollMs: 0 }));
const streams: Stream[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster();
}, 60_000);
afterAll(async () => {
  for (const s of streams) s.close();
  await pool.close();
  await cluster?.stop();
});

const append = (i: Instance, id: string, text: string) =>
  i.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: auth, payload: { turns: [{ role: 'user', content: text }] } });

it('the wake-up header round-trips an event, and a bare id asks for a log read', () => {
  const e = { id: 4, type: 'turns.appended' as const, at: 1_700_000_000_000, data: { first_seq: 3, count: 1 } };
  expect(parseEventHeader(eventHeader(e), 's1')).toEqual({ ...e, session_id: 's1' });
  expect(parseEventHeader('4', 's1')).toBeUndefined();
  expect(parseEventHeader('4 x 1 {not json', 's1')).toBeUndefined();
});

it('an event written through one instance reaches a subscriber on another by the stream alone (no poll), across a leader kill', { timeout: 120_000 }, async () => {
  const a = await pool.start();
  const b = await pool.start();
  const ids = Array.from({ length: 3 }, (_, i) => `p${i}${randomBytes(3).toString('hex')}`);
  for (const id of ids) expect((await a.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: { id } })).statusCode).toBe(201);
  const onB = await Promise.all(ids.map((id) => openStream(b.url, `/v1/sessions/${id}/events`, auth)));
  streams.push(...onB);
  for (const id of ids) expect((await append(a, id, 'one')).statusCode).toBe(201);
  await Promise.all(onB.map((s) => s.until((x) => x.frames.length >= 1)));
  for (const s of onB) expect(s.frames.map((f) => [f.id, f.event])).toEqual([['2', 'turns.appended']]);

  // The heads stream loses its leader: B's consumer is recreated on the new one, and writes made after reach B.
  const leader = await cluster.leaderOf(`KV_${natsBucketPrefix}_heads`);
  await cluster.kill(leader);
  for (const id of ids) expect((await append(a, id, 'two')).statusCode).toBe(201);
  await Promise.all(onB.map((s) => s.until((x) => x.frames.length >= 2)));
  for (const s of onB) expect(s.frames.map((f) => f.id)).toEqual(['2', '3']);
  await cluster.restart(leader);

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
