/**
 * /v1/users/:id/profile over real HTTP (a listening server and fetch), on the embedded LMDB store and on Redis:
 * learning from appended user turns, history, explicit changes with If-Match, bad input, tenant isolation,
 * DELETE that really forgets (checked in the store itself), and the pinned block in context windows.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiraOptionsInput } from '../../src/core/config.ts';
import { countMessageTokens, loadTokenizer } from '../../src/models/tokens.ts';
import { PROFILES_COLLECTION } from '../../src/memory/profile/index.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { deleteKeysWithPrefix } from '../helpers/redis-cluster.ts';

const REDIS = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `sira-test:profiles:${randomBytes(6).toString('hex')}:`;
const backends: [string, SiraOptionsInput][] = [
  ['lmdb', {}],
  ['redis', { store: REDIS, redisKeyPrefix: redisPrefix }],
];

interface Entry {
  id: string;
  slot: string;
  value: string;
  polarity: string;
  status: string;
  source: string;
  confidence: number;
  evidence: { session: string; seq: number; quote?: string }[];
  superseded_by?: string;
}
interface Profile {
  user_id: string;
  version: number;
  entries: Entry[];
  history: Entry[];
}

afterAll(async () => {
  const admin = await RedisStore.open({ url: REDIS, keyPrefix: redisPrefix });
  await deleteKeysWithPrefix(admin.client, redisPrefix);
  await admin.close();
});

describe.each(backends)('/v1/users/:id/profile (%s)', (_name, input) => {
  let t: TestApp;
  let base = '';
  beforeAll(async () => {
    t = await testApp(input);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, auth = t.auth) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };
  const user = () => `u-${randomBytes(4).toString('hex')}`;
  const session = async (userId: string, auth = t.auth) => (await call('POST', '/v1/sessions', { user_id: userId }, {}, auth)).body!.id as string;
  const say = async (sid: string, ...texts: string[]) => {
    const r = await call('POST', `/v1/sessions/${sid}/turns`, { turns: texts.map((content) => ({ role: 'user', content })) });
    expect(r.status).toBe(201);
    await t.sira.profiles!.drain();
  };
  const expectProblem = (r: { status: number; headers: Headers; body?: Record<string, unknown> }, status: number, code: string) => {
    expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  };

  it('learns preferences and facts from user turns after the append, with evidence; questions and other people are ignored', async () => {
    const u = user();
    const s = await session(u);
    await say(s, "I'm vegetarian and I live in Lyon.", 'Would you recommend vegan food?', 'My friend hates jazz.', "I don't like cilantro. My daughter's name is Ana.");
    await call('POST', `/v1/sessions/${s}/turns`, { turns: [{ role: 'assistant', content: 'I love jazz too!' }] });
    await t.sira.profiles!.drain();
    const r = await call('GET', `/v1/users/${u}/profile`);
    expect(r.status).toBe(200);
    const p = r.body as unknown as Profile;
    expect(r.headers.get('etag')).toBe(`"${p.version}"`);
    const cur = Object.fromEntries(p.entries.map((e) => [e.slot, `${e.value}:${e.polarity}`]));
    expect(cur).toEqual({ diet: 'vegetarian:positive', home_city: 'Lyon:positive', 'likes/cilantro': 'cilantro:negative', 'people/daughter': 'Ana:positive' });
    const diet = p.entries.find((e) => e.slot === 'diet')!;
    expect(diet.evidence).toEqual([expect.objectContaining({ session: s, seq: 1 })]);
    expect(p.entries.map((e) => e.confidence)).toEqual([...p.entries.map((e) => e.confidence)].sort((a, b) => b - a));
  });

  it('a later statement supersedes an earlier one in another session; the old one is kept in the history', async () => {
    const u = user();
    await say(await session(u), 'I live in Lyon.');
    await say(await session(u), 'What if I moved to Oslo?', 'I moved to Berlin last month.');
    const p = (await call('GET', `/v1/users/${u}/profile`)).body as unknown as Profile;
    expect(p.entries.find((e) => e.slot === 'home_city')).toMatchObject({ value: 'Berlin', status: 'current' });
    const old = p.history.find((e) => e.slot === 'home_city')!;
    expect(old).toMatchObject({ value: 'Lyon', status: 'superseded' });
    expect(old.superseded_by).toBe(p.entries.find((e) => e.slot === 'home_city')!.id);
  });

  it('PATCH sets and forgets slots, honours If-Match, and refuses bad input without changing anything', async () => {
    const u = user();
    await say(await session(u), "I'm vegan. I love techno.");
    const v = (await call('GET', `/v1/users/${u}/profile`)).body!.version as number;
    const ok = await call('PATCH', `/v1/users/${u}/profile`, { set: [{ attribute: 'diet', value: 'pescatarian' }], remove: ['likes/techno'] }, { 'if-match': `"${v}"` });
    expect(ok.status).toBe(200);
    const p = ok.body as unknown as Profile;
    expect(p.entries.map((e) => `${e.slot}=${e.value}:${e.source}`)).toEqual(['diet=pescatarian:explicit']);
    expect(p.history.map((e) => e.value)).toEqual(['vegan']);
    expectProblem(await call('PATCH', `/v1/users/${u}/profile`, { set: [{ attribute: 'diet', value: 'keto' }] }, { 'if-match': `"${v}"` }), 409, 'SIRA_ERR_DOC_VERSION_CONFLICT');
    expectProblem(await call('PATCH', `/v1/users/${u}/profile`, {}), 400, 'SIRA_ERR_PROFILE_CHANGE_INVALID');
    expectProblem(await call('PATCH', `/v1/users/${u}/profile`, { set: [{ attribute: 'Diet!', value: 'x' }] }), 400, 'SIRA_ERR_PROFILE_CHANGE_INVALID');
    expectProblem(await call('PATCH', `/v1/users/${u}/profile`, { set: [{ attribute: 'diet', value: 'x', polarity: 'maybe' }] }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call('PATCH', `/v1/users/${u}/profile`, { set: [{ attribute: 'diet', value: 'x' }], extra: 1 }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await call('GET', `/v1/users/${'x'.repeat(200)}/profile`), 400, 'SIRA_ERR_USER_ID_INVALID');
    expectProblem(await call('GET', `/v1/users/${user()}/profile`), 404, 'SIRA_ERR_PROFILE_NOT_FOUND');
    const after = (await call('GET', `/v1/users/${u}/profile`)).body as unknown as Profile;
    expect(after.version).toBe(p.version);
    expect(after.entries.map((e) => e.value)).toEqual(['pescatarian']);
  });

  it('profiles are tenant-scoped: another tenant neither sees nor changes nor deletes them', async () => {
    const u = user();
    await say(await session(u), "I'm keto.");
    expectProblem(await call('GET', `/v1/users/${u}/profile`, undefined, {}, t.authB), 404, 'SIRA_ERR_PROFILE_NOT_FOUND');
    const del = await call('DELETE', `/v1/users/${u}/profile`, undefined, {}, t.authB);
    expect(del.body).toMatchObject({ deleted: { profile: false, sessions: 0 } });
    await call('PATCH', `/v1/users/${u}/profile`, { set: [{ attribute: 'diet', value: 'vegan' }] }, {}, t.authB);
    const mine = (await call('GET', `/v1/users/${u}/profile`)).body as unknown as Profile;
    expect(mine.entries.map((e) => e.value)).toEqual(['keto']);
    const theirs = (await call('GET', `/v1/users/${u}/profile`, undefined, {}, t.authB)).body as unknown as Profile;
    expect(theirs.entries.map((e) => e.value)).toEqual(['vegan']);
  });

  it('DELETE forgets: the profile document is gone from the store, and with sessions=true so are the user’s sessions', async () => {
    const u = user();
    const s1 = await session(u);
    const s2 = await session(u);
    await say(s1, "I'm allergic to peanuts.");
    await say(s2, 'I use Linux.');
    expect(await t.sira.store.getDoc('acme', PROFILES_COLLECTION, u)).toBeDefined();
    const r = await call('DELETE', `/v1/users/${u}/profile?sessions=true`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user_id: u, deleted: { profile: true, queued_turns: 0, sessions: 2 } });
    expect(await t.sira.store.getDoc('acme', PROFILES_COLLECTION, u)).toBeUndefined();
    expect(await t.sira.store.getSession('acme', s1)).toBeUndefined();
    expect((await t.sira.store.listSessions('acme', { user_id: u })).items).toEqual([]);
    expectProblem(await call('GET', `/v1/users/${u}/profile`), 404, 'SIRA_ERR_PROFILE_NOT_FOUND');
  });

  it('deleting a session forgets what it taught: its evidence and the entries only it supported', async () => {
    const u = user();
    const s1 = await session(u);
    const s2 = await session(u);
    await say(s1, 'I live in Lyon. I love jazz.');
    await say(s2, 'I moved to Berlin last month. I love jazz.');
    expect((await call('DELETE', `/v1/sessions/${s2}`)).status).toBe(204);
    const p = (await call('GET', `/v1/users/${u}/profile`)).body as unknown as Profile;
    expect(p.entries.find((e) => e.slot === 'home_city')).toMatchObject({ value: 'Lyon', status: 'current' });
    expect(JSON.stringify(p)).not.toContain('Berlin');
    expect(p.entries.find((e) => e.slot === 'likes/jazz')!.evidence.map((e) => e.session)).toEqual([s1]);
    expect((await call('DELETE', `/v1/sessions/${s1}`)).status).toBe(204);
    const empty = (await call('GET', `/v1/users/${u}/profile`)).body as unknown as Profile;
    expect({ entries: empty.entries, history: empty.history }).toEqual({ entries: [], history: [] });
  });

  it('DELETE also drops turns still queued for extraction, so nothing is re-learned afterwards', async () => {
    const u = user();
    const s = await session(u);
    // Appended through the facade without draining: the turn waits in the queue when DELETE arrives.
    await t.sira.tenant('acme').appendTurns(s, [{ role: 'user', content: "I'm pescatarian." }]);
    const r = await call('DELETE', `/v1/users/${u}/profile`);
    expect(r.status).toBe(200);
    await t.sira.profiles!.drain();
    expect(await t.sira.store.getDoc('acme', PROFILES_COLLECTION, u)).toBeUndefined();
  });

  it('a context request pins the user’s facts after the system prompt, counted exactly against the budget', async () => {
    const u = user();
    const s = await session(u);
    await call('POST', `/v1/sessions/${s}/turns`, { turns: [{ role: 'system', content: 'You are a cooking assistant.' }] });
    await say(s, "I'm vegetarian.", "I don't like cilantro.", 'Please keep answers short.');
    await call('POST', `/v1/sessions/${s}/turns`, { turns: [{ role: 'assistant', content: 'Noted!' }] });
    const r = await call('POST', `/v1/sessions/${s}/context`, { budget_tokens: 2000, query: 'what should I cook tonight?' });
    expect(r.status).toBe(200);
    const body = r.body as { messages: { role: string; content: string }[]; usage: { used: number; budget: number; by_part: Record<string, number> }; profile: { included: boolean; tokens: number; entries: { slot: string }[] } };
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You are a cooking assistant.' });
    const block = body.messages[1]!;
    expect(block.role).toBe('system');
    expect(block.content).toContain('is vegetarian');
    expect(block.content).toContain('dislikes cilantro');
    expect(block.content).toContain('wants short answers');
    expect(body.profile.included).toBe(true);
    expect(body.profile.entries.map((e) => e.slot).sort()).toEqual(['answer_length', 'diet', 'likes/cilantro']);
    const tok = await loadTokenizer('o200k_base');
    expect(body.profile.tokens).toBe(countMessageTokens({ role: 'system', content: block.content }, tok));
    expect(body.usage.by_part.pinned).toBe(body.profile.tokens);
    expect(body.usage.used).toBeLessThanOrEqual(body.usage.budget);

    // A budget too small to give the block half of it: left out, and said so.
    const small = (await call('POST', `/v1/sessions/${s}/context`, { budget_tokens: 60 })).body as typeof body;
    expect(small.profile.included).toBe(false);
    expect(small.messages.some((m) => m.content.includes('is vegetarian'))).toBe(false);
    expect(small.usage.used).toBeLessThanOrEqual(60);
  });
});
