/**
 * `/v1/intents/*` over a real listening server: tenant training, listing, classification with tenant and built-in
 * models, tenant isolation, and bad input answered with problem+json and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestSira, testApp, type TestApp } from '../helpers/app.ts';

const TEMPLATES: Record<string, string[]> = {
  refund: ['i want my money back for order {n}', 'please refund order {n}', 'how do i get a refund', 'return the item and refund me', 'refund status for {n}'],
  shipping: ['where is my package {n}', 'track order {n}', 'when will my parcel arrive', 'has order {n} shipped yet', 'delivery is late for {n}'],
  password: ['i forgot my password', 'reset my password please', 'cannot log in to my account', 'change the password on my account', 'locked out after too many tries'],
};
const examples = (per: number) =>
  Object.entries(TEMPLATES).flatMap(([label, ts]) => Array.from({ length: per }, (_, i) => ({ label, text: (ts[i % ts.length] as string).replace('{n}', String(1000 + i * 7)) })));

describe('/v1/intents', () => {
  let t: TestApp;
  let base: string;
  const call = async (method: string, path: string, auth: { authorization: string }, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };
  const problem = (r: { status: number; type: string; body: Record<string, unknown> | undefined }, status: number, code: string) => {
    expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
    expect(r.type).toMatch(/^application\/problem\+json/);
  };

  beforeAll(async () => {
    t = await testApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('POST /v1/intents/train trains and stores a tenant model (201) that classifies its intents', async () => {
    const r = await call('POST', '/v1/intents/train', t.auth, { name: 'support', examples: examples(10) });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'support', version: 1, labels: ['password', 'refund', 'shipping'], examples: 30 });
    expect(r.body?.train_accuracy).toBeGreaterThan(0.9);
    const c = await call('POST', '/v1/intents/classify', t.auth, { text: 'where is my parcel 4242', model: 'support' });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ label: 'shipping', out_of_scope: false, fallback: false, model: 'support', builtin: false });
    const dist = c.body?.distribution as { label: string; p: number }[];
    expect(dist.length).toBe(3);
    expect(dist.reduce((s, d) => s + d.p, 0)).toBeCloseTo(1, 6);
  });

  it('retraining a model of the same name bumps its version; GET /v1/intents/models lists it with the built-ins', async () => {
    await call('POST', '/v1/intents/train', t.auth, { name: 'v', examples: examples(5) });
    const r = await call('POST', '/v1/intents/train', t.auth, { name: 'v', examples: examples(6), threshold: 0.5 });
    expect(r.body).toMatchObject({ name: 'v', version: 2, examples: 18, threshold: 0.5 });
    const list = await call('GET', '/v1/intents/models', t.auth);
    expect(list.status).toBe(200);
    const models = list.body?.models as { name: string; version: number }[];
    expect(models.map((m) => [m.name, m.version])).toEqual(expect.arrayContaining([['support', 1], ['v', 2]]));
    const builtin = list.body?.builtin as { name: string }[];
    expect(builtin.map((b) => b.name)).toEqual(['clinc150', 'banking77']);
  });

  it('a tenant model is invisible to another tenant (list, classify and delete)', async () => {
    const list = await call('GET', '/v1/intents/models', t.authB);
    expect(list.body?.models).toEqual([]);
    problem(await call('POST', '/v1/intents/classify', t.authB, { text: 'reset my password', model: 'support' }), 404, 'SIRA_ERR_INTENT_MODEL_NOT_FOUND');
    problem(await call('DELETE', '/v1/intents/models/support', t.authB), 404, 'SIRA_ERR_INTENT_MODEL_NOT_FOUND');
    // Still there for its owner.
    expect((await call('POST', '/v1/intents/classify', t.auth, { text: 'reset my password', model: 'support' })).body).toMatchObject({ label: 'password' });
  });

  it('POST /v1/intents/classify without a model uses the tenant default model, else the built-in clinc150', async () => {
    const before = await call('POST', '/v1/intents/classify', t.authB, { text: 'what is the weather like in paris today' });
    expect(before.status).toBe(200);
    const b = before.body as { model: string | null; builtin: boolean; fallback: boolean; label: string };
    expect(b.builtin).toBe(true);
    // Built-in: either the committed clinc150 artifact answered, or (no artifact) the explicit fallback.
    if (b.fallback) expect(b).toMatchObject({ model: null, label: 'unknown' });
    else expect(b).toMatchObject({ model: 'clinc150', label: 'weather' });
    await call('POST', '/v1/intents/train', t.authB, { examples: examples(5) });
    expect((await call('POST', '/v1/intents/classify', t.authB, { text: 'track order 77' })).body).toMatchObject({ model: 'default', builtin: false, label: 'shipping' });
  });

  it('bad training input is a 400 problem with a stable code and stores nothing', async () => {
    const few = examples(5).concat([{ label: 'lonely', text: 'just one example' }]);
    const r = await call('POST', '/v1/intents/train', t.auth, { name: 'bad', examples: few });
    problem(r, 400, 'SIRA_ERR_INTENT_EXAMPLES_INVALID');
    expect(r.body?.labels).toEqual([{ label: 'lonely', count: 1 }]);
    problem(await call('POST', '/v1/intents/train', t.auth, { name: 'bad', examples: examples(4).filter((e) => e.label === 'refund') }), 400, 'SIRA_ERR_INTENT_EXAMPLES_INVALID');
    problem(await call('POST', '/v1/intents/train', t.auth, { name: 'bad name!', examples: examples(4) }), 400, 'SIRA_ERR_REQUEST_INVALID');
    problem(await call('POST', '/v1/intents/train', t.auth, { name: 'bad', examples: [{ text: 'x' }] }), 400, 'SIRA_ERR_REQUEST_INVALID');
    problem(await call('POST', '/v1/intents/train', t.auth, { name: 'bad', examples: 'nope' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    problem(await call('POST', '/v1/intents/classify', t.auth, { text: 42 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    problem(await call('POST', '/v1/intents/classify', t.auth, { text: 'hi', model: 'nope' }), 404, 'SIRA_ERR_INTENT_MODEL_NOT_FOUND');
    const names = ((await call('GET', '/v1/intents/models', t.auth)).body?.models as { name: string }[]).map((m) => m.name);
    expect(names).not.toContain('bad');
  });

  it('DELETE /v1/intents/models/:name removes the model (204), then 404', async () => {
    await call('POST', '/v1/intents/train', t.auth, { name: 'gone', examples: examples(3) });
    expect((await call('DELETE', '/v1/intents/models/gone', t.auth)).status).toBe(204);
    problem(await call('DELETE', '/v1/intents/models/gone', t.auth), 404, 'SIRA_ERR_INTENT_MODEL_NOT_FOUND');
    problem(await call('POST', '/v1/intents/classify', t.auth, { text: 'hi', model: 'gone' }), 404, 'SIRA_ERR_INTENT_MODEL_NOT_FOUND');
  });

  it('/v1/intents needs an API key', async () => {
    problem(await call('GET', '/v1/intents/models', { authorization: 'Bearer nope' }), 401, 'SIRA_ERR_AUTH_INVALID');
  });
});

describe('tenant intent models across services in one process', () => {
  it('two services over different stores keep their own model of the same tenant and name', async () => {
    const a = await openTestSira();
    const b = await openTestSira();
    try {
      const pick = (labels: string[]) => examples(4).filter((e) => labels.includes(e.label));
      await a.sira.tenant('acme').trainIntentModel({ name: 'm', examples: pick(['refund', 'shipping']) });
      await b.sira.tenant('acme').trainIntentModel({ name: 'm', examples: pick(['password', 'shipping']) });
      expect((await a.sira.tenant('acme').classifyIntent('reset my password please', 'm')).distribution.map((d) => d.label).sort()).toEqual(['refund', 'shipping']);
      expect((await b.sira.tenant('acme').classifyIntent('reset my password please', 'm')).label).toBe('password');
      // Deleted and retrained under the same name (version 1 again): the new model answers, not a cached one.
      await a.sira.tenant('acme').deleteIntentModel('m');
      await a.sira.tenant('acme').trainIntentModel({ name: 'm', examples: pick(['password', 'refund']) });
      expect((await a.sira.tenant('acme').classifyIntent('reset my password please', 'm')).label).toBe('password');
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });
});
