import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

type Ctx = {
  messages: { role: string; content: unknown; tool_calls?: { id: string }[] }[];
  selected: { seq: number; metadata: unknown; reason: string; score: number; components: Record<string, number>; tokens: number }[];
  dropped?: { seq: number; reason: string }[];
  summary?: { content: string; tokens: number; seqs: number[] };
  usage: { budget: number; used: number; by_part: Record<string, number>; encoding: string; model: string | null };
};

describe('POST /v1/sessions/:id/context', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await testApp();
    id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
    const turns: unknown[] = [{ role: 'system', content: 'You are a concise travel assistant.' }];
    for (let i = 0; i < 60; i++) {
      turns.push({ role: i % 2 ? 'assistant' : 'user', content: `Chat ${i}: the weather, a recipe, a film — nothing we need later.`, metadata: { i } });
    }
    turns.push({ role: 'user', content: 'Our flight to Lisbon departs at 7:40 on March 3.', metadata: { msg_id: 'fact-1', tags: ['trip'], nested: { n: null } } });
    for (let i = 60; i < 120; i++) turns.push({ role: i % 2 ? 'assistant' : 'user', content: `Chat ${i}: more small talk about pasta and football.`, metadata: { i } });
    turns.push({ role: 'assistant', content: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] });
    const res = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns } });
    expect(res.statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const post = (payload: unknown, sid = id, headers = t.auth) => t.app.inject({ method: 'POST', url: `/v1/sessions/${sid}/context`, headers, payload: payload as object });

  it('returns the relevant turn with its seq and metadata unchanged, in chronological order, within budget', async () => {
    const res = await post({ query: 'when does the Lisbon plane leave?', budget_tokens: 600, explain: true });
    expect(res.statusCode).toBe(200);
    const body = json<Ctx>(res);
    const fact = body.selected.find((s) => s.seq === 62);
    expect(fact).toMatchObject({ reason: 'score', metadata: { msg_id: 'fact-1', tags: ['trip'], nested: { n: null } } });
    expect(body.selected[0]).toMatchObject({ seq: 1, reason: 'system', metadata: null });
    const seqs = body.selected.map((s) => s.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(body.usage.used).toBeLessThanOrEqual(600);
    expect(body.usage).toMatchObject({ budget: 600, encoding: 'o200k_base', model: null });
    expect(body.dropped!.length + body.selected.length).toBe(123);
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You are a concise travel assistant.' });
  });

  it('appends the client messages (a tool result answering the last stored call) and keeps that call', async () => {
    const messages = [{ role: 'tool', tool_call_id: 'call_1', content: '{"temp_c":21}' }];
    const body = json<Ctx>(await post({ messages, query: 'lisbon weather', model: 'gpt-4o-mini', budget_tokens: 400 }));
    expect(body.messages.at(-1)).toEqual(messages[0]);
    expect(body.messages.at(-2)?.tool_calls?.[0]?.id).toBe('call_1');
    expect(body.usage).toMatchObject({ budget: 400, model: 'gpt-4o', encoding: 'o200k_base' });
    expect(body.usage.by_part.messages).toBeGreaterThan(0);
  });

  it('recency strategy returns the newest turns only', async () => {
    const body = json<Ctx>(await post({ query: 'lisbon flight', budget_tokens: 300, strategy: 'recency' }));
    expect(body.selected.map((s) => s.seq)).not.toContain(62);
    expect(body.selected.at(-1)?.seq).toBe(123);
  });

  it('answers bad budgets, models and strategies with problem+json', async () => {
    expectProblem(await post({ budget_tokens: 0 }), 400, 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    expectProblem(await post({ budget_tokens: 12.5 }), 400, 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    expectProblem(await post({}), 400, 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    expectProblem(await post({ budget_tokens: 'lots' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await post({ model: 'text-curie-9' }), 400, 'SIRA_ERR_CONTEXT_MODEL_UNKNOWN');
    expectProblem(await post({ budget_tokens: 100, strategy: 'psychic' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    const small = expectProblem(await post({ budget_tokens: 10, messages: [{ role: 'user', content: 'a long question '.repeat(10) }] }), 400, 'SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL');
    expect(small).toMatchObject({ budget_tokens: 10 });
    expect(small.required_tokens).toBeGreaterThan(10);
    const bad = expectProblem(await post({ budget_tokens: 100, messages: [{ role: 'tool', content: 'x' }] }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expect(bad.detail).toMatch(/messages\[0\]/);
  });

  it('a missing session, or another tenant’s, is 404; no key is 401', async () => {
    expectProblem(await post({ budget_tokens: 100 }, 'nope'), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await post({ budget_tokens: 100 }, id, t.authB), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/context`, payload: { budget_tokens: 100 } }), 401, 'SIRA_ERR_AUTH_MISSING');
  });

  it('is in the OpenAPI document', async () => {
    const doc = json<{ paths: Record<string, Record<string, unknown>> }>(await t.app.inject({ url: '/docs/json' }));
    expect(doc.paths['/v1/sessions/{id}/context']?.post).toBeDefined();
  });
});

describe('contextMaxTurns', () => {
  it('a context request considers only the newest contextMaxTurns turns', async () => {
    const t = await testApp({ contextMaxTurns: 10 });
    try {
      const id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
      const turns = Array.from({ length: 25 }, (_, i) => ({ role: 'user', content: `turn ${i + 1}` }));
      await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns } });
      const body = json<Ctx & { usage: { candidates: number } }>(
        await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/context`, headers: t.auth, payload: { budget_tokens: 5000 } }),
      );
      expect(body.usage.candidates).toBe(10);
      expect(body.selected.map((s) => s.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    } finally {
      await t.close();
    }
  });
});
