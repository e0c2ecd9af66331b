/**
 * Behaviour tests for error codes that no other test triggers: each is provoked through the public API and checked
 * as an RFC 9457 problem (or a WebSocket error message) with its stable code.
 */
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { expectProblem, json, openTestSira, testApp, type TestApp } from '../helpers/app.ts';
import { buildApp } from '../../src/api/app.ts';
import { WS_MAX_SUBSCRIPTIONS } from '../../src/api/ws.ts';
import { isSiraError } from '../../src/core/errors.ts';
import type { JsonObject } from '../../src/core/types.ts';

let t: TestApp | undefined;

/** GET `url` through `agent` (keep-alive), collecting the body. */
function get(agent: Agent, url: string, key: string): Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${key}` } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => resolve({ statusCode: r.statusCode ?? 0, headers: r.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('error codes', () => {
  it('a request that arrives while the service is closing is refused with 503 SIRA_ERR_SHUTTING_DOWN', async () => {
    const { sira, cleanup } = await openTestSira();
    const { key } = await sira.createApiKey('acme', 'test');
    const app = await buildApp({ sira });
    // A keep-alive connection opened before the close: the preClose hooks run before idle connections are closed, so
    // a request sent on it from a later preClose hook arrives while the service is closing.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let res: { statusCode: number; headers: Record<string, unknown>; body: string } | undefined;
    app.addHook('preClose', async () => {
      res = await get(agent, `${base}/v1/sessions`, key);
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    expect((await get(agent, `${base}/v1/sessions`, key)).statusCode).toBe(200);
    await app.close();
    agent.destroy();
    await cleanup();
    expect(res!.headers.connection).toBe('close');
    expectProblem(res!, 503, 'SIRA_ERR_SHUTTING_DOWN');
  });

  it('putState(id, non-object) from the library throws SIRA_ERR_STATE_INVALID, and nothing is stored', async () => {
    // Over HTTP the route schema refuses a non-object body first (SIRA_ERR_REQUEST_INVALID); the library checks itself.
    t = await testApp();
    const tenant = t.sira.tenant('acme');
    await tenant.createSession({ id: 's' });
    const err = await tenant.putState('s', [1, 2] as unknown as JsonObject).catch((e: unknown) => e);
    expect(isSiraError(err) && err.code).toBe('SIRA_ERR_STATE_INVALID');
    const over = await t.app.inject({ method: 'PUT', url: '/v1/sessions/s/state', headers: t.auth, payload: [1, 2] });
    expectProblem(over, 400, 'SIRA_ERR_REQUEST_INVALID');
    expect((await tenant.getState('s'))?.version ?? 0).toBe(0);
  });

  it('joining a workspace past its member limit is 409 SIRA_ERR_WORKSPACE_MEMBER_LIMIT', async () => {
    t = await testApp({}, {}, { workspaces: { maxMembers: 2 } });
    expect((await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } })).statusCode).toBe(201);
    for (const agent of ['a1', 'a2']) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/members', headers: t.auth, payload: { kind: 'agent', id: agent } });
      expect(r.statusCode).toBe(201);
    }
    const over = await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/members', headers: t.auth, payload: { kind: 'agent', id: 'a3' } });
    expectProblem(over, 409, 'SIRA_ERR_WORKSPACE_MEMBER_LIMIT');
    const members = json<{ members: unknown[] }>(await t.app.inject({ url: '/v1/workspaces/w/members', headers: t.auth }));
    expect(members.members).toHaveLength(2);
  });

  it(`a WebSocket subscribing to more than ${WS_MAX_SUBSCRIPTIONS} channels gets SIRA_ERR_WS_SUBSCRIPTION_LIMIT and stays open`, async () => {
    t = await testApp();
    const tenant = t.sira.tenant('acme');
    for (let i = 0; i <= WS_MAX_SUBSCRIPTIONS; i++) await tenant.createSession({ id: `s${i}` });
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { headers: t.auth });
    const msgs: Record<string, unknown>[] = [];
    let wake: () => void = () => {};
    ws.on('message', (d) => {
      msgs.push(JSON.parse(d.toString()) as Record<string, unknown>);
      wake();
    });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => (wake = r));
    };
    await until(() => msgs.some((m) => m.type === 'hello'));
    for (let i = 0; i <= WS_MAX_SUBSCRIPTIONS; i++) ws.send(JSON.stringify({ op: 'subscribe', session_id: `s${i}`, req: i }));
    await until(() => msgs.filter((m) => m.type === 'subscribed' || m.type === 'error').length === WS_MAX_SUBSCRIPTIONS + 1);
    const errors = msgs.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'SIRA_ERR_WS_SUBSCRIPTION_LIMIT' });
    expect(msgs.filter((m) => m.type === 'subscribed')).toHaveLength(WS_MAX_SUBSCRIPTIONS);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.terminate();
  });
});
