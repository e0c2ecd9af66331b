/**
 * Quotas and rate limits over real HTTP (app.inject) on a real LMDB store, with an injected clock (no sleeps):
 * every refusal is a 429 problem with Retry-After and a stable code, answered before the body is read, and
 * stores nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { countUsage } from '../../src/memory/quotas/index.ts';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

const ADMIN = 'admin-key-0123456789abcdef';

function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, { advance: (ms: number) => (now += ms) });
}

describe('quotas and rate limits', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  const turns = (text: string) => ({ turns: [{ role: 'user', content: text }] });

  it('a key over its token bucket gets 429 SIRA_ERR_QUOTA_RATE_LIMITED with Retry-After; another tenant is not affected', async () => {
    const clock = manualClock();
    t = await testApp({ quotas: { keyRequestsPerSecond: 2, keyRequestBurst: 3 } }, {}, { clock });
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ url: '/v1/sessions', headers: t.auth })).statusCode).toBe(200);
    const res = await t.app.inject({ url: '/v1/sessions', headers: t.auth });
    const body = expectProblem(res, 429, 'SIRA_ERR_QUOTA_RATE_LIMITED');
    expect(body).toMatchObject({ limit: 'key_requests', retry_after_seconds: 1 });
    expect(res.headers['retry-after']).toBe('1');
    expect((await t.app.inject({ url: '/v1/sessions', headers: t.authB })).statusCode).toBe(200);
    clock.advance(500); // one token back at 2/s
    expect((await t.app.inject({ url: '/v1/sessions', headers: t.auth })).statusCode).toBe(200);
    expectProblem(await t.app.inject({ url: '/v1/sessions', headers: t.auth }), 429, 'SIRA_ERR_QUOTA_RATE_LIMITED');
  });

  it('the tenant bucket is shared by all its keys', async () => {
    const clock = manualClock();
    t = await testApp({ quotas: { requestsPerSecond: 1, requestBurst: 2 } }, {}, { clock });
    const { key: second } = await t.sira.createApiKey('acme', 'second');
    expect((await t.app.inject({ url: '/v1/sessions', headers: t.auth })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/sessions', headers: { authorization: `Bearer ${second}` } })).statusCode).toBe(200);
    const body = expectProblem(await t.app.inject({ url: '/v1/sessions', headers: { authorization: `Bearer ${second}` } }), 429, 'SIRA_ERR_QUOTA_RATE_LIMITED');
    expect(body.limit).toBe('tenant_requests');
  });

  it('POST /v1/sessions over quotas.sessions is refused and stores nothing; deleting one makes room', async () => {
    t = await testApp({ quotas: { sessions: 2 } });
    await t.sira.quotas.usage.idle();
    for (const id of ['a', 'b']) expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id } })).statusCode).toBe(201);
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 'c' } });
    expect(expectProblem(res, 429, 'SIRA_ERR_QUOTA_SESSIONS')).toMatchObject({ limit: 'sessions', used: 2, allowed: 2 });
    expect(res.headers['retry-after']).toBeDefined();
    expect((await t.app.inject({ url: '/v1/sessions/c', headers: t.auth })).statusCode).toBe(404);
    // Other tenants have their own count.
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.authB, payload: {} })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/sessions/a', headers: t.auth })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 'c' } })).statusCode).toBe(201);
  });

  it('expired sessions stop counting: at the limit the tally is recounted from the store before refusing', async () => {
    const clock = manualClock();
    t = await testApp({ quotas: { sessions: 1 } }, {}, { clock });
    await t.sira.quotas.usage.idle();
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { ttl_seconds: 10 } })).statusCode).toBe(201);
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} }), 429, 'SIRA_ERR_QUOTA_SESSIONS');
    clock.advance(120_000); // the session expired and the last recount is stale
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} })).statusCode).toBe(201);
  });

  it('a write that would take the tenant over quotas.bytes is refused before its body is read, and stores nothing', async () => {
    t = await testApp({ quotas: { bytes: 4000 } });
    await t.sira.quotas.usage.idle();
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's' } })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions/s/turns', headers: t.auth, payload: turns('a'.repeat(2500)) })).statusCode).toBe(201);
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions/s/turns', headers: t.auth, payload: turns('b'.repeat(2500)) });
    expect(expectProblem(res, 429, 'SIRA_ERR_QUOTA_BYTES')).toMatchObject({ limit: 'bytes', allowed: 4000 });
    expect(json<{ turns: unknown[] }>(await t.app.inject({ url: '/v1/sessions/s/turns', headers: t.auth })).turns).toHaveLength(1);
    // Refused before parsing: a malformed body of that size is still a 429, not a 400.
    const bad = await t.app.inject({ method: 'POST', url: '/v1/sessions/s/turns', headers: { ...t.auth, 'content-type': 'application/json' }, payload: '{'.repeat(3000) });
    expectProblem(bad, 429, 'SIRA_ERR_QUOTA_BYTES');
    // A small write still fits; tensors count by their bytes.
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions/s/turns', headers: t.auth, payload: turns('ok') })).statusCode).toBe(201);
    const tensor = await t.app.inject({
      method: 'PUT',
      url: '/v1/sessions/s/tensors/big',
      headers: { ...t.auth, 'content-type': 'application/octet-stream', 'x-tensor-dtype': 'u8', 'x-tensor-shape': '3000' },
      payload: Buffer.alloc(3000),
    });
    expectProblem(tensor, 429, 'SIRA_ERR_QUOTA_BYTES');
  });

  it('countUsage() measures what the store holds, and deleting a session lowers it', async () => {
    // No embedder: the default one stores embedding chunks (service tensors, counted too) that would blur the sums.
    t = await testApp({ embedder: 'none' });
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's1', metadata: { k: 'v' } } });
    await t.app.inject({ method: 'POST', url: '/v1/sessions/s1/turns', headers: t.auth, payload: turns('x'.repeat(1000)) });
    await t.app.inject({ method: 'PUT', url: '/v1/sessions/s1/state', headers: t.auth, payload: { n: 'y'.repeat(500) } });
    await t.app.inject({ method: 'PUT', url: '/v1/sessions/s1/tensors/v', headers: { ...t.auth, 'content-type': 'application/octet-stream', 'x-tensor-dtype': 'f32', 'x-tensor-shape': '100' }, payload: Buffer.alloc(400) });
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's2' } });
    const all = await countUsage(t.sira.store, 'acme');
    expect(all.sessions).toBe(2);
    expect(all.bytes).toBeGreaterThan(1000 + 500 + 400);
    expect(all.bytes).toBeLessThan(1000 + 500 + 400 + 400);
    await t.app.inject({ method: 'DELETE', url: '/v1/sessions/s1', headers: t.auth });
    expect(await countUsage(t.sira.store, 'acme')).toEqual({ sessions: 1, bytes: 2 }); // s2's `{}` metadata
    expect(await countUsage(t.sira.store, 'beta')).toEqual({ sessions: 0, bytes: 0 });
  });

  it('SSE streams and WebSocket subscriptions over quotas.subscribers get 429 SIRA_ERR_QUOTA_SUBSCRIBERS', async () => {
    t = await testApp({ quotas: { subscribers: 1 }, eventHeartbeatMs: 50 });
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's' } });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const first = await fetch(`${base}/v1/sessions/s/events`, { headers: { ...t.auth, accept: 'text/event-stream' } });
    expect(first.status).toBe(200);
    const second = await fetch(`${base}/v1/sessions/s/events`, { headers: { ...t.auth, accept: 'text/event-stream' } });
    expect(second.status).toBe(429);
    expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(second.headers.get('retry-after')).toBe('5');
    expect(((await second.json()) as { code: string }).code).toBe('SIRA_ERR_QUOTA_SUBSCRIBERS');
    // Another tenant has its own slots.
    const other = await fetch(`${base}/v1/sessions/s/events`, { headers: { ...t.authB, accept: 'text/event-stream' } });
    expect(other.status).toBe(404);
    expect(t.sira.quotas.subscribers('acme')).toBe(1);
    await first.body?.cancel();
    for (let i = 0; i < 200 && t.sira.quotas.subscribers('acme') > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.sira.quotas.subscribers('acme')).toBe(0);

    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/ws`, { headers: t.auth });
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>));
    await new Promise((r) => ws.once('open', r));
    const wait = async (pred: () => boolean) => {
      for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 5));
    };
    ws.send(JSON.stringify({ op: 'subscribe', session_id: 's', req: 1 }));
    await wait(() => messages.some((m) => m.type === 'subscribed'));
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's2' } });
    ws.send(JSON.stringify({ op: 'subscribe', session_id: 's2', req: 2 }));
    await wait(() => messages.some((m) => m.type === 'error'));
    expect(messages.find((m) => m.type === 'error')).toMatchObject({ req: 2, code: 'SIRA_ERR_QUOTA_SUBSCRIBERS', status: 429 });
    ws.send(JSON.stringify({ op: 'unsubscribe', session_id: 's', req: 3 }));
    await wait(() => messages.some((m) => m.type === 'unsubscribed'));
    expect(t.sira.quotas.subscribers('acme')).toBe(0);
    // A connection that goes away gives its slots back.
    ws.send(JSON.stringify({ op: 'subscribe', session_id: 's2', req: 4 }));
    await wait(() => t.sira.quotas.subscribers('acme') === 1);
    expect(t.sira.quotas.subscribers('acme')).toBe(1);
    ws.close();
    await wait(() => t.sira.quotas.subscribers('acme') === 0);
    expect(t.sira.quotas.subscribers('acme')).toBe(0);
  });

  it('per-tenant overrides: tenantPolicies in the config, then the admin route (audited), then removing it', async () => {
    t = await testApp({ adminKey: ADMIN, tenantPolicies: { beta: { quotas: { sessions: 1 } } } });
    const admin = { authorization: `Bearer ${ADMIN}` };
    await t.sira.quotas.usage.idle();
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.authB, payload: {} })).statusCode).toBe(201);
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.authB, payload: {} }), 429, 'SIRA_ERR_QUOTA_SESSIONS');
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} })).statusCode).toBe(201);

    // A tenant key is not the admin key; nor is no key.
    expectProblem(await t.app.inject({ url: '/v1/admin/tenants/beta/policy', headers: t.auth }), 403, 'SIRA_ERR_ADMIN_REQUIRED');
    expectProblem(await t.app.inject({ url: '/v1/admin/tenants/beta/policy' }), 403, 'SIRA_ERR_ADMIN_REQUIRED');
    const put = await t.app.inject({ method: 'PUT', url: '/v1/admin/tenants/beta/policy', headers: admin, payload: { quotas: { sessions: 3 }, redact: 'store' } });
    expect(put.statusCode).toBe(200);
    expect(json(put)).toMatchObject({ tenant: 'beta', override: { quotas: { sessions: 3 } }, effective: { quotas: { sessions: 3 }, redact: 'store' }, usage: { sessions: 1 } });
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.authB, payload: {} })).statusCode).toBe(201);
    expectProblem(await t.app.inject({ method: 'PUT', url: '/v1/admin/tenants/beta/policy', headers: admin, payload: { quotas: { sessions: -1 } } }), 400, 'SIRA_ERR_REQUEST_INVALID');

    expect((await t.app.inject({ method: 'DELETE', url: '/v1/admin/tenants/beta/policy', headers: admin })).statusCode).toBe(204);
    expect(json(await t.app.inject({ url: '/v1/admin/tenants/beta/policy', headers: admin }))).toMatchObject({ override: null, effective: { quotas: { sessions: 1 }, redact: 'off' } });
    const audit = json<{ entries: { action: string; actor: string; tenant: string }[] }>(await t.app.inject({ url: '/v1/admin/audit?tenant=beta', headers: admin }));
    expect(audit.entries.map((e) => e.action)).toEqual(['key.create', 'policy.set', 'policy.delete']);
    expect(audit.entries.slice(1).every((e) => e.actor === 'admin')).toBe(true);
  });

  it('/metrics counts refusals by limit', async () => {
    t = await testApp({ quotas: { sessions: 1 } });
    await t.sira.quotas.usage.idle();
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} });
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} });
    const m = (await t.app.inject({ url: '/metrics' })).body;
    expect(m).toMatch(/sira_quota_rejections_total\{limit="sessions"\} 1\b/);
    expect(m).toMatch(/sira_quota_rejections_total\{limit="bytes"\} 0\b/);
    expect(m).toMatch(/sira_event_subscribers 0\b/);
    expect(m).toMatch(/sira_event_stream_buffered_bytes 0\b/);
  });
});
