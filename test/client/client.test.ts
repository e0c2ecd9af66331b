/**
 * `sira-session/client` against the real service over HTTP: sessions and turns, paging, versioned state, tensors as
 * typed arrays, context, problems as SiraApiError, retries that reuse one Idempotency-Key, and events as an async
 * iterator that resumes after a dropped connection with nothing missed or repeated.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiraApiError, SiraClient, type SessionEvent } from '../../src/client/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let base: string;
let sira: SiraClient;

beforeEach(async () => {
  t = await testApp({ eventPollIntervalMs: 20 });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  sira = new SiraClient({ baseUrl: base, apiKey: t.key, retryBaseMs: 1 });
});
afterEach(async () => {
  await t.close();
});

describe('SiraClient', () => {
  it('creates a session, appends turns and reads them back (last N, and every page)', async () => {
    const s = await sira.createSession({ user_id: 'u-1', metadata: { app: 'test' } });
    expect(s.metadata).toEqual({ app: 'test' });
    const stored = await sira.appendTurns(s.id, [
      { role: 'user', content: 'hello', metadata: { r: 1 } },
      { role: 'assistant', content: [{ type: 'text', text: 'hi there' }] },
    ]);
    expect(stored.turns.map((x) => x.seq)).toEqual([1, 2]);
    for (let i = 0; i < 7; i++) await sira.appendTurns(s.id, [{ role: 'user', content: `turn ${i}` }]);
    expect((await sira.getTurns(s.id, { last: 2 })).turns.map((x) => x.seq)).toEqual([8, 9]);
    const all = [];
    for await (const turn of sira.allTurns(s.id, 0, 4)) all.push(turn.seq);
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await sira.getSession(s.id)).turn_count).toBe(9);
  });

  it('answers problems as SiraApiError with the stable code', async () => {
    const err = await sira.getSession('missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SiraApiError);
    expect(err).toMatchObject({ status: 404, code: 'SIRA_ERR_SESSION_NOT_FOUND' });
    const bad = new SiraClient({ baseUrl: base, apiKey: 'wrong' });
    await expect(bad.listSessions()).rejects.toMatchObject({ status: 401 });
  });

  it('state: put and merge-patch with a version; a stale version is SIRA_ERR_STATE_VERSION_CONFLICT', async () => {
    const s = await sira.createSession();
    const v1 = await sira.putState(s.id, { plan: ['a'] });
    expect(v1.version).toBe(1);
    const v2 = await sira.patchState(s.id, { step: 2 }, 1);
    expect(v2).toMatchObject({ version: 2, state: { plan: ['a'], step: 2 } });
    await expect(sira.putState(s.id, { plan: [] }, 1)).rejects.toMatchObject({ status: 409, code: 'SIRA_ERR_STATE_VERSION_CONFLICT' });
    expect((await sira.getState(s.id)).state).toEqual({ plan: ['a'], step: 2 });
  });

  it('tensors go out and come back as typed arrays (f32, i64, f16 bits)', async () => {
    const s = await sira.createSession();
    const f32 = Float32Array.from([0.5, -1, 2.25, 3, 4, 5]);
    expect(await sira.putTensor(s.id, 'emb', { data: f32, shape: [2, 3] })).toMatchObject({ dtype: 'f32', shape: [2, 3], byte_length: 24 });
    const back = await sira.getTensor(s.id, 'emb');
    expect(back).toMatchObject({ dtype: 'f32', shape: [2, 3] });
    expect(Array.from(back.array as Float32Array)).toEqual(Array.from(f32));
    const i64 = BigInt64Array.from([1n, -2n, 2n ** 40n]);
    await sira.putTensor(s.id, 'ids', { data: i64, shape: [3] });
    expect(Array.from((await sira.getTensor(s.id, 'ids')).array as BigInt64Array)).toEqual([1n, -2n, 2n ** 40n]);
    const bits = Uint16Array.from([0x3c00, 0xc000]); // 1.0, -2.0 in f16
    await sira.putTensor(s.id, 'half', { data: new Uint8Array(bits.buffer), shape: [2], dtype: 'f16' });
    const half = await sira.getTensor(s.id, 'half');
    expect(half.dtype).toBe('f16');
    expect(Array.from(new Uint16Array(half.data.buffer, 0, 2))).toEqual([0x3c00, 0xc000]);
  });

  it('context: the window for a query, with the explanation', async () => {
    const s = await sira.createSession();
    await sira.appendTurns(s.id, [
      { role: 'user', content: 'My card number ends with 4242 and the card has not arrived' },
      { role: 'assistant', content: 'I will check the delivery' },
    ]);
    const ctx = await sira.context(s.id, { query: 'where is my card?', budget_tokens: 500 });
    expect(ctx.messages.length).toBeGreaterThan(0);
    expect(ctx.selected.map((x) => x.seq)).toContain(1);
    expect(ctx.usage.used).toBeLessThanOrEqual(500);
  });

  it('a write that fails in transit is retried with the same Idempotency-Key', async () => {
    const keys: string[] = [];
    let failures = 1;
    const flaky: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      if (init?.method === 'POST') keys.push(headers.get('idempotency-key') ?? '');
      if (init?.method === 'POST' && failures-- > 0) throw new TypeError('socket hang up');
      return fetch(input, init);
    };
    const c = new SiraClient({ baseUrl: base, apiKey: t.key, retryBaseMs: 1, fetch: flaky });
    const s = await c.createSession();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect((await sira.getSession(s.id)).id).toBe(s.id);
    // Without a key a POST is not repeated.
    failures = 1;
    await expect(c.appendTurns(s.id, [{ role: 'user', content: 'x' }], { idempotencyKey: false })).rejects.toMatchObject({ code: 'SIRA_CLIENT_NETWORK' });
    expect((await sira.getSession(s.id)).turn_count).toBe(0);
  });

  it('events: an async iterator that resumes after a dropped connection with nothing missed or repeated', async () => {
    const s = await sira.createSession();
    // A fetch that cuts the first event stream after its second frame (a dropped connection).
    let streams = 0;
    const cutting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).endsWith('/events') || streams++ > 0) return res;
      const reader = res.body!.getReader();
      let frames = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const r = await reader.read();
          if (r.done || frames >= 2) {
            await reader.cancel();
            controller.close();
            return;
          }
          frames += (new TextDecoder().decode(r.value).match(/\n\n/g) ?? []).length;
          controller.enqueue(r.value);
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const c = new SiraClient({ baseUrl: base, apiKey: t.key, retryBaseMs: 1, fetch: cutting });
    const got: SessionEvent[] = [];
    const reading = (async () => {
      for await (const e of c.events(s.id, { after: 0 })) {
        got.push(e);
        if (e.type === 'session.deleted') break;
      }
    })();
    for (let i = 0; i < 5; i++) await sira.appendTurns(s.id, [{ role: 'user', content: `m${i}` }]);
    await sira.deleteSession(s.id);
    await reading;
    expect(streams).toBeGreaterThanOrEqual(2);
    const ids = got.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    expect(got.map((e) => e.type)).toEqual(['session.created', ...Array(5).fill('turns.appended'), 'session.deleted']);
  });
});
