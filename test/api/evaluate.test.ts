/**
 * `POST /v1/sessions/:id/evaluate` over a real listening server (fetch, real LMDB): the evaluation of stored
 * turns with the committed quality artifact, the intent from an injected classifier, `last`, tenancy, and bad
 * input answered with problem+json and nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Turn } from '../../src/core/types.ts';
import type { SessionIntentClassifier } from '../../src/memory/evaluate/index.ts';
import { fixedWireTurns } from '../fixtures/quality/conversations.ts';
import { expectProblem, testApp, type TestApp } from '../helpers/app.ts';

interface Evaluation {
  intent: { label: string; confidence: number; out_of_scope: boolean; model: unknown } | null;
  intent_available: boolean;
  quality: Record<'resolution' | 'repetition' | 'frustration' | 'sentiment_trend', { score: number; evidence: number[] }> & { overall: number };
  model: { name: string; version: string } | null;
  fallback: boolean;
  turns: number;
}

/** A classifier that records what it was given (the real one lives in src/models/intent). */
function recordingClassifier(): SessionIntentClassifier & { seen: Turn[][] } {
  const seen: Turn[][] = [];
  return {
    seen,
    model: { name: 'intent-test', version: 'v0' },
    classifySession(turns) {
      seen.push([...turns]);
      const text = turns.map((t) => (t.parts[0]?.type === 'text' ? t.parts[0].text : '')).join(' ');
      const label = /refund/i.test(text) ? 'refund' : 'other';
      return { label, confidence: 0.8, distribution: [{ label, p: 0.8 }], out_of_scope: label === 'other' };
    },
  };
}

