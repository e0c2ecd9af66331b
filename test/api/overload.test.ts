/**
 * Back-pressure over real HTTP (a listening server on port 0; requests held in flight with a half-sent body) on a
 * real LMDB store: an overloaded process answers 503 SIRA_ERR_OVERLOADED with Retry-After before any work, probes
 * stay answered, and it serves again once the load is gone. The event-loop delay is injected (no timing).
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/app.ts';

/**
 * A POST /v1/sessions whose body is half sent: in flight until `finish()`, which resolves to its status. Resolves
 * once the server has taken it in (its hooks have run: the guard counted it).
 */
async function holdRequest(t: TestApp, base: string, id: string): Promise<{ finish: () => Promise<number> }> {
  const body = JSON.stringify({ id });
  const arrived = new Promise<void>((resolve) => t.app.server.once('request', () => setImmediate(resolve)));
  const req = httpRequest(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { ...t.auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 5));
  await arrived;
  return {
    finish: () => {
      req.end(body.slice(5));
      return status;
    },
  };
}

describe('overload guard', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  async function listen(): Promise<string> {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }

  it('a loop delay over overload.maxEventLoopDelayMs with requests in flight answers 503 SIRA_ERR_OVERLOADED + Retry-After before auth; probes are served', async () => {
    let delayMs = 41;
    t = await testApp({ overload: { maxEventLoopDelayMs: 40, retryAfterSeconds: 2 } }, { loopDelayProbe: () => delayMs });
    // A lone request is never refused for the delay.
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 'a' } })).statusCode).toBe(201);
    const base = await listen();
    const held = await holdRequest(t, base, 'held');
    // Refused before authentication: no key, and still 503, not 401.
    const res = await fetch(`${base}/v1/sessions/nokey`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 503, code: 'SIRA_ERR_OVERLOADED', retry_after_seconds: 2 });
    for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await fetch(base + probe)).status).toBe(200);
    delayMs = 40; // at the threshold: served
    expect((await fetch(`${base}/v1/sessions/a`, { headers: t.auth })).status).toBe(200);
    delayMs = 41;
    expect((await fetch(`${base}/v1/sessions`, { method: 'POST', headers: { ...t.auth, 'content-type': 'application/json' }, body: '{"id":"b"}' })).status).toBe(503);
    expect(await held.finish()).toBe(201);
    // Nothing in flight again: served, and the refused create stored nothing.
    expect((await fetch(`${base}/v1/sessions/b`, { headers: t.auth })).status).toBe(404);
    expect((await fetch(`${base}/v1/sessions/held`, { headers: t.auth })).status).toBe(200);
  });

  it('maxEventLoopDelayMs 0 turns the delay check off', async () => {
    t = await testApp({ overload: { maxEventLoopDelayMs: 0 } }, { loopDelayProbe: () => 10_000 });
    const base = await listen();
    const held = await holdRequest(t, base, 'held');
    expect((await fetch(`${base}/v1/sessions`, { headers: t.auth })).status).toBe(200);
    expect(await held.finish()).toBe(201);
  });

  it('over overload.maxInFlight requests in flight answers 503; a finished request frees its slot', async () => {
    t = await testApp({ overload: { maxInFlight: 1 } }, { loopDelayProbe: () => 0 });
    // Sequential requests never overlap: each frees its slot when its response ends.
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ url: '/v1/sessions', headers: t.auth })).statusCode).toBe(200);
    const base = await listen();
    const held = await holdRequest(t, base, 'held');
    const res = await fetch(`${base}/v1/sessions`, { headers: t.auth });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ code: 'SIRA_ERR_OVERLOADED' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await held.finish()).toBe(201);
    expect((await fetch(`${base}/v1/sessions/held`, { headers: t.auth })).status).toBe(200);
  });
});
