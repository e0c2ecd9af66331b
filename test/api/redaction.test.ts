/**
 * PII redaction per tenant over real HTTP on a real LMDB store: `store` redacts turns before they are written
 * (the raw values are in no response and no stored turn), `context` keeps the turns and redacts the context
 * window; both report counts by kind, never the values.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { json, testApp, type TestApp } from '../helpers/app.ts';

const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
const KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz012345';
const TEXT = `Hi, I am Jane (${EMAIL}); charge my card ${CARD}. My key is ${KEY}. The order total was $1,234.56 on 2026-01-15.`;

describe('PII redaction', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  const setup = async (redact: 'store' | 'context') => {
    t = await testApp({ tenantPolicies: { acme: { redact } } });
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's' } })).statusCode).toBe(201);
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions/s/turns', headers: t.auth, payload: { turns: [{ role: 'user', content: TEXT }, { role: 'assistant', content: 'Noted.' }] } });
    expect(res.statusCode).toBe(201);
    return res;
  };
  const context = async (auth = t.auth) =>
    t.app.inject({ method: 'POST', url: '/v1/sessions/s/context', headers: auth, payload: { budget_tokens: 2000, messages: [{ role: 'user', content: `mail ${EMAIL} again` }] } });

  it("redact 'store': the stored turns hold placeholders; the context explanation counts them", async () => {
    const append = await setup('store');
    for (const body of [append.body, (await t.app.inject({ url: '/v1/sessions/s/turns', headers: t.auth })).body]) {
      for (const secret of [EMAIL, CARD, KEY]) expect(body).not.toContain(secret);
      expect(body).toContain('[EMAIL]');
      expect(body).toContain('$1,234.56 on 2026-01-15'); // ordinary numbers stay
    }
    const stored = await t.sira.store.getTurns('acme', 's');
    expect(JSON.stringify(stored)).not.toContain(EMAIL);
    const ctx = await context();
    expect(ctx.statusCode).toBe(200);
    expect(json(ctx).redaction).toEqual({ mode: 'store', counts: { EMAIL: 1, CARD: 1, API_KEY: 1 } });
    // Workspace turns go through the same redaction.
    expect((await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } })).statusCode).toBe(201);
    const shared = await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/turns', headers: t.auth, payload: { turns: [{ role: 'user', content: TEXT }] } });
    expect(shared.statusCode).toBe(201);
    expect(shared.body).not.toContain(EMAIL);
    expect(shared.body).toContain('[CARD]');
  });

  it("redact 'context': turns are stored as sent; the window and the echo of the client's messages are redacted", async () => {
    await setup('context');
    expect((await t.app.inject({ url: '/v1/sessions/s/turns', headers: t.auth })).body).toContain(EMAIL);
    const ctx = await context();
    expect(ctx.statusCode).toBe(200);
    for (const secret of [EMAIL, CARD, KEY]) expect(ctx.body).not.toContain(secret);
    const body = json<{ messages: { content: string }[]; redaction: unknown }>(ctx);
    expect(body.messages.map((m) => m.content).join('\n')).toContain('[CARD]');
    expect(body.redaction).toEqual({ mode: 'context', counts: { EMAIL: 2, CARD: 1, API_KEY: 1 } });
  });

  it('a tenant without redaction gets no redaction field and its text unchanged', async () => {
    await setup('context');
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.authB, payload: { id: 's' } });
    await t.app.inject({ method: 'POST', url: '/v1/sessions/s/turns', headers: t.authB, payload: { turns: [{ role: 'user', content: TEXT }] } });
    const ctx = await context(t.authB);
    expect(ctx.body).toContain(EMAIL);
    expect(json(ctx).redaction).toBeUndefined();
  });
});
