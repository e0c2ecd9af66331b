import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { siraError } from '../../src/core/errors.ts';
import { SiraSession } from '../../src/sira.ts';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';
import { MemoryStore } from '../helpers/memory-store.ts';

describe('problem+json for framework errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('an unknown route is 404 SIRA_ERR_ROUTE_NOT_FOUND (with or without a key)', async () => {
    const body = expectProblem(await t.app.inject({ url: '/nope?x=1' }), 404, 'SIRA_ERR_ROUTE_NOT_FOUND');
    expect(body).toMatchObject({ instance: '/nope?x=1', detail: 'No route GET /nope' });
    expectProblem(await t.app.inject({ method: 'PUT', url: '/v1/sessions', headers: t.auth }), 404, 'SIRA_ERR_ROUTE_NOT_FOUND');
  });

  it('malformed JSON is 400 SIRA_ERR_REQUEST_INVALID; an empty JSON body is 400 too', async () => {
    const post = (payload: string) =>
      t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...t.auth, 'content-type': 'application/json' }, payload });
    expectProblem(await post('{"id": '), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await post(''), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await post('{"__proto__": {"x": 1}}'), 400, 'SIRA_ERR_REQUEST_INVALID');
    expect(json<{ sessions: unknown[] }>(await t.app.inject({ url: '/v1/sessions', headers: t.auth })).sessions).toEqual([]);
  });

  it('an unsupported content type is 415 SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA', async () => {
    for (const ct of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...t.auth, 'content-type': ct }, payload: 'id=x' });
      expectProblem(res, 415, 'SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA');
    }
  });

  it('a validation error names the failing path', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { ttl_seconds: 'soon' } });
    expect(expectProblem(res, 400, 'SIRA_ERR_REQUEST_INVALID').detail).toMatch(/^body\/ttl_seconds /);
  });
});

describe('unexpected and system errors', () => {
  it('an unexpected error is 500 SIRA_ERR_INTERNAL without its message; system SiraErrors keep their status', async () => {
    class FailingStore extends MemoryStore {
      override async getSession(): Promise<never> {
        throw new Error('secret driver detail at /var/lib/x');
      }
      override async getState(): Promise<never> {
        throw siraError('SIRA_ERR_STORE_FAILED', 'the store failed');
      }
    }
    const sira = await SiraSession.open({ sweepIntervalMs: 0 }, { store: new FailingStore() });
    const app = await buildApp({ sira });
    try {
      const { key } = await sira.createApiKey('acme');
      const auth = { authorization: `Bearer ${key}` };
      const res = await app.inject({ url: '/v1/sessions/x', headers: auth });
      const body = expectProblem(res, 500, 'SIRA_ERR_INTERNAL');
      expect(res.body).not.toMatch(/secret|var\/lib/);
      expect(body.title).toBe('Internal error');
      expectProblem(await app.inject({ url: '/v1/sessions/x/state', headers: auth }), 503, 'SIRA_ERR_STORE_FAILED');
    } finally {
      await app.close();
      await sira.close();
    }
  });

  it('/readyz is 200 while the store serves and 503 once it is closed; requests then get 503 SIRA_ERR_STORE_CLOSED', async () => {
    const t = await testApp();
    try {
      expect(json(await t.app.inject({ url: '/readyz' }))).toEqual({ status: 'ready' });
      expect(json(await t.app.inject({ url: '/healthz' }))).toEqual({ status: 'ok' });
      await t.sira.store.close();
      const res = await t.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(json(res)).toEqual({ status: 'unavailable' });
      const { key } = t;
      // The key is cached, so the request reaches the closed store.
      expectProblem(await t.app.inject({ url: '/v1/sessions', headers: { authorization: `Bearer ${key}` } }), 503, 'SIRA_ERR_STORE_CLOSED');
    } finally {
      await t.close();
    }
  });
});

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it('GET /docs/json is an OpenAPI 3.1 document with every route, bearer security and problem responses', async () => {
    const res = await t.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = json<{
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown; requestBody?: { content: Record<string, unknown> } }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Sira Session' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const expected: Record<string, string[]> = {
      '/v1/sessions': ['post', 'get'],
      '/v1/sessions/{id}': ['get', 'patch', 'delete'],
      '/v1/sessions/{id}/turns': ['post', 'get'],
      '/v1/sessions/{id}/state': ['get', 'put', 'patch'],
      '/v1/sessions/{id}/tensors': ['get'],
      '/v1/sessions/{id}/tensors/{name}': ['put', 'get', 'delete'],
      '/healthz': ['get'],
      '/readyz': ['get'],
      '/metrics': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      for (const m of methods) {
        const op = doc.paths[path]?.[m];
        expect(op, `${m} ${path}`).toBeDefined();
        if (path.startsWith('/v1/')) {
          expect(op?.security, `${m} ${path}`).toEqual([{ bearer: [] }]);
          expect(Object.keys(op?.responses ?? {}), `${m} ${path}`).toEqual(expect.arrayContaining(['400', '401', '404']));
        }
      }
    }
    const turnsOp = doc.paths['/v1/sessions/{id}/turns']?.post;
    expect(JSON.stringify(turnsOp?.requestBody)).toContain('tool_result');
    const tensorPut = doc.paths['/v1/sessions/{id}/tensors/{name}']?.put;
    expect(Object.keys(tensorPut?.requestBody?.content ?? {}).sort()).toEqual(['application/octet-stream', 'application/safetensors']);
  });

  it('GET /docs serves the Swagger UI', async () => {
    const res = await t.app.inject({ url: '/docs' });
    expect([200, 302]).toContain(res.statusCode);
    const page = res.statusCode === 302 ? await t.app.inject({ url: `/docs/${String(res.headers.location).replace(/^.*\//, '')}` }) : res;
    expect(page.body).toMatch(/swagger/i);
  });
});

