/**
 * Back-pressure over real HTTP (app.inject, and a listening server for requests held in flight) on a real LMDB
 * store: an overloaded process answers 503 SIRA_ERR_OVERLOADED with Retry-After before any work, probes stay
 * answered, and it serves again once the load is gone. The event-loop delay is injected (no timing).
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectProblem, testApp, type TestApp } from '../helpers/app.ts';

describe('overload guard', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('a loop delay over overload.maxEventLoopDelayMs answers 503 SIRA_ERR_OVERLOADED with Retry-After, before auth and storing nothing', async () => {
    let delayMs = 0;
    t = await testApp({ overload: { maxEventLoopDelayMs: 40, retryAfterSeconds: 2 } }, { loopDelayProbe: () => delayMs });
    expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 'a' } })).statusCode).toBe(201);
    delayMs = 41;
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 'b' } });
    const body = expectProblem(res, 503, 'SIRA_ERR_OVERLOADED');
    expect(res.headers['retry-after']).toBe('2');
    expect(body.retry_after_seconds).toBe(2);
    // Refused before authentication: a request without a key gets the same answer, not 401.
    expectProblem(await t.app.inject({ url: '/v1/sessions' }), 503, 'SIRA_ERR_OVERLOADED');
    // Probes and metrics are never refused.
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(200);
    delayMs = 40; // at the threshold: served
    expect((await t.app.inject({ url: '/v1/sessions/b', headers: t.auth })).statusCode).toBe(404); // b was never stored
  });

  it('maxEventLoopDelayMs 0 turns the delay check off', async () => {
    t = await testApp({ overload: { maxEventLoopDelayMs: 0 } }, { loopDelayProbe: () => 10_000 });
    expect((await t.app.inject({ url: '/v1/sessions', headers: t.auth })).statusCode).toBe(200);
  });

  it('over overload.maxInFlight requests in flight answers 503; a finished request frees its slot', async () => {
    t = await testApp({ overload: { maxInFlight: 1 } }, { loopDelayProbe: () => 0 });
    // Sequential requests never overlap: each frees its slot when its response ends.
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ url: '/v1/sessions', headers: t.auth })).statusCode).toBe(200);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const body = JSON.stringify({ id: 'held' });
    // Held in flight: the headers are in (so the route has started), half of the body is not.
    let held!: ClientRequest;
    const heldAnswer = new Promise<number>((resolve, reject) => {
      held = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/sessions', headers: { ...t.auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      held.on('error', reject);
    });
    held.write(body.slice(0, 5));
    held.flushHeaders();
    // The held request is counted once the server has seen its headers: poll with probes (never counted).
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/sessions`, { headers: t.auth });
      if (res.status === 503) {
        const problem = (await res.json()) as { code: string };
        expect(problem.code).toBe('SIRA_ERR_OVERLOADED');
        expect(res.headers.get('retry-after')).toBe('1');
        refused = true;
      } else {
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    }
    expect(refused).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    held.end(body.slice(5));
    expect(await heldAnswer).toBe(201);
    expect((await fetch(`http://127.0.0.1:${port}/v1/sessions/held`, { headers: t.auth })).status).toBe(200);
  });

  it('the defaults never refuse an idle service: a real event-loop monitor reads a small delay', async () => {
    t = await testApp();
    for (let i = 0; i < 5; i++) expect((await t.app.inject({ url: '/v1/sessions', headers: t.auth })).statusCode).toBe(200);
  });
});
