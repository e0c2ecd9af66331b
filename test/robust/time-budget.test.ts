/**
 * The context time budget through HTTP (issue 11): a session of huge unbroken turns is refused with 503
 * SIRA_ERR_CONTEXT_TIME_EXCEEDED and Retry-After while its first analysis is under way, each refusal keeps its work,
 * and retrying ends in an answer within the budget; a clock injected into WorkBudget drives the unit cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';
import { isSiraError } from '../../src/core/errors.ts';
import { budgetedTokenizer, ENGINE_MAX_MS, WorkBudget } from '../../src/memory/context/prepare.ts';
import { loadTokenizer } from '../../src/models/tokens.ts';

describe('WorkBudget', () => {
  it('check(phase) throws SIRA_ERR_CONTEXT_TIME_EXCEEDED once the clock passes the budget, with retry details', () => {
    let now = 0;
    const b = new WorkBudget(50, () => now);
    now = 50;
    expect(() => b.check('x')).not.toThrow();
    now = 51;
    let err: unknown;
    try {
      b.check('tokens');
    } catch (e) {
      err = e;
    }
    expect(isSiraError(err, 'SIRA_ERR_CONTEXT_TIME_EXCEEDED')).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ budget_ms: 50, phase: 'tokens', retry_after_seconds: 1 });
  });

  it('time spent while yielding (other requests) is not counted: pace() closes the slice before it yields', async () => {
    let now = 0;
    const b = new WorkBudget(30, () => now);
    now = 20; // a 20 ms slice of our own work
    // While pace() yields (the slice is ≥ 10 ms), others run for 980 ms: queued before pace's own setImmediate.
    setImmediate(() => (now = 1000));
    await b.pace('a');
    now = 1005; // 5 ms more of ours
    await b.pace('b');
    // 25 ms of ours, though 1,005 ms passed on the clock since the start.
    expect(Math.round(b.spentMs)).toBe(25);
  });

  it('budgetedTokenizer(tok, budget).count stops a pass over ENGINE_MAX_MS between its pieces, whatever the budget', async () => {
    const tok = await loadTokenizer('o200k_base');
    let now = 0;
    const b = new WorkBudget(100, () => now);
    const counted = budgetedTokenizer(tok, b);
    now = 500; // over the request's budget: the warm pass still runs
    expect(counted.count('hello world')).toBe(tok.count('hello world'));
    now = 500 + ENGINE_MAX_MS + 1;
    expect(() => counted.count('x y '.repeat(5000))).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CONTEXT_TIME_EXCEEDED' }));
  });
});

describe('POST /v1/sessions/:id/context under a small time budget', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ contextTimeBudgetMs: 15 });
  });
  afterAll(() => t.close());

  it('huge unbroken turns: 503 with Retry-After and a stable code while the work is under way, then 200 within the budget', async () => {
    const id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} })).id;
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const random = (n: number, base: number, span: number) => {
      let s = '';
      while (s.length < n) s += String.fromCharCode(...Uint16Array.from({ length: Math.min(n - s.length, 30_000) }, () => base + Math.floor(rnd() * span)));
      return s;
    };
    const turns = [random(200_000, 97, 26), random(200_000, 0x4e00, 20_000), 'b'.repeat(300_000)].map((content) => ({ role: 'user', content }));
    expect((await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns } })).statusCode).toBe(201);
    const statuses: number[] = [];
    let answer: { usage: { used: number; budget: number }; selected: unknown[] } | undefined;
    // Each refusal keeps what it computed; the work is finite, so this ends (the bound only guards a regression).
    for (let i = 0; i < 500 && answer === undefined; i++) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/context`, headers: t.auth, payload: { query: 'what did I say', model: 'gpt-4o' } });
      statuses.push(res.statusCode);
      if (res.statusCode === 200) answer = json(res);
      else {
        expectProblem(res, 503, 'SIRA_ERR_CONTEXT_TIME_EXCEEDED');
        expect(res.headers['retry-after']).toBe('1');
      }
    }
    expect(statuses).toContain(503);
    expect(answer).toBeDefined();
    expect(answer!.usage.used).toBeLessThanOrEqual(answer!.usage.budget);
    // Warm: the same request answers at once.
    expect((await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/context`, headers: t.auth, payload: { query: 'what did I say', model: 'gpt-4o' } })).statusCode).toBe(200);
  }, 120_000);
});
