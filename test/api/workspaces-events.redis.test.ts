/**
 * Workspace events across two service instances on one standalone Redis (one key prefix): a WebSocket client on
 * instance B sees CRDT updates written through instance A (and the other way round), two editors on different
 * instances converge; the SSE stream of a workspace resumes with Last-Event-ID on the other instance, gap-free.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';
import { instancePool, type Instance } from '../helpers/instances.ts';
import { openStream, type Stream } from '../helpers/sse.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:${randomBytes(6).toString('hex')}:`;
const KEY = 'workspaces-redis-key-123456';
const auth = { authorization: `Bearer ${KEY}` };

const pool = instancePool(() => ({ store: URL_, redisKeyPrefix: prefix, bootstrapKey: KEY, eventPollIntervalMs: 20 }));
const instance = () => pool.start();
const sockets: WebSocket[] = [];
const streams: Stream[] = [];


beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  for (const s of streams) s.close();
  await pool.close();
  const admin = await RedisStore.open({ url: URL_ });
  await deleteKeysWithPrefix(admin.client, prefix);
  await admin.close();
});

/** An editor: a Y.Doc synced over a WebSocket to one instance; local edits go out, remote ones come in. */
async function editor(i: Instance, workspace: string) {
  const doc = new Y.Doc();
  const ws = new WebSocket(`${i.url.replace(/^http/, 'ws')}/v1/ws`, { headers: auth });
  sockets.push(ws);
  let crdtEvents = 0;
  let acks = 0;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((f) => f());
  await new Promise<void>((resolve) => {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; event?: { type: string; data: { update?: string } } };
      if (m.type === 'hello') ws.send(JSON.stringify({ op: 'subscribe', workspace_id: workspace }));
      if (m.type === 'subscribed') resolve();
      if (m.type === 'ack') acks++;
      if (m.type === 'event' && m.event?.type === 'crdt.updated') {
        crdtEvents++;
        Y.applyUpdate(doc, Buffer.from(m.event.data.update ?? '', 'base64'), 'remote');
      }
      wake();
    });
  });
  let sent = 0;
  doc.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin === 'remote') return;
    sent++;
    ws.send(JSON.stringify({ op: 'crdt.update', workspace_id: workspace, doc: 'd', update: Buffer.from(u).toString('base64') }));
  });
  return {
    doc,
    sent: () => sent,
    until: async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => waiters.push(r));
    },
    counts: () => ({ crdtEvents, acks }),
  };
}

it('editors connected to different instances converge; every update reaches both', async () => {
  const a = await instance();
  const b = await instance();
  expect((await a.app.inject({ method: 'POST', url: '/v1/workspaces', headers: auth, payload: { id: 'shared' } })).statusCode).toBe(201);
  const ea = await editor(a, 'shared');
  const eb = await editor(b, 'shared');
  for (let k = 0; k < 30; k++) {
    const e = k % 2 === 0 ? ea : eb;
    const t = e.doc.getText('t');
    t.insert(k % 3 === 0 ? 0 : t.length, `${k % 2 === 0 ? 'a' : 'b'}${k} `);
  }
  const total = ea.sent() + eb.sent();
  await ea.until(() => ea.counts().acks === ea.sent() && ea.counts().crdtEvents === total);
  await eb.until(() => eb.counts().acks === eb.sent() && eb.counts().crdtEvents === total);
  expect(ea.doc.getText('t').toString()).toBe(eb.doc.getText('t').toString());
  const server = new Y.Doc();
  Y.applyUpdate(server, (await b.app.inject({ url: '/v1/workspaces/shared/crdt/d', headers: auth })).rawPayload);
  expect(server.getText('t').toString()).toBe(ea.doc.getText('t').toString());
  expect(server.getText('t').toString().split(' ').filter(Boolean)).toHaveLength(30);
});

it('a workspace SSE stream on one instance sees writes through the other, and resumes with Last-Event-ID', async () => {
  const [a, b] = [pool.instances[0]!, pool.instances[1]!];
  await a.app.inject({ method: 'POST', url: '/v1/workspaces', headers: auth, payload: { id: 'sse' } });
  const onB = await openStream(b.url, '/v1/workspaces/sse/events', auth);
  streams.push(onB);
  expect(onB.status).toBe(200);
  await a.app.inject({ method: 'POST', url: '/v1/workspaces/sse/members', headers: auth, payload: { kind: 'agent', id: 'x' } });
  await a.app.inject({ method: 'PUT', url: '/v1/workspaces/sse/state', headers: auth, payload: { v: 1 } });
  await onB.until((s) => s.frames.length >= 2);
  expect(onB.frames.map((f) => f.event)).toEqual(['member.joined', 'state.changed']);
  expect(onB.frames[0]!.data).toMatchObject({ type: 'member.joined', workspace_id: 'sse', data: { kind: 'agent', member_id: 'x' } });
  const last = onB.frames.at(-1)!.id!;
  onB.close();
  await a.app.inject({ method: 'POST', url: '/v1/workspaces/sse/turns', headers: auth, payload: { turns: [{ role: 'user', content: 'missed' }] } });
  const onA = await openStream(a.url, '/v1/workspaces/sse/events', { ...auth, 'last-event-id': last });
  streams.push(onA);
  await onA.until((s) => s.frames.length >= 1);
  await b.app.inject({ method: 'DELETE', url: '/v1/workspaces/sse/members/agent/x', headers: auth });
  await onA.until((s) => s.frames.length >= 2);
  expect(onA.frames.map((f) => f.event)).toEqual(['turns.appended', 'member.left']);
  expect(Number(onA.frames[0]!.id)).toBe(Number(last) + 1);
  await b.app.inject({ method: 'DELETE', url: '/v1/workspaces/sse', headers: auth });
  await onA.until((s) => s.frames.some((f) => f.event === 'workspace.deleted'));
  await onA.ended;
});
