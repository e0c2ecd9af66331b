/**
 * `Idempotency-Key` on POST routes, on the embedded LMDB store: a retry replays the first answer and writes nothing,
 * another body is 422, keys expire with the (injected) clock, the answer survives a restart, errors that should
 * be retried (5xx) are not kept, and concurrent duplicates run the handler once.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { sweepIdempotencyKeys } from '../../src/api/idempotency.ts';
import { manualClock } from '../../src/core/clock.ts';
import { SiraSession } from '../../src/sira.ts';
import { expectProblem, json, tempDir, testApp, type TestApp } from '../helpers/app.ts';
import { responsesUpstream } from '../helpers/responses-upstream.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const turnsOf = async (app: TestApp, id: string) => json<{ turns: unknown[] }>(await app.app.inject({ method: 'GET', url: `/v1/sessions/${id}/turns`, headers: app.auth })).turns;

describe('Idempotency-Key', () => {
  it('a retried append returns the first answer (status, body, headers) and stores the turns once', async () => {
    t = await testApp();
    const s = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth }));
    const req = { method: 'POST' as const, url: `/v1/sessions/${s.id}/turns`, headers: { ...t.auth, 'idempotency-key': 'k-append-1' }, payload: { turns: [{ role: 'user', content: 'hello' }] } };
    const first = await t.app.inject(req);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await t.app.inject(req);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.body).toBe(first.body);
    expect(await turnsOf(t, s.id)).toHaveLength(1);
    // Without a key, the same request appends again.
    await t.app.inject({ ...req, headers: t.auth });
    expect(await turnsOf(t, s.id)).toHaveLength(2);
  });

  it('the same key with another body or path is 422 SIRA_ERR_IDEMPOTENCY_KEY_REUSED; keys are per tenant; a bad key is 400', async () => {
    t = await testApp();
    const headers = { ...t.auth, 'idempotency-key': 'k-1' };
    const created = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers, payload: { metadata: { a: 1 } } });
    expect(created.statusCode).toBe(201);
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers, payload: { metadata: { a: 2 } } }), 422, 'SIRA_ERR_IDEMPOTENCY_KEY_REUSED');
    const id = json<{ id: string }>(created).id;
    expectProblem(await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers, payload: { turns: [{ role: 'user', content: 'x' }] } }), 422, 'SIRA_ERR_IDEMPOTENCY_KEY_REUSED');
    expect(await turnsOf(t, id)).toHaveLength(0);
    // Tenant beta's key space is its own.
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...t.authB, 'idempotency-key': 'k-1' }, payload: { metadata: { a: 2 } } })).statusCode).toBe(201);
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...t.auth, 'idempotency-key': 'bad key with spaces' } }), 400, 'SIRA_ERR_IDEMPOTENCY_KEY_INVALID');
  });

  it('PATCH is covered too: a retried state patch answers the first version and ETag, and bumps nothing', async () => {
    t = await testApp();
    const s = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth }));
    const req = { method: 'PATCH' as const, url: `/v1/sessions/${s.id}/state`, headers: { ...t.auth, 'idempotency-key': 'k-patch', 'content-type': 'application/merge-patch+json' }, payload: { step: 1 } };
    const first = await t.app.inject(req);
    expect(first.statusCode).toBe(200);
    const again = await t.app.inject(req);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body).toBe(first.body);
    expect((await t.sira.tenant('acme').getState(s.id)).version).toBe(1);
  });

  it('read-only POSTs (a context build) accept the key and keep nothing', async () => {
    t = await testApp();
    const s = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth }));
    await t.app.inject({ method: 'POST', url: `/v1/sessions/${s.id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: 'hello there' }] } });
    const req = { method: 'POST' as const, url: `/v1/sessions/${s.id}/context`, headers: { ...t.auth, 'idempotency-key': 'k-read' }, payload: { query: 'hello', budget_tokens: 500 } };
    expect((await t.app.inject(req)).statusCode).toBe(200);
    const again = await t.app.inject(req);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect((await t.sira.store.listDocs('acme', 'idempotency')).items).toHaveLength(0);
  });

  it('keys expire after idempotencyTtlSeconds (injected clock); the sweep frees expired records', async () => {
    const clock = manualClock();
    t = await testApp({ idempotencyTtlSeconds: 60 }, {}, { clock });
    const req = { method: 'POST' as const, url: '/v1/sessions', headers: { ...t.auth, 'idempotency-key': 'k-ttl' } };
    const a = json<{ id: string }>(await t.app.inject(req));
    clock.advance(59_000);
    expect(json<{ id: string }>(await t.app.inject(req)).id).toBe(a.id);
    expect(await sweepIdempotencyKeys(t.sira.store, 'acme', clock(), 60_000)).toBe(0);
    clock.advance(1_000);
    const b = json<{ id: string }>(await t.app.inject(req));
    expect(b.id).not.toBe(a.id);
    clock.advance(60_000);
    expect(await sweepIdempotencyKeys(t.sira.store, 'acme', clock(), 60_000)).toBe(1);
    expect((await t.sira.store.listDocs('acme', 'idempotency')).items).toHaveLength(0);
  });

  it('a refusal (4xx) is replayed; a 5xx is not kept, so the retry runs again', async () => {
    t = await testApp();
    const missing = { method: 'POST' as const, url: '/v1/sessions/nope/turns', headers: { ...t.auth, 'idempotency-key': 'k-404' }, payload: { turns: [{ role: 'user', content: 'x' }] } };
    expectProblem(await t.app.inject(missing), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    const replay = await t.app.inject(missing);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expectProblem(replay, 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    // No upstream configured: 503, not kept.
    const resp = { method: 'POST' as const, url: '/v1/responses', headers: { ...t.auth, 'idempotency-key': 'k-503' }, payload: { model: 'gpt-4o', input: 'hi' } };
    expectProblem(await t.app.inject(resp), 503, 'SIRA_ERR_UPSTREAM_NOT_CONFIGURED');
    const retry = await t.app.inject(resp);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect((await t.sira.store.listDocs('acme', 'idempotency')).items).toHaveLength(1);
  });

  it('concurrent duplicates: the handler runs once, the others replay or are told 409 in progress', async () => {
    t = await testApp();
    const s = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth }));
    const req = { method: 'POST' as const, url: `/v1/sessions/${s.id}/turns`, headers: { ...t.auth, 'idempotency-key': 'k-race' }, payload: { turns: [{ role: 'user', content: 'once' }] } };
    const all = await Promise.all(Array.from({ length: 8 }, () => t!.app.inject(req)));
    expect(all.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true);
    expect(all.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    for (const r of all.filter((x) => x.statusCode === 409)) expectProblem(r, 409, 'SIRA_ERR_IDEMPOTENCY_IN_PROGRESS');
    expect(await turnsOf(t, s.id)).toHaveLength(1);
  });

  it('responses: a retried POST /v1/responses is answered from the record, the upstream called once', async () => {
    const up = await responsesUpstream();
    try {
      t = await testApp({ upstreamUrl: up.url });
      const req = { method: 'POST' as const, url: '/v1/responses', headers: { ...t.auth, 'idempotency-key': 'k-resp' }, payload: { model: 'gpt-4o', input: 'hello' } };
      const a = await t.app.inject(req);
      const b = await t.app.inject(req);
      expect(a.statusCode).toBe(200);
      expect(b.body).toBe(a.body);
      expect(up.received).toHaveLength(1);
    } finally {
      await up.close();
    }
  });

  it('responses: a streamed answer is kept too; the retry gets the whole event stream as one body', async () => {
    const up = await responsesUpstream();
    try {
      t = await testApp({ upstreamUrl: up.url });
      const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const post = () =>
        fetch(`${base}/v1/responses`, {
          method: 'POST',
          headers: { ...t!.auth, 'content-type': 'application/json', 'idempotency-key': 'k-stream' },
          body: JSON.stringify({ model: 'gpt-4o', input: 'stream it', stream: true }),
        });
      const first = await post();
      const firstText = await first.text();
      expect(firstText).toContain('event: response.completed');
      const again = await post();
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await again.text()).toBe(firstText);
      expect(up.received).toHaveLength(1);
    } finally {
      await up.close();
    }
  });

  it('the answer survives a restart of the service on the same LMDB directory', async () => {
    const dir = await tempDir();
    try {
      const open = async () => {
        const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', bootstrapKey: 'restart-key-12345' });
        return { sira, app: await buildApp({ sira }) };
      };
      const headers = { authorization: 'Bearer restart-key-12345', 'idempotency-key': 'k-restart' };
      let svc = await open();
      const first = await svc.app.inject({ method: 'POST', url: '/v1/experiences', headers, payload: { task: 'book a flight', agent_id: 'a1', steps: [{ action: 'search flights', tool: 'search', ok: true }], outcome: 'success', reward: 1 } });
      expect(first.statusCode).toBe(201);
      await svc.app.close();
      await svc.sira.close();
      svc = await open();
      const again = await svc.app.inject({ method: 'POST', url: '/v1/experiences', headers, payload: { task: 'book a flight', agent_id: 'a1', steps: [{ action: 'search flights', tool: 'search', ok: true }], outcome: 'success', reward: 1 } });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      const found = json<{ experiences: unknown[] }>(await svc.app.inject({ method: 'POST', url: '/v1/experiences/search', headers: { authorization: headers.authorization }, payload: { task: 'book a flight', k: 10 } }));
      expect(found.experiences).toHaveLength(1);
      await svc.app.close();
      await svc.sira.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
