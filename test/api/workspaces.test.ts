/**
 * `/v1/workspaces` over HTTP (app.inject on a temporary LMDB store): CRUD, members, shared turns, CAS state
 * (concurrent If-Match writers: one 200, the rest 409 with current_version), CRDT binary routes, state-vector
 * diffs, problem+json codes for bad input (nothing stored), tenant isolation and the JSON event page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(async () => {
  await t.close();
});

const octet = (auth: Record<string, string>) => ({ ...auth, 'content-type': 'application/octet-stream' });

describe('/v1/workspaces', () => {
  it('the session behind a workspace is not reachable through the session routes', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'hidden' } });
    await t.app.inject({ method: 'POST', url: '/v1/workspaces/hidden/turns', headers: t.auth, payload: { turns: [{ role: 'user', content: 'x' }] } });
    for (const url of ['/v1/sessions/_ws:hidden', '/v1/sessions/_ws:hidden/turns?last=5', '/v1/sessions/%5Fws:hidden/state']) {
      expectProblem(await t.app.inject({ url, headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    }
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/v1/sessions/_ws:hidden', headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    const enrich = await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: { ...t.auth, 'x-sira-session': '_ws:hidden' }, payload: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } });
    expectProblem(enrich, 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expect((await t.app.inject({ url: '/v1/workspaces/hidden/turns', headers: t.auth })).statusCode).toBe(200);
  });

  it('create, get, list, patch, delete; another tenant gets 404 and an empty list', async () => {
    const c = await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'trip', agent_id: 'planner', metadata: { a: 1 } } });
    expect(c.statusCode).toBe(201);
    expect(c.headers.location).toBe('/v1/workspaces/trip');
    expect(json(c)).toMatchObject({ id: 'trip', created_by: 'planner', metadata: { a: 1 }, turn_count: 0, state_version: 0 });
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'trip' } }), 409, 'SIRA_ERR_WORKSPACE_EXISTS');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: '-x' } }), 400, 'SIRA_ERR_WORKSPACE_ID_INVALID');
    const gen = json(await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth }));
    expect(String(gen.id)).toMatch(/^ws_/);
    const list = json<{ workspaces: { id: string }[] }>(await t.app.inject({ url: '/v1/workspaces', headers: t.auth }));
    expect(list.workspaces.map((w) => w.id).sort()).toEqual([gen.id, 'trip'].sort());
    expect(json<{ sessions: unknown[] }>(await t.app.inject({ url: '/v1/sessions', headers: t.auth })).sessions).toEqual([]);
    const p = await t.app.inject({ method: 'PATCH', url: '/v1/workspaces/trip', headers: t.auth, payload: { metadata: { b: 2 } } });
    expect(json(p).metadata).toEqual({ b: 2 });

    expectProblem(await t.app.inject({ url: '/v1/workspaces/trip', headers: t.authB }), 404, 'SIRA_ERR_WORKSPACE_NOT_FOUND');
    expect(json<{ workspaces: unknown[] }>(await t.app.inject({ url: '/v1/workspaces', headers: t.authB })).workspaces).toEqual([]);
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/v1/workspaces/trip', headers: t.authB }), 404, 'SIRA_ERR_WORKSPACE_NOT_FOUND');
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/workspaces/trip', headers: t.auth })).statusCode).toBe(204);
    expectProblem(await t.app.inject({ url: '/v1/workspaces/trip', headers: t.auth }), 404, 'SIRA_ERR_WORKSPACE_NOT_FOUND');
    expectProblem(await t.app.inject({ url: '/v1/workspaces', headers: {} }), 401, 'SIRA_ERR_AUTH_MISSING');
  });

  it('members join (201, then 200), list and leave; a bad member is 400 and stores nothing', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } });
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's1' } });
    const j = (payload: object) => t.app.inject({ method: 'POST', url: '/v1/workspaces/w/members', headers: t.auth, payload });
    expect((await j({ kind: 'agent', id: 'critic' })).statusCode).toBe(201);
    expect((await j({ kind: 'agent', id: 'critic' })).statusCode).toBe(200);
    expect((await j({ kind: 'session', id: 's1' })).statusCode).toBe(201);
    expectProblem(await j({ kind: 'session', id: 'missing' }), 400, 'SIRA_ERR_WORKSPACE_MEMBER_INVALID');
    expectProblem(await j({ kind: 'robot', id: 'x' }), 400, 'SIRA_ERR_WORKSPACE_MEMBER_INVALID');
    // Session s1 of tenant acme is not a session of tenant beta.
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.authB, payload: { id: 'w' } });
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/members', headers: t.authB, payload: { kind: 'session', id: 's1' } }), 400, 'SIRA_ERR_WORKSPACE_MEMBER_INVALID');
    const members = json<{ members: { kind: string; id: string }[] }>(await t.app.inject({ url: '/v1/workspaces/w/members', headers: t.auth })).members;
    expect(members.map((m) => `${m.kind}:${m.id}`).sort()).toEqual(['agent:critic', 'session:s1']);
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/workspaces/w/members/agent/critic', headers: t.auth })).statusCode).toBe(204);
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/v1/workspaces/w/members/agent/critic', headers: t.auth }), 404, 'SIRA_ERR_WORKSPACE_MEMBER_NOT_FOUND');
  });

  it('shared turns and CAS state: of concurrent If-Match writers exactly one wins, the others get 409 with current_version', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } });
    const a = await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/turns', headers: t.auth, payload: { turns: [{ role: 'assistant', content: 'hi', agent_id: 'a1' }] } });
    expect(a.statusCode).toBe(201);
    expect(json<{ turns: { seq: number; agent_id: string }[] }>(a).turns[0]).toMatchObject({ seq: 1, agent_id: 'a1' });
    expect(json<{ turns: unknown[] }>(await t.app.inject({ url: '/v1/workspaces/w/turns?last=5', headers: t.auth })).turns).toHaveLength(1);

    const put = await t.app.inject({ method: 'PUT', url: '/v1/workspaces/w/state', headers: t.auth, payload: { plan: 'A' } });
    expect(put.headers.etag).toBe('"1"');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.app.inject({ method: 'PATCH', url: '/v1/workspaces/w/state', headers: { ...t.auth, 'if-match': '"1"' }, payload: { [`w${i}`]: i } }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 200)) expect(expectProblem(r, 409, 'SIRA_ERR_STATE_VERSION_CONFLICT').current_version).toBe(2);
    const g = await t.app.inject({ url: '/v1/workspaces/w/state', headers: t.auth });
    expect(g.headers.etag).toBe('"2"');
    expect((await t.app.inject({ url: '/v1/workspaces/w/state', headers: { ...t.auth, 'if-none-match': '"2"' } })).statusCode).toBe(304);
  });

  it('CRDT: binary updates merge; a state-vector GET returns only the missing part; garbage is 400 and stores nothing', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } });
    const alice = new Y.Doc();
    const bob = new Y.Doc();
    alice.getText('t').insert(0, 'hello ');
    bob.getMap('m').set('x', 1);
    for (const d of [alice, bob]) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/notes', headers: octet(t.auth), payload: Buffer.from(Y.encodeStateAsUpdate(d)) });
      expect(r.statusCode).toBe(200);
      expect(typeof json(r).update_id).toBe('string');
    }
    // Alice fetches what she lacks (Bob's map), by her state vector.
    const sv = Buffer.from(Y.encodeStateVector(alice)).toString('base64');
    const diff = await t.app.inject({ url: `/v1/workspaces/w/crdt/notes?state_vector=${encodeURIComponent(sv)}`, headers: t.auth });
    expect(diff.headers['content-type']).toBe('application/octet-stream');
    Y.applyUpdate(alice, diff.rawPayload);
    expect(alice.getMap('m').get('x')).toBe(1);
    expect(Y.decodeUpdate(diff.rawPayload).structs.every((s) => s.id.client === bob.clientID)).toBe(true);
    const svRes = await t.app.inject({ url: '/v1/workspaces/w/crdt/notes/state-vector', headers: t.auth });
    expect(Buffer.from(svRes.rawPayload)).toEqual(Buffer.from(Y.encodeStateVector(alice)));
    expect(json(await t.app.inject({ url: '/v1/workspaces/w/crdt', headers: t.auth }))).toEqual({ docs: ['notes'] });
    expect(json(await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/notes/compact', headers: t.auth }))).toEqual({ compacted: 2 });

    const before = json<{ events: unknown[] }>(await t.app.inject({ url: '/v1/workspaces/w/events', headers: t.auth })).events.length;
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/notes', headers: octet(t.auth), payload: Buffer.from('not a yjs update') }), 400, 'SIRA_ERR_CRDT_UPDATE_INVALID');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/notes', headers: octet(t.auth), payload: Buffer.alloc(0) }), 400, 'SIRA_ERR_CRDT_UPDATE_INVALID');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/notes', headers: t.auth, payload: { update: 'x' } }), 415, 'SIRA_ERR_REQUEST_UNSUPPORTED_MEDIA');
    expectProblem(await t.app.inject({ url: '/v1/workspaces/w/crdt/notes?state_vector=%%%', headers: t.auth }), 400, 'SIRA_ERR_CRDT_STATE_VECTOR_INVALID');
    expectProblem(await t.app.inject({ url: '/v1/workspaces/w/crdt/bad%2Fdoc', headers: t.auth }), 400, 'SIRA_ERR_CRDT_DOC_INVALID');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/notes', headers: octet(t.authB), payload: Buffer.from(Y.encodeStateAsUpdate(bob)) }), 404, 'SIRA_ERR_WORKSPACE_NOT_FOUND');
    expect(json<{ events: unknown[] }>(await t.app.inject({ url: '/v1/workspaces/w/events', headers: t.auth })).events).toHaveLength(before);
    const server = new Y.Doc();
    Y.applyUpdate(server, (await t.app.inject({ url: '/v1/workspaces/w/crdt/notes', headers: t.auth })).rawPayload);
    expect(server.getText('t').toString()).toBe('hello ');
  });

  it('the JSON event page translates the log: member, turn, state and CRDT events with the update inlined', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/workspaces', headers: t.auth, payload: { id: 'w' } });
    await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/members', headers: t.auth, payload: { kind: 'agent', id: 'a1' } });
    await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/turns', headers: t.auth, payload: { turns: [{ role: 'user', content: 'x' }] } });
    await t.app.inject({ method: 'PUT', url: '/v1/workspaces/w/state', headers: t.auth, payload: { k: 1 } });
    const d = new Y.Doc();
    d.getText('t').insert(0, 'abc');
    const u = Buffer.from(Y.encodeStateAsUpdate(d));
    await t.app.inject({ method: 'POST', url: '/v1/workspaces/w/crdt/d1', headers: octet(t.auth), payload: u });
    const page = json<{ events: { id: number; type: string; workspace_id: string; data: Record<string, unknown> }[]; next_after: number }>(
      await t.app.inject({ url: '/v1/workspaces/w/events?after=0', headers: t.auth }),
    );
    expect(page.events.map((e) => e.type)).toEqual(['workspace.created', 'member.joined', 'turns.appended', 'state.changed', 'crdt.updated']);
    expect(page.events.every((e) => e.workspace_id === 'w')).toBe(true);
    expect(page.events[4]!.data).toMatchObject({ doc: 'd1', update: u.toString('base64') });
    expect(page.next_after).toBe(page.events[4]!.id);
    expectProblem(await t.app.inject({ url: '/v1/workspaces/w/events?after=999', headers: t.auth }), 410, 'SIRA_ERR_EVENTS_GAP');
    expectProblem(await t.app.inject({ url: '/v1/workspaces/w/events?after=x', headers: t.auth }), 400, 'SIRA_ERR_EVENTS_AFTER_INVALID');
  });
});
