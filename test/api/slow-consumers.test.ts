/**
 * Slow SSE consumers over a real listening server: raw sockets that subscribe and never read. The server's own
 * accounting (the stream tracker behind `sira_event_stream_buffered_bytes`, subscriber slots, hub subscriptions)
 * must show each stream's buffer bounded while the clients stall, and everything released once they are
 * disconnected. No RSS or timing assertions: conditions are awaited.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { bufferedBytes, streamTracker } from '../../src/api/sse.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { openStream } from '../helpers/sse.ts';

const LIMIT = 64 * 1024;
const CLIENTS = 5;
/** Updates posted, and their size: 150 × ~80 KB frames (base64) = ~12 MB per client, more than loopback socket
 * buffers absorb (they grow to several MB), so the server's own buffer must fill. */
const UPDATES = 150;
const UPDATE_BYTES = 60_000;

/** Wait (without sleeping a fixed time) until `pred` holds. */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !pred(); i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(pred(), what).toBe(true);
}

describe('slow SSE consumers', () => {
  let t: TestApp;
  let port: number;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    // The slow-consumer window is short so the test does not wait long; the heartbeat checks it every 25 ms.
    t = await testApp({ sseMaxBufferedBytes: LIMIT, sseSlowConsumerMs: 300, eventHeartbeatMs: 100 });
    port = Number(new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })).port);
    const ws = await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } });
    expect(ws.statusCode).toBe(201);
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await t.close();
  });

  /** A client that sends the SSE request and never reads a byte. */
  const stalled = () =>
    new Promise<Socket>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.pause();
        s.write(`GET /v1/workspaces/w/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: ${t.auth.authorization}\r\n\r\n`);
        resolve(s);
      });
      sockets.push(s);
    });

  /** A CRDT update of about `bytes` bytes (inlined, base64, in every subscriber's `crdt.updated` event). */
  const update = (bytes: number, i: number) => {
    const d = new Y.Doc();
    d.getText('t').insert(0, `${i}`.padEnd(bytes, 'x'));
    return Buffer.from(Y.encodeStateAsUpdate(d));
  };

  it('bounds what each stalled stream buffers and frees it all when the slow clients are disconnected', async () => {
    await Promise.all(Array.from({ length: CLIENTS }, stalled));
    await until(() => t.sira.quotas.subscribers('acme') === CLIENTS, 'every stalled client holds a subscriber slot');
    const tracker = streamTracker(t.sira);
    const sse = () => [...tracker.open].filter((s) => s.transport === 'sse');

    let peak = 0;
    let peakOne = 0;
    for (let i = 0; i < UPDATES; i++) {
      const r = await t.app.inject({ method: 'POST', url: `/v1/workspaces/w/crdt/notes-${i}`, headers: { ...t.auth, 'content-type': 'application/octet-stream' }, payload: update(UPDATE_BYTES, i) });
      expect(r.statusCode).toBe(200);
      peak = Math.max(peak, bufferedBytes(t.sira));
      for (const s of sse()) peakOne = Math.max(peakOne, s.bufferedBytes());
    }
    // One frame may go over the limit (a frame is written whole): ≤ limit + one ~80 KB crdt.updated frame.
    expect(peakOne).toBeGreaterThan(LIMIT / 2);
    expect(peakOne).toBeLessThanOrEqual(LIMIT + 96 * 1024);
    expect(peak).toBeLessThanOrEqual(CLIENTS * (LIMIT + 96 * 1024));

    await until(() => sse().length === 0, 'every stalled stream is closed');
    expect(tracker.slowClosed.sse).toBe(CLIENTS);
    expect(bufferedBytes(t.sira)).toBe(0);
    expect(t.sira.quotas.subscribers()).toBe(0);
    await until(() => t.sira.events.subscriberCount === 0, 'no hub subscription is left');
  });

  it('a client that stalls and then reads gets every event once, in order (subscriptions re-opened after the last written id)', async () => {
    const slow = await testApp({ sseMaxBufferedBytes: LIMIT, sseSlowConsumerMs: 600_000 });
    try {
      const p = Number(new URL(await slow.app.listen({ port: 0, host: '127.0.0.1' })).port);
      await slow.app.inject({ method: 'POST', url: '/v1/workspaces', headers: slow.auth, payload: { id: 'w' } });
      let text = '';
      // HTTP/1.0: the body is not chunked, so the frames can be read straight off the socket.
      const s = await new Promise<Socket>((resolve) => {
        const c = connect(p, '127.0.0.1', () => {
          c.pause();
          c.write(`GET /v1/workspaces/w/events HTTP/1.0\r\nAccept: text/event-stream\r\nAuthorization: ${slow.auth.authorization}\r\n\r\n`);
          resolve(c);
        });
      });
      sockets.push(s);
      s.setEncoding('utf8');
      s.on('data', (d: string) => (text += d));
      await until(() => slow.sira.quotas.subscribers('acme') === 1, 'subscribed');
      let congested = 0;
      for (let i = 0; i < UPDATES; i++) {
        const r = await slow.app.inject({ method: 'POST', url: `/v1/workspaces/w/crdt/notes-${i}`, headers: { ...slow.auth, 'content-type': 'application/octet-stream' }, payload: update(UPDATE_BYTES, i) });
        expect(r.statusCode).toBe(200);
        congested = Math.max(congested, bufferedBytes(slow.sira));
      }
      expect(congested).toBeGreaterThan(LIMIT / 2); // the stream did fill up while the client was not reading
      expect(congested).toBeLessThanOrEqual(LIMIT + 96 * 1024);
      s.resume();
      await until(() => (text.match(/^event: crdt\.updated$/gm) ?? []).length === UPDATES, 'every update arrives');
      const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids[0]! + i)); // contiguous: no gap, no duplicate
    } finally {
      await slow.close();
    }
  });

  it('a client that reads gets every event in order while stalled ones are cut off', async () => {
    await Promise.all(Array.from({ length: 3 }, stalled));
    const reader = await openStream(`http://127.0.0.1:${port}`, '/v1/workspaces/w/events', t.auth);
    await until(() => t.sira.quotas.subscribers('acme') === 4, 'four subscribers');
    for (let i = 0; i < UPDATES; i++) {
      const r = await t.app.inject({ method: 'POST', url: `/v1/workspaces/w/crdt/notes-${i}`, headers: { ...t.auth, 'content-type': 'application/octet-stream' }, payload: update(UPDATE_BYTES, i) });
      expect(r.statusCode).toBe(200);
    }
    await reader.until((s) => s.frames.filter((f) => f.event === 'crdt.updated').length === UPDATES);
    const ids = reader.frames.map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    await until(() => [...streamTracker(t.sira).open].filter((s) => s.transport === 'sse').length === 1, 'only the reader is left');
    reader.close();
    await until(() => t.sira.quotas.subscribers() === 0, 'the reader released its slot');
  });
});
