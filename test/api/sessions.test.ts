import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/clock.ts';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

type S = Record<string, unknown> & { id: string };

describe('/v1/sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ limits: { maxPageSize: 50 } });
  });
  afterAll(() => t.close());

  const create = async (payload?: object) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, ...(payload === undefined ? {} : { payload }) });
    return res;
  };

  it('POST /v1/sessions with no body creates a session with defaults (201, Location)', async () => {
    const res = await create();
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const s = json<S>(res);
    expect(res.headers.location).toBe(`/v1/sessions/${s.id}`);
    expect(s).toMatchObject({ user_id: null, agent_id: null, metadata: {}, expires_at: null, ttl_seconds: null, turn_count: 0, state_version: 0 });
    expect(new Date(s.created_at as string).toISOString()).toBe(s.created_at);
    expect(s).not.toHaveProperty('tenant');
  });

  it('POST /v1/sessions keeps id, user_id, agent_id, ttl_seconds and metadata', async () => {
    const res = await create({ id: 'chat-1', user_id: 'u1', agent_id: 'a1', ttl_seconds: 3600, metadata: { k: 'v', n: [1, { x: null }] } });
    expect(res.statusCode).toBe(201);
    const s = json<S>(res);
    expect(s).toMatchObject({ id: 'chat-1', user_id: 'u1', agent_id: 'a1', ttl_seconds: 3600, metadata: { k: 'v', n: [1, { x: null }] } });
    expect(Date.parse(s.expires_at as string) - Date.parse(s.created_at as string)).toBe(3600_000);
  });

  it('POST /v1/sessions ignores unknown fields and does not store them', async () => {
    const s = json<S>(await create({ tenant: 'beta', turn_count: 99, foo: 'bar', metadata: { ok: true } }));
    expect(s).not.toHaveProperty('foo');
    expect(s).toMatchObject({ turn_count: 0, metadata: { ok: true } });
    expect(await t.sira.tenant('beta').getSession(s.id).catch((e: { code: string }) => e.code)).toBe('SIRA_ERR_SESSION_NOT_FOUND');
  });

  it('POST /v1/sessions with a taken id is 409 SIRA_ERR_SESSION_EXISTS', async () => {
    await create({ id: 'dup-1' });
    expectProblem(await create({ id: 'dup-1' }), 409, 'SIRA_ERR_SESSION_EXISTS');
  });

  it('POST /v1/sessions refuses bad input with 400 and stores nothing', async () => {
    expectProblem(await create({ id: '-bad id' }), 400, 'SIRA_ERR_SESSION_ID_INVALID');
    expectProblem(await create({ ttl_seconds: 0 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await create({ ttl_seconds: '60' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await create({ metadata: [1, 2] }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await create({ user_id: 'has space' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    const body = expectProblem(await create({ user_id: 5 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expect(body.detail).toMatch(/^body\/user_id must be string or null/);
    const list = json<{ sessions: S[] }>(await t.app.inject({ url: '/v1/sessions?limit=50', headers: t.auth }));
    expect(list.sessions.filter((x) => x.user_id === 'has space' || x.user_id === (5 as unknown as string))).toEqual([]);
  });

  it('GET /v1/sessions/:id returns the session; a missing one is 404 SIRA_ERR_SESSION_NOT_FOUND', async () => {
    const s = json<S>(await create({ metadata: { a: 1 } }));
    const res = await t.app.inject({ url: `/v1/sessions/${s.id}`, headers: t.auth });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual(s);
    const missing = expectProblem(await t.app.inject({ url: '/v1/sessions/nope', headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expect(missing.instance).toBe('/v1/sessions/nope');
  });

  it('GET /v1/sessions lists newest first and pages with next_cursor without gaps or repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(json<S>(await create({ user_id: 'pager', metadata: { i } })).id);
    const seen: string[] = [];
    const times: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/sessions?user_id=pager&limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = json<{ sessions: S[]; next_cursor: string | null }>(await t.app.inject({ url: q, headers: t.auth }));
      expect(page.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...page.sessions.map((s) => s.id));
      times.push(...page.sessions.map((s) => Date.parse(s.created_at as string)));
      cursor = page.next_cursor;
    } while (cursor !== null);
    // Newest first; sessions created in the same millisecond may come in either order.
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('GET /v1/sessions refuses a bad cursor or limit with 400', async () => {
    expectProblem(await t.app.inject({ url: '/v1/sessions?cursor=!!!', headers: t.auth }), 400, 'SIRA_ERR_CURSOR_INVALID');
    expectProblem(await t.app.inject({ url: '/v1/sessions?limit=51', headers: t.auth }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await t.app.inject({ url: '/v1/sessions?limit=0', headers: t.auth }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await t.app.inject({ url: '/v1/sessions?limit=ten', headers: t.auth }), 400, 'SIRA_ERR_REQUEST_INVALID');
  });

  it('GET /v1/sessions?user_id= refuses an id that is not one (too long, control characters) with 400, not 500', async () => {
    for (const bad of ['a'.repeat(600), '%0A%0A', '%F0%9F%98%80'.repeat(100)]) {
      expectProblem(await t.app.inject({ url: `/v1/sessions?user_id=${bad}`, headers: t.auth }), 400, 'SIRA_ERR_REQUEST_INVALID');
    }
    expect((await t.app.inject({ url: '/v1/sessions?user_id=u1', headers: t.auth })).statusCode).toBe(200);
  });

  it('PATCH /v1/sessions/:id changes fields; null clears; bad input changes nothing', async () => {
    const s = json<S>(await create({ user_id: 'u1', metadata: { a: 1 } }));
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/v1/sessions/${s.id}`, headers: t.auth, payload });
    const res = await patch({ user_id: null, agent_id: 'bot', metadata: { b: 2 }, ttl_seconds: 60 });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ id: s.id, user_id: null, agent_id: 'bot', metadata: { b: 2 }, ttl_seconds: 60 });
    expectProblem(await patch({ agent_id: 'bad id', metadata: { c: 3 } }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await patch({ ttl_seconds: -1 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    const after = json<S>(await t.app.inject({ url: `/v1/sessions/${s.id}`, headers: t.auth }));
    expect(after).toMatchObject({ agent_id: 'bot', metadata: { b: 2 }, ttl_seconds: 60 });
    const cleared = json<S>(await patch({ ttl_seconds: null }));
    expect(cleared).toMatchObject({ ttl_seconds: null, expires_at: null });
    expectProblem(
      await t.app.inject({ method: 'PATCH', url: '/v1/sessions/nope', headers: t.auth, payload: {} }),
      404,
      'SIRA_ERR_SESSION_NOT_FOUND',
    );
  });

  it('DELETE /v1/sessions/:id is 204 with no body, then the session is gone (404)', async () => {
    const s = json<S>(await create());
    await t.app.inject({ method: 'POST', url: `/v1/sessions/${s.id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: 'x' }] } });
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/sessions/${s.id}`, headers: t.auth });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expectProblem(await t.app.inject({ url: `/v1/sessions/${s.id}`, headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await t.app.inject({ url: `/v1/sessions/${s.id}/turns`, headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await t.app.inject({ method: 'DELETE', url: `/v1/sessions/${s.id}`, headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
  });
});

describe('session expiry over HTTP (injected clock)', () => {
  it('GET /v1/sessions/:id is 404 once ttl_seconds have passed since the last write', async () => {
    const clock = manualClock();
    const t = await testApp({}, {}, { clock });
    try {
      const s = json<S>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { ttl_seconds: 60 } }));
      clock.advance(59_000);
      expect((await t.app.inject({ url: `/v1/sessions/${s.id}`, headers: t.auth })).statusCode).toBe(200);
      clock.advance(1_000);
      expectProblem(await t.app.inject({ url: `/v1/sessions/${s.id}`, headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
      const list = json<{ sessions: S[] }>(await t.app.inject({ url: '/v1/sessions', headers: t.auth }));
      expect(list.sessions.map((x) => x.id)).not.toContain(s.id);
    } finally {
      await t.close();
    }
  });
});
