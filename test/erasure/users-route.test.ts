/**
 * `DELETE /v1/users/:id` over app.inject on the embedded store: tenant isolation (another tenant's user of the
 * same id is untouched), idempotence, auth, a malformed id, and the user's recall index files leaving the data
 * directory.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';
import { createHashEmbedder } from '../helpers/hash-embedder.ts';

describe('DELETE /v1/users/:id', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ masterKey: 'users route test master key, at least 32 chars' }, {}, { embedder: createHashEmbedder() });
  });
  afterAll(() => t.close());

  const del = (user: string, auth = t.auth) => t.app.inject({ method: 'DELETE', url: `/v1/users/${user}`, headers: auth });
  const session = async (user: string, auth: { authorization: string }) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: { user_id: user } });
    const id = json(r).id as string;
    await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: auth, payload: { turns: [{ role: 'user', content: 'I live in Lyon.' }] } });
    return id;
  };

  it('erases the user of the caller tenant only, and a second call finds nothing', async () => {
    const mine = await session('u1', t.auth);
    const theirs = await session('u1', t.authB);
    await t.sira.profiles!.drain();
    const r = await del('u1');
    expect(r.statusCode).toBe(200);
    expect(json(r)).toEqual({ user_id: 'u1', deleted: { sessions: 1, profile: true, experiences: 0 } });
    expect((await t.app.inject({ method: 'GET', url: `/v1/sessions/${mine}`, headers: t.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/sessions/${theirs}/turns`, headers: t.authB })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/users/u1/profile', headers: t.authB })).statusCode).toBe(200);
    expect(json(await del('u1'))).toEqual({ user_id: 'u1', deleted: { sessions: 0, profile: false, experiences: 0 } });
  });

  it('drops the recall index files of the user from the data directory', async () => {
    const first = await session('u2', t.auth);
    const second = await session('u2', t.auth);
    await t.sira.enrichment!.drain();
    const ctx = await t.app.inject({ method: 'POST', url: `/v1/sessions/${second}/context`, headers: t.auth, payload: { query: 'where do I live?', budget_tokens: 500, cross_session: true } });
    expect(ctx.statusCode).toBe(200);
    await t.sira.vectorIndexes!.flush();
    const dir = join(t.sira.options.dataDir, 'vector-index');
    const before = existsSync(dir) ? readdirSync(dir).length : 0;
    expect(before).toBeGreaterThan(0);
    expect(json(await del('u2'))).toMatchObject({ deleted: { sessions: 2 } });
    expect(readdirSync(dir).length).toBeLessThan(before);
    expect((await t.app.inject({ method: 'GET', url: `/v1/sessions/${first}`, headers: t.auth })).statusCode).toBe(404);
  });

  it('answers 400 SIRA_ERR_USER_ID_INVALID for a malformed id and 401 without a key', async () => {
    expectProblem(await del('bad!id'), 400, 'SIRA_ERR_USER_ID_INVALID');
    expectProblem(await del('u1', {} as { authorization: string }), 401, 'SIRA_ERR_AUTH_MISSING');
  });
});