describe('/metrics', () => {
  it('exposes the request histogram by route template, problems by code and store gauges; apps do not share a registry', async () => {
    const t1 = await testApp();
    const t2 = await testApp();
    try {
      const s = json<{ id: string }>(await t1.app.inject({ method: 'POST', url: '/v1/sessions', headers: t1.auth }));
      await t1.app.inject({ method: 'POST', url: `/v1/sessions/${s.id}/turns`, headers: t1.auth, payload: { turns: [{ role: 'user', content: 'hello there' }] } });
      await t1.app.inject({ url: '/v1/sessions/ghost', headers: t1.auth });
      const res = await t1.app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const text = res.body;
      expect(text).toContain('# TYPE sira_http_request_duration_seconds histogram');
      expect(text).toMatch(/sira_http_request_duration_seconds_count\{method="POST",route="\/v1\/sessions\/:id\/turns",status_code="201"\} 1/);
      expect(text).toMatch(/sira_http_errors_total\{code="SIRA_ERR_SESSION_NOT_FOUND"\} 1/);
      expect(text).toMatch(/^sira_store_sessions 1$/m);
      expect(text).toMatch(/^sira_store_turns 1$/m);
      expect(text).toMatch(/^sira_store_text_compression_ratio /m);
      expect(text).toContain('process_cpu_user_seconds_total');
      const other = (await t2.app.inject({ url: '/metrics' })).body;
      expect(other).not.toContain('route="/v1/sessions/:id/turns"');
    } finally {
      await t1.close();
      await t2.close();
    }
  });

  it('with metricsAuth, /metrics needs a key', async () => {
    const t = await testApp({}, { metricsAuth: true });
    try {
      expectProblem(await t.app.inject({ url: '/metrics' }), 401, 'SIRA_ERR_AUTH_MISSING');
      expect((await t.app.inject({ url: '/metrics', headers: t.auth })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
