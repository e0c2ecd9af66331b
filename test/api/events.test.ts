/**
 * `/v1/sessions/:id/events` over a real listening server (SSE needs a socket): live delivery, resume by
 * Last-Event-ID with no gap and no duplicate, tenancy, the JSON page, heartbeats, deletion and shutdown.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';
import { openStream, type Stream } from '../helpers/sse.ts';

describe('GET /v1/sessions/:id/events', () => {
  let t: TestApp;
  let base: string;
  const streams: Stream[] = [];

  beforeEach(async () => {
    t = await testApp({ eventHeartbeatMs: 50, eventRetention: 5 });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await t.close();
  });

  const open = async (path: string, headers: Record<string, string> = t.auth) => {
    const s = await openStream(base, path, headers);
    streams.push(s);
    return s;
  };
  const session = async () => json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
  const append = async (id: string, text: string) => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: text }] } });
    expect(res.statusCode).toBe(201);
  };
  const ids = (s: Stream) => s.frames.map((f) => Number(f.id));

  it('streams the events of writes made after subscribing, as text/event-stream frames', async () => {
    const id = await session();
    await append(id, 'before'); // event 2: not sent to a subscriber "from now"
    const s = await open(`/v1/sessions/${id}/events`);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    await append(id, 'one');
    await t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/state`, headers: t.auth, payload: { a: 1 } });
    await s.until((x) => x.frames.length >= 2);
    expect(s.frames).toEqual([
      { id: '3', event: 'turns.appended', data: { id: 3, type: 'turns.appended', session_id: id, at: expect.any(String), data: { first_seq: 2, count: 1 } } },
      { id: '4', event: 'state.changed', data: { id: 4, type: 'state.changed', session_id: id, at: expect.any(String), data: { version: 1 } } },
    ]);
  });

  it('reconnecting with Last-Event-ID delivers exactly the missed events, then live ones', async () => {
    const id = await session();
    const s1 = await open(`/v1/sessions/${id}/events?after=0`);
    await append(id, 'a');
    await s1.until((x) => x.frames.length >= 2);
    expect(ids(s1)).toEqual([1, 2]);
    s1.close();
    await append(id, 'b'); // 3 and 4 while disconnected
    await append(id, 'c');
    const s2 = await open(`/v1/sessions/${id}/events?after=0`, { ...t.auth, 'last-event-id': s1.frames.at(-1)!.id! });
    await s2.until((x) => x.frames.length >= 2);
    await append(id, 'd');
    await s2.until((x) => x.frames.length >= 3);
    expect(ids(s2)).toEqual([3, 4, 5]);
    expect(s2.frames.map((f) => f.data.data)).toEqual([
      { first_seq: 2, count: 1 },
      { first_seq: 3, count: 1 },
      { first_seq: 4, count: 1 },
    ]);
  });

  it('many writes reach every subscriber in order with no gap and no duplicate', async () => {
    const id = await session();
    const subs = [await open(`/v1/sessions/${id}/events?after=1`), await open(`/v1/sessions/${id}/events?after=1`)];
    await Promise.all(Array.from({ length: 4 }, (_, i) => append(id, `w${i}`)));
    for (const s of subs) {
      await s.until((x) => x.frames.length >= 4);
      expect(ids(s)).toEqual([2, 3, 4, 5]);
    }
  });

  it("a subscriber to another tenant's session gets 404 problem+json", async () => {
    const id = await session();
    const res = await fetch(`${base}/v1/sessions/${id}/events`, { headers: { ...t.authB, accept: 'text/event-stream' } });
    expectProblem({ statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() }, 404, 'SIRA_ERR_SESSION_NOT_FOUND');
  });

  it('needs an API key', async () => {
    const id = await session();
    const res = await t.app.inject({ url: `/v1/sessions/${id}/events`, headers: { accept: 'text/event-stream' } });
    expectProblem(res, 401, 'SIRA_ERR_AUTH_MISSING');
  });

  it('resuming from a trimmed id (or one past the newest) is 410 SIRA_ERR_EVENTS_GAP; a malformed id is 400', async () => {
    const id = await session();
    for (let i = 0; i < 6; i++) await append(id, `t${i}`); // 7 events, the last 5 kept
    const gap = await t.app.inject({ url: `/v1/sessions/${id}/events`, headers: { ...t.auth, accept: 'text/event-stream', 'last-event-id': '1' } });
    expect(expectProblem(gap, 410, 'SIRA_ERR_EVENTS_GAP').first_retained_id).toBe(3);
    expectProblem(await t.app.inject({ url: `/v1/sessions/${id}/events?after=x`, headers: t.auth }), 400, 'SIRA_ERR_EVENTS_AFTER_INVALID');
    // Past the newest event: the log it came from is gone (a deleted and re-created session).
    expectProblem(await t.app.inject({ url: `/v1/sessions/${id}/events?after=99`, headers: t.auth }), 410, 'SIRA_ERR_EVENTS_GAP');
  });

  it('Accept: application/json returns a page {events, next_after} for polling', async () => {
    const id = await session();
    await append(id, 'a');
    await append(id, 'b');
    const res = await t.app.inject({ url: `/v1/sessions/${id}/events?after=1&limit=1`, headers: { ...t.auth, accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    const page = json<{ events: { id: number; type: string }[]; next_after: number }>(res);
    expect(page.events.map((e) => [e.id, e.type])).toEqual([[2, 'turns.appended']]);
    expect(page.next_after).toBe(2);
    const rest = json<{ events: { id: number }[]; next_after: number }>(await t.app.inject({ url: `/v1/sessions/${id}/events?after=2`, headers: t.auth }));
    expect(rest.events.map((e) => e.id)).toEqual([3]);
    expect(rest.next_after).toBe(3);
    const none = json<{ events: unknown[]; next_after: number }>(await t.app.inject({ url: `/v1/sessions/${id}/events?after=3`, headers: t.auth }));
    expect(none).toEqual({ events: [], next_after: 3 });
  });

  it('sends `: ping` heartbeats on an idle stream', async () => {
    const s = await open(`/v1/sessions/${await session()}/events`);
    await s.until((x) => x.comments.includes('ping'));
    // Idle: the pings are comments, never frames, and the stream stays open.
    expect(s.comments.filter((c) => c === 'ping').length).toBeGreaterThanOrEqual(1);
    expect(s.frames).toEqual([]);
    s.close();
  });

  it('deleting the session sends session.deleted and ends the stream', async () => {
    const id = await session();
    const s = await open(`/v1/sessions/${id}/events`);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/sessions/${id}`, headers: t.auth })).statusCode).toBe(204);
    await s.ended;
    expect(s.frames.map((f) => [f.id, f.event, f.data.data])).toEqual([['2', 'session.deleted', { reason: 'deleted' }]]);
  });

  it('closing the server ends open streams cleanly', async () => {
    const s = await open(`/v1/sessions/${await session()}/events`);
    await t.app.close();
    await s.ended;
    expect(t.sira.events.subscriberCount).toBe(0);
  });
});