describe('POST /v1/sessions/:id/evaluate', () => {
  let t: TestApp;
  let base: string;
  const intent = recordingClassifier();
  const convs = fixedWireTurns();
  const ids: Record<string, string> = {};

  const call = async (path: string, body?: unknown, headers: Record<string, string> = t.auth) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };
  const evaluate = async (id: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await call(`/v1/sessions/${id}/evaluate`, body, headers);
    expect({ status: res.statusCode, body: res.body.slice(0, 200) }).toMatchObject({ status: 200 });
    return JSON.parse(res.body) as Evaluation;
  };

  beforeAll(async () => {
    t = await testApp({}, {}, { intentClassifier: intent });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (const [name, turns] of Object.entries(convs)) {
      const s = await call('/v1/sessions', {});
      ids[name] = (JSON.parse(s.body) as { id: string }).id;
      const res = await call(`/v1/sessions/${ids[name]}/turns`, { turns });
      expect(res.statusCode).toBe(201);
    }
  });
  afterAll(() => t.close());

  it('evaluates the stored turns with the committed artifact: scores in 0..1, evidence seqs within the session', async () => {
    const r = await evaluate(ids.unresolved_repetitive_angry!);
    expect(r).toMatchObject({ fallback: false, model: { name: 'quality', version: 'v1' }, intent_available: true, turns: 7 });
    for (const k of ['resolution', 'repetition', 'frustration', 'sentiment_trend'] as const) {
      expect(r.quality[k].score).toBeGreaterThanOrEqual(0);
      expect(r.quality[k].score).toBeLessThanOrEqual(1);
      for (const seq of r.quality[k].evidence) expect(seq >= 1 && seq <= 7).toBe(true);
    }
    const good = await evaluate(ids.resolved_polite!);
    expect(good.quality.resolution.score).toBeGreaterThan(r.quality.resolution.score);
    expect(r.quality.frustration.score).toBeGreaterThan(good.quality.frustration.score);
    expect(r.quality.repetition.score).toBeGreaterThan(good.quality.repetition.score);
    expect(good.quality.overall).toBeGreaterThan(r.quality.overall);
  });

  it('returns the injected classifier’s intent, computed on the evaluated turns; intent: false skips it', async () => {
    const before = intent.seen.length;
    const r = await evaluate(ids.unresolved_repetitive_angry!, {});
    expect(r.intent).toMatchObject({ label: 'refund', confidence: 0.8, out_of_scope: false, model: { name: 'intent-test', version: 'v0' } });
    expect(intent.seen.length).toBe(before + 1);
    expect(intent.seen.at(-1)!.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const skip = await evaluate(ids.unresolved_repetitive_angry!, { intent: false });
    expect(skip).toMatchObject({ intent: null, intent_available: true });
    expect(intent.seen.length).toBe(before + 1);
  });

  it('last: N evaluates the newest N turns only', async () => {
    const r = await evaluate(ids.unresolved_repetitive_angry!, { last: 3 });
    expect(r.turns).toBe(3);
    expect(intent.seen.at(-1)!.map((x) => x.seq)).toEqual([5, 6, 7]);
    for (const k of ['resolution', 'repetition', 'frustration', 'sentiment_trend'] as const) for (const seq of r.quality[k].evidence) expect(seq).toBeGreaterThanOrEqual(5);
  });

  it('a bare POST (no body) uses the defaults', async () => {
    const r = await evaluate(ids.terse_satisfied!);
    expect(r.turns).toBe(3);
  });

  it('a missing session is 404; another tenant’s session is 404 too; no key is 401', async () => {
    expectProblem(await call('/v1/sessions/nope/evaluate', {}), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await call(`/v1/sessions/${ids.resolved_polite}/evaluate`, {}, t.authB), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await call(`/v1/sessions/${ids.resolved_polite}/evaluate`, {}, {}), 401, 'SIRA_ERR_AUTH_MISSING');
  });

  it('bad input is 400 problem+json and changes nothing', async () => {
    const id = ids.resolved_polite!;
    const countTurns = async () => (await t.sira.tenant('acme').getSession(id)).turn_count;
    const n = await countTurns();
    expectProblem(await call(`/v1/sessions/${id}/evaluate`, { last: 0 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call(`/v1/sessions/${id}/evaluate`, { last: 2.5 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call(`/v1/sessions/${id}/evaluate`, { last: 'ten' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    const big = expectProblem(await call(`/v1/sessions/${id}/evaluate`, { last: t.sira.options.contextMaxTurns + 1 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expect(big.detail).toMatch(/last must be/);
    expectProblem(await call(`/v1/sessions/${id}/evaluate`, { intent: 'yes' }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call(`/v1/sessions/${id}/evaluate`, { nonsense: true }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call(`/v1/sessions/${id}/evaluate`, '{"last":'), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call(`/v1/sessions/${id}/evaluate`, [1, 2]), 400, 'SIRA_ERR_REQUEST_INVALID');
    expect(await countTurns()).toBe(n);
  });

  it('without an injected classifier the built-in CLINC150 model classifies, and a tenant model takes over once trained', async () => {
    const plain = await testApp();
    try {
      const s = await plain.app.inject({ method: 'POST', url: '/v1/sessions', headers: plain.auth });
      const id = (JSON.parse(s.body) as { id: string }).id;
      const turns = [
        { role: 'user', content: 'how much money do I have in my checking account' },
        { role: 'assistant', content: 'Your checking balance is 1,204 dollars.' },
        { role: 'user', content: 'and what is the balance of my savings account' },
      ];
      await plain.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: plain.auth, payload: { turns } });
      const res = await plain.app.inject({ method: 'POST', url: `/v1/sessions/${id}/evaluate`, headers: plain.auth, payload: {} });
      expect(res.statusCode).toBe(200);
      const body = JSON.parse(res.body) as { intent: { label: string; out_of_scope: boolean; model: { name: string } }; intent_available: boolean };
      expect(body).toMatchObject({ intent_available: true, intent: { label: 'balance', out_of_scope: false, model: { name: 'builtin:clinc150' } } });
      // A tenant's own default model is used for its sessions.
      const examples = ['where is my parcel', 'track my package', 'has my order shipped', 'when does my delivery arrive', 'what is my balance', 'how much money do I have', 'show my account balance', 'money left in checking'].map(
        (text, i) => ({ text, label: i < 4 ? 'shipping' : 'funds' }),
      );
      const trained = await plain.app.inject({ method: 'POST', url: '/v1/intents/train', headers: plain.auth, payload: { examples } });
      expect(trained.statusCode).toBeLessThan(300);
      const again = JSON.parse((await plain.app.inject({ method: 'POST', url: `/v1/sessions/${id}/evaluate`, headers: plain.auth, payload: {} })).body) as typeof body;
      expect(again.intent).toMatchObject({ label: 'funds', model: { name: 'default' } });
      const skipped = JSON.parse((await plain.app.inject({ method: 'POST', url: `/v1/sessions/${id}/evaluate`, headers: plain.auth, payload: { intent: false } })).body) as typeof body;
      expect(skipped.intent).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
