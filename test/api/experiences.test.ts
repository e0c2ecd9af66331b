/**
 * Experiences over real HTTP (a listening server, fetch) on a real LMDB store: CRUD and problem codes, tenant
 * isolation, similar-task search with cluster statistics and lessons, the graph, and persistence of the HNSW
 * index across a restart (reloaded from its file, or rebuilt when the store moved on).
 */
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { VECTOR_INDEX_COLLECTION } from '../../src/memory/vector-index.ts';
import { SiraSession } from '../../src/sira.ts';
import { tempDir } from '../helpers/app.ts';
import { FAMILIES, trajectories } from '../helpers/trajectories.ts';

const KEY_A = 'experiences-key-acme-0001';

interface Svc {
  sira: SiraSession;
  app: FastifyInstance;
  url: string;
  keyB: string;
}

// `embedder: 'none'` unless a test says otherwise: the statistics below are pinned for the lexical hashing embedder
// that stands in without one; the default (static) embedder has its own describe at the end.
async function start(dataDir: string, extra: Record<string, unknown> = {}): Promise<Svc> {
  const sira = await SiraSession.open({ dataDir, sweepIntervalMs: 0, logLevel: 'silent', bootstrapKey: KEY_A, embedder: 'none', ...extra });
  const app = await buildApp({ sira });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const { key: keyB } = await sira.createApiKey('beta', 'test');
  return { sira, app, url, keyB };
}
async function stop(s: Svc): Promise<void> {
  await s.app.close();
  await s.sira.close();
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(s: Svc, method: string, path: string, body?: unknown, key = KEY_A): Promise<{ status: number; type: string; body: Json }> {
  const r = await fetch(`${s.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: text === '' ? {} : (JSON.parse(text) as Json) };
}
function expectProblem(r: { status: number; type: string; body: Json }, status: number, code: string): void {
  expect({ status: r.status, code: r.body.code }).toEqual({ status, code });
  expect(r.type).toMatch(/^application\/problem\+json/);
}

describe('experiences API (LMDB, real HTTP)', () => {
  let dir: string;
  let s: Svc;
  const ids: Record<string, string[]> = {};

  beforeAll(async () => {
    dir = await tempDir();
    s = await start(dir);
    for (const f of FAMILIES) {
      ids[f.name] = [];
      for (const t of trajectories(f, 9)) {
        const r = await call(s, 'POST', '/experiences', t);
        expect(r.status).toBe(201);
        ids[f.name]!.push(r.body.id as string);
      }
    }
  });
  afterAll(async () => {
    await stop(s);
    await rm(dir, { recursive: true, force: true });
  });

  it('POST /v1/experiences stores a run; GET returns it unchanged; the default reward follows the outcome', async () => {
    const r = await call(s, 'POST', '/experiences', { id: 'exp-fixed-1', task: 'summarise the quarterly report', agent_id: 'writer', steps: [{ tool: 'docs', action: 'read', input: { page: 1 }, ok: true }], outcome: 'partial', metadata: { k: [1, 2] } });
    expect(r.status).toBe(201);
    const g = await call(s, 'GET', '/experiences/exp-fixed-1');
    expect(g.body).toMatchObject({ id: 'exp-fixed-1', agent_id: 'writer', outcome: 'partial', reward: 0.5, metadata: { k: [1, 2] }, steps: [{ tool: 'docs', action: 'read', input: { page: 1 }, ok: true }] });
    expect(typeof g.body.created_at).toBe('string');
    expectProblem(await call(s, 'POST', '/experiences', { id: 'exp-fixed-1', task: 'x', agent_id: 'writer', steps: [], outcome: 'success' }), 409, 'SIRA_ERR_EXPERIENCE_EXISTS');
    expect((await call(s, 'GET', '/experiences/exp-fixed-1')).body.task).toBe('summarise the quarterly report');
  });

  it('bad trajectories are SIRA_ERR_EXPERIENCE_INVALID naming the field, and store nothing', async () => {
    const base = { task: 'do a thing', agent_id: 'a1', steps: [{ action: 'x', ok: true }], outcome: 'success' };
    const cases: [unknown, RegExp][] = [
      [{ ...base, task: '' }, /task/],
      [{ ...base, agent_id: 'no spaces allowed' }, /agent_id/],
      [{ ...base, steps: [{ action: 'x' }] }, /steps\[0\]\.ok/],
      [{ ...base, steps: [{ ok: true }] }, /steps\[0\]\.action/],
      [{ ...base, outcome: 'won' }, /outcome/],
      [{ ...base, reward: 'high' }, /reward/],
      [{ ...base, metadata: [1] }, /metadata/],
      [[1, 2], /object/],
    ];
    const before = (await s.sira.store.listDocs('default', 'experiences', { limit: 1000 })).items.length;
    for (const [body, re] of cases) {
      const r = await call(s, 'POST', '/experiences', body);
      expectProblem(r, 400, 'SIRA_ERR_EXPERIENCE_INVALID');
      expect(r.body.detail).toMatch(re);
    }
    expect((await s.sira.store.listDocs('default', 'experiences', { limit: 1000 })).items.length).toBe(before);
    expectProblem(await call(s, 'GET', '/experiences/nope'), 404, 'SIRA_ERR_EXPERIENCE_NOT_FOUND');
    expectProblem(await call(s, 'POST', '/experiences/search', { task: '' }), 400, 'SIRA_ERR_EXPERIENCE_QUERY_INVALID');
    expectProblem(await call(s, 'POST', '/experiences/search', { task: 'x', k: 0 }), 400, 'SIRA_ERR_EXPERIENCE_QUERY_INVALID');
    expectProblem(await call(s, 'GET', '/experiences/graph?threshold=abc'), 400, 'SIRA_ERR_EXPERIENCE_QUERY_INVALID');
  });

  it('search returns same-family runs first, successes before failures, with the cluster’s statistics and lessons', async () => {
    const r = await call(s, 'POST', '/experiences/search', { task: 'a client got charged two times on one invoice; refund it', k: 5 });
    expect(r.status).toBe(200);
    const fams = (r.body.experiences as Json[]).map((e) => e.metadata.family);
    expect(fams).toEqual(Array(5).fill('refund'));
    expect((r.body.experiences as Json[]).slice(0, 3).every((e) => e.outcome === 'success')).toBe(true);
    expect(r.body.experiences[0].similarity).toBeGreaterThan(0);
    // 9 refund runs: 6 successes, 3 failures (trajectories(): every third fails).
    expect(r.body.cluster).toMatchObject({ runs: 9, success: 6, failure: 3, success_rate: 0.6667, mean_reward: 0.6667 });
    expect(new Set(r.body.cluster.ids)).toEqual(new Set(ids.refund));
    expect(r.body.lessons.do[0].pattern).toEqual(['billing:lookup_invoice', 'billing:verify_duplicate', 'billing:refund']);
    expect(r.body.lessons.failed_steps).toEqual([{ step: 'billing:refund', runs: 3 }]);
    expect(r.body.lessons.text.length).toBeGreaterThan(0);
    expect(r.body.embedding.model).toBe('hash-terms-512');
  });

  it('agent_id restricts the search to that agent’s runs', async () => {
    const r = await call(s, 'POST', '/experiences/search', { task: 'summarise the quarterly report', agent_id: 'writer' });
    expect((r.body.experiences as Json[]).map((e) => e.id)).toEqual(['exp-fixed-1']);
    const none = await call(s, 'POST', '/experiences/search', { task: 'summarise the quarterly report', agent_id: 'nobody' });
    expect(none.body.experiences).toEqual([]);
    expect(none.body.cluster.runs).toBe(0);
  });

  it('another tenant sees none of these runs, by id or by search', async () => {
    expectProblem(await call(s, 'GET', `/experiences/${ids.refund![0]}`, undefined, s.keyB), 404, 'SIRA_ERR_EXPERIENCE_NOT_FOUND');
    expectProblem(await call(s, 'DELETE', `/experiences/${ids.refund![0]}`, undefined, s.keyB), 404, 'SIRA_ERR_EXPERIENCE_NOT_FOUND');
    const r = await call(s, 'POST', '/experiences/search', { task: 'refund the duplicate charge on the customer invoice' }, s.keyB);
    expect(r.body.experiences).toEqual([]);
    await call(s, 'POST', '/experiences', trajectories(FAMILIES[1]!, 1)[0], s.keyB);
    const mine = await call(s, 'POST', '/experiences/search', { task: 'book a flight from berlin to lisbon next friday', k: 100 }, s.keyB);
    expect(mine.body.experiences).toHaveLength(1);
  });

  it('GET /v1/experiences/graph counts cluster → strategy → outcome', async () => {
    const r = await call(s, 'GET', '/experiences/graph?threshold=0.3');
    expect(r.status).toBe(200);
    const g = r.body;
    expect(g.runs).toBe(28);
    const clusters = (g.nodes as Json[]).filter((n) => n.kind === 'cluster');
    expect(clusters.length).toBe(g.clusters);
    expect(clusters.reduce((a, n) => a + n.runs, 0)).toBe(28);
    const out = (id: string) => (g.edges as Json[]).filter((e) => e.from === id).reduce((a, e) => a + e.runs, 0);
    const into = (id: string) => (g.edges as Json[]).filter((e) => e.to === id).reduce((a, e) => a + e.runs, 0);
    for (const c of clusters) expect(out(c.id)).toBe(c.runs);
    for (const st of (g.nodes as Json[]).filter((n) => n.kind === 'strategy')) expect(into(st.id)).toBe(out(st.id));
    expect(into('outcome:success') + into('outcome:failure') + into('outcome:partial')).toBe(28);
    const refundWin = (g.nodes as Json[]).find((n) => n.kind === 'strategy' && n.label === 'billing:lookup_invoice → billing:verify_duplicate → billing:refund → reply');
    expect(refundWin).toMatchObject({ runs: 6, success_rate: 1 });
  });

  it('a neighbourhood with no split is capped at the 20 nearest runs', async () => {
    const g = s.sira.tenant('gamma');
    for (let i = 0; i < 25; i++) await g.putExperience({ task: `rotate the api keys of service ${i % 2 ? 'alpha' : 'beta'}`, agent_id: 'ops', steps: [{ action: 'rotate', ok: true }], outcome: 'success' });
    const r = await g.searchExperiences({ task: 'rotate the api keys of service gamma' });
    expect(r.cluster.runs).toBe(20);
  });

  it('DELETE removes the run from the store and from searches', async () => {
    const gone = ids.flight![0]!;
    expect((await call(s, 'DELETE', `/experiences/${gone}`)).status).toBe(204);
    expectProblem(await call(s, 'GET', `/experiences/${gone}`), 404, 'SIRA_ERR_EXPERIENCE_NOT_FOUND');
    const r = await call(s, 'POST', '/experiences/search', { task: 'book a flight from berlin to lisbon next friday', k: 100 });
    expect((r.body.experiences as Json[]).map((e) => e.id)).not.toContain(gone);
    expect(r.body.cluster.runs).toBe(8);
  });

  it('after a restart the index is loaded from its file (deletes kept); when the store moved on it is rebuilt', async () => {
    const before = await call(s, 'POST', '/experiences/search', { task: 'fix the failing parser unit test', k: 10 });
    await stop(s);
    s = await start(dir);
    const after = await call(s, 'POST', '/experiences/search', { task: 'fix the failing parser unit test', k: 10 });
    expect(after.body.experiences.map((e: Json) => e.id)).toEqual(before.body.experiences.map((e: Json) => e.id));
    const flight = await call(s, 'POST', '/experiences/search', { task: 'book a flight from berlin to lisbon next friday', k: 100 });
    expect((flight.body.experiences as Json[]).map((e) => e.id)).not.toContain(ids.flight![0]);
    // A delete the index never saw (made straight in the store, as another instance would, with its counter bump).
    const sneaky = ids.bug![1]!;
    await stop(s);
    const raw = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
    await raw.store.deleteDoc('default', 'experiences', sneaky);
    await raw.store.putDoc('default', VECTOR_INDEX_COLLECTION, 'experiences', new Uint8Array(0));
    await raw.close();
    s = await start(dir);
    const rebuilt = await call(s, 'POST', '/experiences/search', { task: 'fix the failing parser unit test', k: 10 });
    expect((rebuilt.body.experiences as Json[]).map((e) => e.id)).not.toContain(sneaky);
    expect(rebuilt.body.cluster.runs).toBe(8);
  });
});

describe('written lessons from an OpenAI-compatible endpoint (a local stand-in), off the request path', () => {
  let dir: string;
  let s: Svc;
  let llm: Server;
  const seen: Json[] = [];
  let answer = '- Look up the invoice and verify the duplicate before refunding.\n- Do not refund blindly.';

  beforeAll(async () => {
    llm = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: answer } }] }));
      });
    });
    await new Promise<void>((r) => llm.listen(0, '127.0.0.1', r));
    dir = await tempDir();
    s = await start(dir, { upstreamUrl: `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`, upstreamApiKey: 'up-key', lessonsModel: 'lesson-writer' });
    for (const t of trajectories(FAMILIES[0]!, 6)) await call(s, 'POST', '/experiences', t);
  });
  afterAll(async () => {
    await stop(s);
    llm.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the first search answers pending (the LLM is not on its path); once written, searches return the lessons', async () => {
    const q = { task: 'issue a refund for an invoice charged twice' };
    const first = await call(s, 'POST', '/experiences/search', q);
    expect(first.body.lessons.written).toEqual({ status: 'pending' });
    expect(first.body.lessons.do.length).toBeGreaterThan(0);
    await s.sira.lessons!.drain();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: '/v1/chat/completions', auth: 'Bearer up-key', body: { model: 'lesson-writer' } });
    expect(JSON.stringify(seen[0]!.body.messages)).toContain('billing:lookup_invoice');
    const second = await call(s, 'POST', '/experiences/search', q);
    expect(second.body.lessons.written).toMatchObject({ status: 'ready', model: 'lesson-writer', runs: 6, lessons: ['Look up the invoice and verify the duplicate before refunding.', 'Do not refund blindly.'] });
    // Stored: the same cluster does not ask again.
    await s.sira.lessons!.drain();
    expect(seen).toHaveLength(1);
  });

  it('a new run changes the cluster, so its lessons are written again', async () => {
    answer = '- Verify first.';
    await call(s, 'POST', '/experiences', trajectories(FAMILIES[0]!, 7)[6]);
    const q = { task: 'issue a refund for an invoice charged twice' };
    expect((await call(s, 'POST', '/experiences/search', q)).body.lessons.written.status).toBe('pending');
    await s.sira.lessons!.drain();
    expect((await call(s, 'POST', '/experiences/search', q)).body.lessons.written).toMatchObject({ status: 'ready', lessons: ['Verify first.'], runs: 7 });
  });
});

describe('experiences with the default (static) embedder', () => {
  let dir: string;
  let s: Svc;
  beforeAll(async () => {
    dir = await tempDir();
    s = await start(dir, { embedder: 'static' });
    for (const f of FAMILIES) for (const t of trajectories(f, 9)) expect((await call(s, 'POST', '/experiences', t)).status).toBe(201);
  });
  afterAll(async () => {
    await stop(s);
    await rm(dir, { recursive: true, force: true });
  });

  it('a task worded with other words finds its family first', async () => {
    const cases: [string, string][] = [
      ['a client got charged two times on one invoice; money back please', 'refund'],
      ['get me an airline seat from berlin to lisbon for friday', 'flight'],
      ['repair the broken test of the parser', 'bug'],
    ];
    for (const [task, family] of cases) {
      const r = await call(s, 'POST', '/experiences/search', { task, k: 3 });
      expect(r.body.embedding.model).toBe('static-embed-v3');
      expect(r.body.experiences[0].metadata.family).toBe(family);
    }
  });
});
