import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

type State = { version: number; state: Record<string, unknown>; updated_at: string };

describe('/v1/sessions/:id/state', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ limits: { maxStateBytes: 1024 } });
  });
  afterAll(() => t.close());

  const session = async () => json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
  const put = (id: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/state`, headers: { ...t.auth, 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });
  const patch = (id: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/sessions/${id}/state`,
      headers: { ...t.auth, 'content-type': 'application/merge-patch+json', ...headers },
      payload: JSON.stringify(payload),
    });
  const get = (id: string, headers: Record<string, string> = {}) => t.app.inject({ url: `/v1/sessions/${id}/state`, headers: { ...t.auth, ...headers } });

  it('GET of a never-written state is version 0, {} and ETag "0"', async () => {
    const id = await session();
    const res = await get(id);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"0"');
    expect(json<State>(res)).toMatchObject({ version: 0, state: {} });
  });

  it('PUT replaces the state and answers the new ETag; If-Match with the current ETag succeeds', async () => {
    const id = await session();
    const r1 = await put(id, { plan: ['a'], n: 1 });
    expect(r1.statusCode).toBe(200);
    expect(r1.headers.etag).toBe('"1"');
    expect(json<State>(r1)).toMatchObject({ version: 1, state: { plan: ['a'], n: 1 } });
    const r2 = await put(id, { n: 2 }, { 'if-match': r1.headers.etag as string });
    expect(r2.headers.etag).toBe('"2"');
    const now = await get(id);
    expect(now.headers.etag).toBe('"2"');
    expect(json<State>(now)).toMatchObject({ version: 2, state: { n: 2 } });
    expect(json(await t.app.inject({ url: `/v1/sessions/${id}`, headers: t.auth }))).toMatchObject({ state_version: 2 });
  });

  it('a stale If-Match is 409 SIRA_ERR_STATE_VERSION_CONFLICT with current_version, and changes nothing', async () => {
    const id = await session();
    await put(id, { n: 1 });
    await put(id, { n: 2 });
    const body = expectProblem(await put(id, { n: 3 }, { 'if-match': '"1"' }), 409, 'SIRA_ERR_STATE_VERSION_CONFLICT');
    expect(body.current_version).toBe(2);
    expectProblem(await patch(id, { n: 4 }, { 'if-match': '"1"' }), 409, 'SIRA_ERR_STATE_VERSION_CONFLICT');
    expect(json<State>(await get(id))).toMatchObject({ version: 2, state: { n: 2 } });
  });

  it('If-Match: * accepts any version; weak and bare forms of the current version are accepted', async () => {
    const id = await session();
    await put(id, { n: 1 });
    expect((await put(id, { n: 2 }, { 'if-match': '*' })).statusCode).toBe(200);
    expect((await put(id, { n: 3 }, { 'if-match': 'W/"2"' })).statusCode).toBe(200);
    expect((await put(id, { n: 4 }, { 'if-match': '3' })).statusCode).toBe(200);
    expectProblem(await put(id, { n: 5 }, { 'if-match': '"abc"' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expect(json<State>(await get(id)).version).toBe(4);
  });

  it('PATCH merges (RFC 7396): objects merge, null deletes, arrays replace; application/json works too', async () => {
    const id = await session();
    await put(id, { a: { x: 1, y: 2 }, list: [1, 2], keep: true });
    const r = await patch(id, { a: { y: null, z: 3 }, list: [9] }, { 'if-match': '"1"' });
    expect(r.statusCode).toBe(200);
    expect(r.headers.etag).toBe('"2"');
    expect(json<State>(r).state).toEqual({ a: { x: 1, z: 3 }, list: [9], keep: true });
    const r2 = await patch(id, { keep: null }, { 'content-type': 'application/json' });
    expect(json<State>(r2)).toMatchObject({ version: 3, state: { a: { x: 1, z: 3 }, list: [9] } });
  });

  it('If-None-Match with the current ETag is 304', async () => {
    const id = await session();
    await put(id, { n: 1 });
    const res = await get(id, { 'if-none-match': '"1"' });
    expect(res.statusCode).toBe(304);
    expect(res.body).toBe('');
    expect((await get(id, { 'if-none-match': '"0"' })).statusCode).toBe(200);
  });

  it('a state that is not a JSON object is 400; one over maxStateBytes is 413; neither is stored', async () => {
    const id = await session();
    await put(id, { n: 1 });
    expectProblem(await put(id, [1, 2]), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await put(id, null), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await put(id, 'text'), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await put(id, { big: 'x'.repeat(2000) }), 413, 'SIRA_ERR_STATE_TOO_LARGE');
    expectProblem(await patch(id, { big: 'x'.repeat(2000) }), 413, 'SIRA_ERR_STATE_TOO_LARGE');
    expectProblem(
      await t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/state`, headers: { ...t.auth, 'content-type': 'application/json' }, payload: '{"n":' }),
      400,
      'SIRA_ERR_REQUEST_INVALID',
    );
    expectProblem(
      await t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/state`, headers: { ...t.auth, 'content-type': 'text/plain' }, payload: 'n=1' }),
      415,
      'SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA',
    );
    expect(json<State>(await get(id))).toMatchObject({ version: 1, state: { n: 1 } });
  });

  it('state of a missing session is 404 for GET, PUT and PATCH', async () => {
    expectProblem(await get('ghost'), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await put('ghost', { a: 1 }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await patch('ghost', { a: 1 }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
  });
});
