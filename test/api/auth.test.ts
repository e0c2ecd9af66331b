import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/clock.ts';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

describe('auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ bootstrapKey: 'bootstrap-key-123' });
  });
  afterAll(() => t.close());

  it('a /v1 request without Authorization is 401 SIRA_ERR_AUTH_MISSING with WWW-Authenticate: Bearer', async () => {
    const res = await t.app.inject({ url: '/v1/sessions' });
    expectProblem(res, 401, 'SIRA_ERR_AUTH_MISSING');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expectProblem(await t.app.inject({ url: '/v1/sessions', headers: { authorization: '' } }), 401, 'SIRA_ERR_AUTH_MISSING');
  });

  it('an unknown key, another scheme or a malformed header is 401 SIRA_ERR_AUTH_INVALID', async () => {
    expectProblem(await t.app.inject({ url: '/v1/sessions', headers: { authorization: 'Bearer not-a-key' } }), 401, 'SIRA_ERR_AUTH_INVALID');
    expectProblem(await t.app.inject({ url: '/v1/sessions', headers: { authorization: `Basic ${t.key}` } }), 401, 'SIRA_ERR_AUTH_INVALID');
    expectProblem(await t.app.inject({ url: '/v1/sessions', headers: { authorization: `Bearer ${t.key} extra` } }), 401, 'SIRA_ERR_AUTH_INVALID');
  });

  it('auth is checked before the body is read: an unauthenticated bad body is still 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'content-type': 'application/json' }, payload: '{bad' });
    expectProblem(res, 401, 'SIRA_ERR_AUTH_MISSING');
  });

  it('the scheme is case-insensitive and the bootstrap key acts for tenant "default"', async () => {
    expect((await t.app.inject({ url: '/v1/sessions', headers: { authorization: `bearer ${t.key}` } })).statusCode).toBe(200);
    const s = json<{ id: string }>(
      await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { authorization: 'Bearer bootstrap-key-123' } }),
    );
    expect((await t.sira.tenant('default').getSession(s.id)).id).toBe(s.id);
  });

  it('probes, metrics and docs need no key', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json']) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(200);
    }
  });
});

describe('auth key cache', () => {
  it('a key created after a failed attempt works at once (failures are not cached)', async () => {
    const t = await testApp();
    try {
      const { key } = { key: 'sira_later' };
      expectProblem(await t.app.inject({ url: '/v1/sessions', headers: { authorization: `Bearer ${key}` } }), 401, 'SIRA_ERR_AUTH_INVALID');
      const created = await t.sira.createApiKey('late');
      expect((await t.app.inject({ url: '/v1/sessions', headers: { authorization: `Bearer ${created.key}` } })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('a revoked key keeps working only until the cache entry expires (5 s, injected clock)', async () => {
    const clock = manualClock();
    const t = await testApp({}, {}, { clock });
    try {
      const { key, record } = await t.sira.createApiKey('rev');
      const call = () => t.app.inject({ url: '/v1/sessions', headers: { authorization: `Bearer ${key}` } });
      expect((await call()).statusCode).toBe(200);
      await t.sira.revokeApiKey(record.id);
      expect((await call()).statusCode).toBe(200);
      clock.advance(5_001);
      expectProblem(await call(), 401, 'SIRA_ERR_AUTH_INVALID');
    } finally {
      await t.close();
    }
  });
});

describe('auth off', () => {
  it('with auth: false every request acts for tenant "default", no key needed', async () => {
    const t = await testApp({ auth: false });
    try {
      const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { id: 'open-1' } });
      expect(res.statusCode).toBe(201);
      expect((await t.sira.tenant('default').getSession('open-1')).id).toBe('open-1');
    } finally {
      await t.close();
    }
  });
});

describe('tenant isolation', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await testApp();
    id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { user_id: 'u1', metadata: { owner: 'acme' } } })).id;
    await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: 'secret' }] } });
    await t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/state`, headers: t.auth, payload: { secret: true } });
    await t.app.inject({
      method: 'PUT',
      url: `/v1/sessions/${id}/tensors/w`,
      headers: { ...t.auth, 'content-type': 'application/octet-stream', 'x-tensor-dtype': 'u8', 'x-tensor-shape': '2' },
      payload: Buffer.from([1, 2]),
    });
  });
  afterAll(() => t.close());

  it("tenant B cannot read, list, patch, append to, write state or tensors of, or delete tenant A's session: all 404", async () => {
    const b = t.authB;
    const raw = { ...b, 'content-type': 'application/octet-stream', 'x-tensor-dtype': 'u8', 'x-tensor-shape': '1' };
    const attempts = [
      { method: 'GET', url: `/v1/sessions/${id}` },
      { method: 'PATCH', url: `/v1/sessions/${id}`, payload: { metadata: { owner: 'beta' } } },
      { method: 'GET', url: `/v1/sessions/${id}/turns` },
      { method: 'GET', url: `/v1/sessions/${id}/turns?last=5` },
      { method: 'POST', url: `/v1/sessions/${id}/turns`, payload: { turns: [{ role: 'user', content: 'injected' }] } },
      { method: 'GET', url: `/v1/sessions/${id}/state` },
      { method: 'PUT', url: `/v1/sessions/${id}/state`, payload: { pwned: true } },
      { method: 'PATCH', url: `/v1/sessions/${id}/state`, payload: { pwned: true } },
      { method: 'GET', url: `/v1/sessions/${id}/tensors` },
      { method: 'GET', url: `/v1/sessions/${id}/tensors/w` },
      { method: 'PUT', url: `/v1/sessions/${id}/tensors/w`, payload: Buffer.from([9]), headers: raw },
      { method: 'DELETE', url: `/v1/sessions/${id}/tensors/w` },
      { method: 'DELETE', url: `/v1/sessions/${id}` },
    ] as const;
    for (const a of attempts) {
      const res = await t.app.inject({
        method: a.method,
        url: a.url,
        headers: 'headers' in a ? a.headers : b,
        ...('payload' in a ? { payload: a.payload } : {}),
      });
      const body = expectProblem(res, 404, 'SIRA_ERR_SESSION_NOT_FOUND');
      expect(body.detail, `${a.method} ${a.url}`).not.toMatch(/acme|tenant/i);
    }
    const listB = json<{ sessions: Array<{ id: string }> }>(await t.app.inject({ url: '/v1/sessions', headers: b }));
    expect(listB.sessions.map((s) => s.id)).not.toContain(id);
    const listBUser = json<{ sessions: Array<{ id: string }> }>(await t.app.inject({ url: '/v1/sessions?user_id=u1', headers: b }));
    expect(listBUser.sessions).toEqual([]);

    // Tenant A's data is untouched.
    const a = t.auth;
    expect(json(await t.app.inject({ url: `/v1/sessions/${id}`, headers: a }))).toMatchObject({ metadata: { owner: 'acme' }, turn_count: 1 });
    expect(json(await t.app.inject({ url: `/v1/sessions/${id}/state`, headers: a }))).toMatchObject({ version: 1, state: { secret: true } });
    const w = await t.app.inject({ url: `/v1/sessions/${id}/tensors/w`, headers: a });
    expect([...w.rawPayload]).toEqual([1, 2]);
  });

  it('tenant B may use the same session id for its own, separate session', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.authB, payload: { id } });
    expect(res.statusCode).toBe(201);
    expect(json(await t.app.inject({ url: `/v1/sessions/${id}/turns`, headers: t.authB }))).toMatchObject({ turns: [] });
    expect(json(await t.app.inject({ url: `/v1/sessions/${id}`, headers: t.auth }))).toMatchObject({ turn_count: 1 });
  });
});
