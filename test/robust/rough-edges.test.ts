/**
 * Issue 11's rough edges and the bounded-work guarantees, through the real HTTP API (app.inject, and a listening
 * server where the socket matters): empty JSON DELETE bodies, non-finite numbers, invalid UTF-8 and lone
 * surrogates, metadata nesting, turns naming missing tensors, tensor bodies whose length cannot match their
 * headers, a second WebSocket auth for another tenant, and context builds over huge unbroken turns under the
 * time budget (503 + Retry-After with a stable code, then an answer once the cached work suffices).
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let id: string;
beforeAll(async () => {
  t = await testApp();
  id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} })).id;
});
afterAll(() => t.close());

const raw = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: string | Buffer, contentType = 'application/json') =>
  t.app.inject({ method, url, headers: { ...t.auth, 'content-type': contentType }, payload: body });

describe('JSON bodies', () => {
  it('DELETE with content-type application/json and no body is accepted', async () => {
    const s = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: {} })).id;
    const res = await raw('DELETE', `/v1/sessions/${s}`, '');
    expect(res.statusCode).toBe(204);
  });

  it('a POST or PUT with an empty JSON body is still 400', async () => {
    expectProblem(await raw('POST', `/v1/sessions/${id}/turns`, ''), 400, 'SIRA_ERR_REQUEST_INVALID');
  });

  it('metadata 1e400 (a number JSON cannot hold) is refused with 400, nothing stored', async () => {
    expectProblem(await raw('POST', `/v1/sessions/${id}/turns`, '{"turns":[{"role":"user","content":"x","metadata":{"n":1e400}}]}'), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await raw('POST', '/v1/sessions', '{"metadata":{"n":-1E+999}}'), 400, 'SIRA_ERR_REQUEST_INVALID');
    const turns = json<{ turns: unknown[] }>(await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/turns`, headers: t.auth })).turns;
    expect(turns).toEqual([]);
  });

  it('large but finite numbers (1e300, 300 digits with a fraction) are accepted unchanged', async () => {
    const res = await raw('POST', '/v1/sessions', '{"metadata":{"n":1e300,"m":12.5}}');
    expect(res.statusCode).toBe(201);
    expect(json<{ metadata: unknown }>(res).metadata).toEqual({ n: 1e300, m: 12.5 });
  });

  it('invalid UTF-8 bytes are refused with SIRA_ERR_REQUEST_TEXT_INVALID (not replaced silently)', async () => {
    const body = Buffer.concat([Buffer.from('{"turns":[{"role":"user","content":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]);
    expectProblem(await raw('POST', `/v1/sessions/${id}/turns`, body), 400, 'SIRA_ERR_REQUEST_TEXT_INVALID');
  });

  it('lone surrogates (escaped) in values and keys are refused; a well-formed pair is kept', async () => {
    expectProblem(await raw('POST', `/v1/sessions/${id}/turns`, '{"turns":[{"role":"user","content":"a\\ud800b"}]}'), 400, 'SIRA_ERR_REQUEST_TEXT_INVALID');
    expectProblem(await raw('POST', '/v1/sessions', '{"metadata":{"\\udc00":1}}'), 400, 'SIRA_ERR_REQUEST_TEXT_INVALID');
    const ok = await raw('POST', '/v1/sessions', '{"metadata":{"e":"\\ud83d\\ude00"}}');
    expect(ok.statusCode).toBe(201);
    expect(json<{ metadata: unknown }>(ok).metadata).toEqual({ e: '😀' });
  });

  it('metadata nested deeper than 64 levels is refused like state; 64 levels are accepted', async () => {
    const nest = (d: number): unknown => (d === 0 ? 1 : { a: nest(d - 1) });
    expectProblem(await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: 'x', metadata: nest(65) }] } }), 400, 'SIRA_ERR_TURN_INVALID');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { metadata: nest(65) } }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/state`, headers: t.auth, payload: nest(65) as object }), 400, 'SIRA_ERR_STATE_INVALID');
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { metadata: nest(64) } })).statusCode).toBe(201);
    // 10,000 levels: refused, not a crash (the check is iterative).
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expectProblem(await raw('POST', '/v1/sessions', `{"metadata":${deep}}`), 400, 'SIRA_ERR_REQUEST_INVALID');
  });

  it('a body over 1 MiB nesting deeper than 10,000 levels is refused before parsing', async () => {
    const t2 = await testApp({ limits: { maxBodyBytes: 4 << 20 } } as never);
    try {
      const res = await t2.app.inject({ method: 'POST', url: '/v1/sessions', headers: { ...t2.auth, 'content-type': 'application/json' }, payload: '['.repeat(2 << 20) });
      expectProblem(res, 400, 'SIRA_ERR_REQUEST_INVALID');
      expect(json<{ detail: string }>(res).detail).toContain('deeper than 10000');
      // Brackets inside strings do not count.
      const sid = json<{ id: string }>(await t2.app.inject({ method: 'POST', url: '/v1/sessions', headers: t2.auth, payload: {} })).id;
      const turns = [0, 1].map(() => ({ role: 'user', content: '{['.repeat(300_000) }));
      expect((await t2.app.inject({ method: 'POST', url: `/v1/sessions/${sid}/turns`, headers: t2.auth, payload: { turns } })).statusCode).toBe(201);
    } finally {
      await t2.close();
    }
  });
});

describe('turns and tensors', () => {
  it('a turn naming a tensor the session does not hold is refused with SIRA_ERR_TURN_TENSOR_NOT_FOUND; once PUT it is accepted', async () => {
    const turn = { turns: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'tensor', name: 'emb' }] }] };
    const res = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: turn });
    expectProblem(res, 400, 'SIRA_ERR_TURN_TENSOR_NOT_FOUND');
    expect(json<{ tensor: string }>(res).tensor).toBe('emb');
    const put = await t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/tensors/emb`, headers: { ...t.auth, 'content-type': 'application/octet-stream', 'x-tensor-dtype': 'f32', 'x-tensor-shape': '2' }, payload: Buffer.alloc(8) });
    expect(put.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: turn })).statusCode).toBe(201);
  });

  it('a tensor PUT whose content-length differs from dtype × shape is answered 400 before the body is read (real socket)', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    // Declares 48 bytes of f32 [12] but sends 24 and keeps the connection open: the answer must not wait for the rest.
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(
          `PUT /v1/sessions/${id}/tensors/short HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\nContent-Type: application/octet-stream\r\n` +
            'x-tensor-dtype: f32\r\nx-tensor-shape: 12\r\nContent-Length: 24\r\n\r\n',
        );
        sock.write(Buffer.alloc(12));
      });
      let got = '';
      sock.on('data', (d) => {
        got += d.toString();
        if (got.includes('\r\n\r\n') && got.includes('}')) {
          sock.destroy();
          resolve(got);
        }
      });
      sock.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('SIRA_ERR_TENSOR_INVALID');
    expect(answer.toLowerCase()).toContain('connection: close');
    const list = json<{ tensors: { name: string }[] }>(await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/tensors`, headers: t.auth }));
    expect(list.tensors.map((x) => x.name)).not.toContain('short');
  });

  it('a request line over the header limit is answered 431 problem+json (not a bare JSON body)', async () => {
    const { port } = t.app.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/v1/sessions?user_id=${'x'.repeat(20_000)}`, { headers: t.auth });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('SIRA_ERR_REQUEST_HEADERS_TOO_LARGE');
  });

  it('a WebSocket auth message with another tenant\'s key is an error, and the connection stays on its tenant', async () => {
    const { port } = t.app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, { headers: t.auth });
    const msgs: { type: string; code?: string; req?: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; code?: string; req?: string };
        msgs.push(m);
        if (m.type === 'hello') {
          ws.send(JSON.stringify({ op: 'auth', token: t.keyB, req: 'other' }));
          ws.send(JSON.stringify({ op: 'auth', token: t.key, req: 'same' }));
        }
        if (msgs.filter((x) => x.type !== 'hello').length === 2) resolve();
      });
      ws.on('error', reject);
    });
    ws.close();
    // Replies carry the request's `req` (they may arrive in either order: the other key is looked up in the store).
    expect(msgs.find((m) => m.req === 'other')).toMatchObject({ type: 'error', code: 'SIRA_ERR_WS_ALREADY_AUTHENTICATED' });
    expect(msgs.find((m) => m.req === 'same')).toMatchObject({ type: 'authenticated' });
  });
});
