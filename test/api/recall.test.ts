/**
 * Outside candidates of a context request over real HTTP on a real LMDB store: turns of the same user's earlier
 * sessions (cross-session recall over a per-user HNSW index of the stored turn embeddings) and the calling
 * agent's experiences, rendered as one labelled system message and explained in `external`.
 */
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { manualClock } from '../../src/core/clock.ts';
import { SiraSession } from '../../src/sira.ts';
import { tempDir } from '../helpers/app.ts';
import { createHashEmbedder } from '../helpers/hash-embedder.ts';
import { FAMILIES, trajectories } from '../helpers/trajectories.ts';

const KEY = 'recall-test-key-000000001';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Svc {
  sira: SiraSession;
  app: FastifyInstance;
  url: string;
}
const clock = manualClock();
async function start(dir: string, extra: Record<string, unknown> = {}): Promise<Svc> {
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', bootstrapKey: KEY, embedMaxDelayMs: 0, ...extra }, { embedder: createHashEmbedder(), clock });
  const app = await buildApp({ sira });
  return { sira, app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}
async function stop(s: Svc): Promise<void> {
  await s.app.close();
  await s.sira.close();
}
async function call(s: Svc, method: string, path: string, body?: unknown, key = KEY): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${s.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}
async function session(s: Svc, user: string | undefined, texts: string[], key = KEY): Promise<string> {
  clock.advance(1000);
  const id = (await call(s, 'POST', '/sessions', user === undefined ? {} : { user_id: user }, key)).body.id as string;
  const turns = texts.map((t, i) => ({ role: i % 2 ? 'assistant' : 'user', content: t }));
  expect((await call(s, 'POST', `/sessions/${id}/turns`, { turns }, key)).status).toBe(201);
  await s.sira.enrichment!.drain();
  return id;
}
const ctx = (s: Svc, id: string, body: Json, key = KEY) => call(s, 'POST', `/sessions/${id}/context`, { budget_tokens: 2000, ...body }, key);
const recalled = (r: { body: Json }) => ((r.body.external?.selected ?? []) as Json[]).filter((x) => x.source === 'session');

describe('cross-session recall', () => {
  let dir: string;
  let s: Svc;
  let earlier: string;
  let otherUser: string;
  let current: string;
  let later: string;
  beforeAll(async () => {
    dir = await tempDir();
    s = await start(dir);
    earlier = await session(s, 'u1', ['hello there', 'hi, how can I help', 'my dog is named Biscuit and he loves the beach', 'nice name']);
    otherUser = await session(s, 'u2', ['my dog is named Rex and he loves the beach', 'cool']);
    current = await session(s, 'u1', ['good morning', 'morning! what can I do?']);
    later = await session(s, 'u1', ['my dog Biscuit ate my homework at the beach']);
  });
  afterAll(async () => {
    await stop(s);
    await rm(dir, { recursive: true, force: true });
  });

  it('cross_session: true offers the best turns of the same user’s earlier sessions, labelled, with session id and seq', async () => {
    const r = await ctx(s, current, { query: 'what is my dog called, the one that loves the beach?', cross_session: true });
    expect(r.status).toBe(200);
    const got = recalled(r);
    expect(got[0]).toMatchObject({ source: 'session', id: `${earlier}#3`, ref: { session_id: earlier, seq: 3 }, reason: 'score' });
    // Never another user's session, the current one, or one created after it.
    const sessions = new Set(got.map((x) => x.ref.session_id));
    expect(sessions.has(otherUser)).toBe(false);
    expect(sessions.has(current)).toBe(false);
    expect(sessions.has(later)).toBe(false);
    const block = (r.body.messages as Json[]).find((m) => m.role === 'system' && String(m.content).includes('earlier session'));
    expect(String(block?.content)).toContain(`earlier session ${earlier}#3`);
    expect(r.body.usage.by_part.external).toBe(r.body.external.tokens);
  });

  it('is off by default, and for a session without a user', async () => {
    const r = await ctx(s, current, { query: 'what is my dog called?' });
    expect(r.body.external).toBeUndefined();
    const anon = await session(s, undefined, ['my dog is named Biscuit']);
    const a = await ctx(s, anon, { query: 'what is my dog called?', cross_session: true });
    expect(recalled(a)).toEqual([]);
  });

  it('another tenant’s user of the same id is never recalled', async () => {
    const { key } = await s.sira.createApiKey('beta', 'test');
    await session(s, 'u1', ['my dog is named Pickles and he loves the beach'], key);
    const mine = await ctx(s, current, { query: 'my dog loves the beach', cross_session: true });
    expect(JSON.stringify(mine.body.messages)).not.toContain('Pickles');
    const theirs = await session(s, 'u1', ['hello'], key);
    const r = await ctx(s, theirs, { query: 'my dog loves the beach', cross_session: true }, key);
    expect(JSON.stringify(r.body.messages)).toContain('Pickles');
    expect(JSON.stringify(r.body.messages)).not.toContain('Biscuit');
  });

  it('turns appended to an earlier session later are found; a deleted session is forgotten', async () => {
    await call(s, 'POST', `/sessions/${earlier}/turns`, { turns: [{ role: 'user', content: 'my cat is called Mittens' }] });
    await s.sira.enrichment!.drain();
    const r = await ctx(s, current, { query: 'what is my cat called, Mittens?', cross_session: true });
    expect(recalled(r)[0]).toMatchObject({ id: `${earlier}#5` });
    expect((await call(s, 'DELETE', `/sessions/${earlier}`)).status).toBe(204);
    const after = await ctx(s, current, { query: 'what is my dog called, the one that loves the beach?', cross_session: true });
    expect(recalled(after).map((x) => x.ref.session_id)).not.toContain(earlier);
    expect(JSON.stringify(after.body.messages)).not.toContain('Biscuit');
  });

  it('the service default crossSessionRecall applies when the request does not say, and survives a restart', async () => {
    const e2 = await session(s, 'u3', ['I prefer window seats on long flights']);
    const c2 = await session(s, 'u3', ['hi']);
    expect(recalled(await ctx(s, c2, { query: 'which seat do I prefer on flights?', cross_session: true }))[0]).toMatchObject({ id: `${e2}#1` });
    await stop(s);
    s = await start(dir, { crossSessionRecall: true });
    const r = await ctx(s, c2, { query: 'which seat do I prefer on flights?' });
    expect(recalled(r)[0]).toMatchObject({ id: `${e2}#1` });
    expect((await ctx(s, c2, { query: 'which seat do I prefer on flights?', cross_session: false })).body.external).toBeUndefined();
  });
});

describe('experiences as context candidates (agent_id)', () => {
  let dir: string;
  let s: Svc;
  beforeAll(async () => {
    dir = await tempDir();
    s = await start(dir);
    for (const f of FAMILIES) for (const t of trajectories(f, 6, 'support-bot')) await call(s, 'POST', '/experiences', t);
    for (const t of trajectories(FAMILIES[0]!, 3, 'other-bot')) await call(s, 'POST', '/experiences', { ...t, task: `${t.task as string} OTHERBOT` });
  });
  afterAll(async () => {
    await stop(s);
    await rm(dir, { recursive: true, force: true });
  });

  it('a request naming the agent gets its most useful past runs and the cluster’s lessons in the labelled block', async () => {
    const id = await session(s, undefined, ['hello', 'hi']);
    const r = await ctx(s, id, { query: 'the customer was charged twice on the invoice, please refund', agent_id: 'support-bot', explain: true });
    expect(r.status).toBe(200);
    const sel = (r.body.external.selected as Json[]).filter((x) => x.source === 'experience');
    expect(sel.length).toBeGreaterThan(1);
    const block = String((r.body.messages as Json[]).find((m) => m.role === 'system' && String(m.content).includes('[experience'))?.content);
    expect(block).toContain('billing:lookup_invoice → billing:verify_duplicate → billing:refund');
    expect(block).toContain('success rate 67%');
    expect(block).not.toContain('OTHERBOT');
    expect(JSON.stringify(r.body.messages)).not.toContain('flights:');
  });

  it('the gateway routes take the agent from X-Sira-Agent', async () => {
    const id = await session(s, undefined, ['hello']);
    const r = await fetch(`${s.url}/v1/context/enrich`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-sira-session': id, 'x-sira-agent': 'support-bot', 'x-sira-budget-tokens': '2000' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'the customer was charged twice on the invoice, please refund' }] }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as Json;
    expect(JSON.stringify(body.messages)).toContain('billing:lookup_invoice → billing:verify_duplicate → billing:refund');
  });

  it('an invalid agent_id is SIRA_ERR_REQUEST_INVALID; an agent without runs adds nothing', async () => {
    const id = await session(s, undefined, ['hello']);
    const bad = await ctx(s, id, { query: 'refund', agent_id: 'not valid!' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('SIRA_ERR_REQUEST_INVALID');
    const none = await ctx(s, id, { query: 'refund', agent_id: 'nobody' });
    expect(none.status).toBe(200);
    expect(none.body.external?.selected ?? []).toEqual([]);
    expect(JSON.stringify(none.body.messages)).not.toContain('[experience');
  });
});
