/**
 * `POST /v1/sessions/:id/feedback` and strategy `adaptive` over real HTTP (a listening server, fetch): context
 * responses carry an id, feedback updates the tenant's bandit statistics in the store (a `policy` document),
 * bad input is a problem with a stable code and records nothing, and tenants never see each other's responses.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BANDIT_DOC, POLICY_COLLECTION } from '../../src/memory/policy/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let base: string;

beforeEach(async () => {
  t = await testApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await t.close();
});

async function call(method: string, path: string, auth: { authorization: string }, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
}

async function sessionWithTurns(auth: { authorization: string }, id: string) {
  expect((await call('POST', '/v1/sessions', auth, { id })).status).toBe(201);
  const turns = Array.from({ length: 12 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: i === 4 ? 'The Lisbon flight leaves at 9:40 am.' : `chatter number ${i} about nothing much` }));
  expect((await call('POST', `/v1/sessions/${id}/turns`, auth, { turns })).status).toBe(201);
}

function expectProblem(r: { status: number; type: string; body: Record<string, unknown> }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.type).toMatch(/^application\/problem\+json/);
  expect(r.body.code).toBe(code);
}

describe('POST /v1/sessions/:id/feedback', () => {
  it('adaptive context names its arm and reason; feedback updates the stored statistics of that arm', async () => {
    await sessionWithTurns(t.auth, 's1');
    const ctx = await call('POST', '/v1/sessions/s1/context', t.auth, { query: 'When does the Lisbon flight leave?', budget_tokens: 500, strategy: 'adaptive' });
    expect(ctx.status).toBe(200);
    expect(typeof ctx.body.id).toBe('string');
    const policy = ctx.body.policy as { arm: string; context: string; reason: string };
    expect(['balanced', 'lexical', 'semantic', 'recent', 'recency']).toContain(policy.arm);
    expect(policy.context).toBe('short:question');
    expect(policy.reason).toContain(policy.arm);

    const fb = await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: ctx.body.id, thumbs: 'up' });
    expect(fb.status).toBe(200);
    expect(fb.body).toMatchObject({ context_id: ctx.body.id, arm: policy.arm, context: 'short:question', reward: 1, arm_stats: { plays: 1 } });
    const doc = await t.sira.store.getDoc('acme', POLICY_COLLECTION, BANDIT_DOC);
    const stats = JSON.parse(new TextDecoder().decode(doc!.value)) as { stats: Record<string, Record<string, number[]>> };
    expect(stats.stats['short:question']![policy.arm]).toEqual([1, 0, 1]);

    // One rating per response.
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: ctx.body.id, score: 0.2 }), 409, 'SIRA_ERR_POLICY_FEEDBACK_EXISTS');
  });

  it('every context response has an id that takes feedback (fixed strategies count for their arm)', async () => {
    await sessionWithTurns(t.auth, 's1');
    const ctx = await call('POST', '/v1/sessions/s1/context', t.auth, { query: 'flight', budget_tokens: 500, strategy: 'recency' });
    expect(ctx.body.policy).toBeUndefined();
    const fb = await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: ctx.body.id, score: 0.25 });
    expect(fb.body).toMatchObject({ arm: 'recency', reward: 0.25 });
  });

  it('bad input is a problem and records nothing', async () => {
    await sessionWithTurns(t.auth, 's1');
    const ctx = await call('POST', '/v1/sessions/s1/context', t.auth, { query: 'flight', budget_tokens: 500, strategy: 'adaptive' });
    const id = ctx.body.id;
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: id }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: id, thumbs: 'up', success: true }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: id, score: 1.5 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: id, thumbs: 'sideways' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: id, score: 1, extra: 1 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: 'ctx_made_up', score: 1 }), 404, 'SIRA_ERR_POLICY_CONTEXT_NOT_FOUND');
    expectProblem(await call('POST', '/v1/sessions/nope/feedback', t.auth, { context_id: id, score: 1 }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expect(await t.sira.store.getDoc('acme', POLICY_COLLECTION, BANDIT_DOC)).toBeUndefined();
    // After all of that, the response can still be rated once.
    expect((await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: id, success: false })).body).toMatchObject({ reward: 0 });
  });

  it('is in the OpenAPI document, with its body schema and the context id in the context response', async () => {
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }> }>> };
    const op = doc.paths['/v1/sessions/{id}/feedback']?.post;
    expect(op?.requestBody).toBeDefined();
    expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409']));
    const ctx = doc.paths['/v1/sessions/{id}/context']!.post!.responses['200']!.content!['application/json']!.schema!.properties!;
    expect(Object.keys(ctx)).toEqual(expect.arrayContaining(['id', 'policy']));
  });

  it('tenants are isolated: a context id of another tenant or session is unknown, statistics are per tenant', async () => {
    await sessionWithTurns(t.auth, 's1');
    await sessionWithTurns(t.auth, 's2');
    await sessionWithTurns(t.authB, 's1');
    const ctx = await call('POST', '/v1/sessions/s1/context', t.auth, { query: 'flight', budget_tokens: 500, strategy: 'adaptive' });
    expectProblem(await call('POST', '/v1/sessions/s1/feedback', t.authB, { context_id: ctx.body.id, thumbs: 'up' }), 404, 'SIRA_ERR_POLICY_CONTEXT_NOT_FOUND');
    expectProblem(await call('POST', '/v1/sessions/s2/feedback', t.auth, { context_id: ctx.body.id, thumbs: 'up' }), 404, 'SIRA_ERR_POLICY_CONTEXT_NOT_FOUND');
    expect((await call('POST', '/v1/sessions/s1/feedback', t.auth, { context_id: ctx.body.id, thumbs: 'down' })).status).toBe(200);
    expect(await t.sira.store.getDoc('beta', POLICY_COLLECTION, BANDIT_DOC)).toBeUndefined();
    expect(await t.sira.store.getDoc('acme', POLICY_COLLECTION, BANDIT_DOC)).toBeDefined();
  });
});
