import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/core/config.ts';
import { makeTinyBert } from '../../training/make-tiny-bert.ts';
import { createHashEmbedder, type HashEmbedder } from '../helpers/hash-embedder.ts';
import { json, openTestSira, tempDir, testApp, type TestApp } from '../helpers/app.ts';

type Status = { embedder: string | null; done: number; pending: number; pending_seqs: number[] };
type Ctx = { expansion: string[]; selected: { seq: number; components: Record<string, number> }[]; usage: { embedding?: { model: string; query_ms: number; turns_embedded: number; error?: string } } };

describe('enrichment: embeddings after the append, status, dense relevance', () => {
  let t: TestApp;
  let e: HashEmbedder;
  let id: string;
  const url = () => `/v1/sessions/${id}`;
  beforeAll(async () => {
    e = createHashEmbedder();
    t = await testApp({ embedMaxDelayMs: 60_000 }, {}, { embedder: e });
    id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
  });
  afterAll(() => t.close());

  it('an append is acknowledged before its turns are embedded; GET /enrichment shows them pending, then done', async () => {
    const turns = Array.from({ length: 70 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: i === 20 ? 'my favourite colour is teal' : `small talk number ${i}` }));
    const r = await t.app.inject({ method: 'POST', url: `${url()}/turns`, headers: t.auth, payload: { turns } });
    expect(r.statusCode).toBe(201);
    expect(e.batches).toEqual([]);
    const before = json<Status>(await t.app.inject({ method: 'GET', url: `${url()}/enrichment`, headers: t.auth }));
    expect(before).toMatchObject({ embedder: 'test-hash', done: 0, pending: 70 });
    expect(before.pending_seqs.slice(0, 3)).toEqual([1, 2, 3]);
    await t.sira.enrichment!.drain();
    const after = json<Status>(await t.app.inject({ method: 'GET', url: `${url()}/enrichment`, headers: t.auth }));
    expect(after).toEqual({ embedder: 'test-hash', done: 70, pending: 0, pending_seqs: [] });
    // 70 turns span two 64-row chunks, stored as service-owned tensors that clients do not see.
    const names = ((await t.sira.store.listTensors('acme', id)) ?? []).map((x) => x.name);
    expect(names.filter((n) => n.startsWith('_emb/test-hash/'))).toHaveLength(2);
    expect((await t.sira.tenant('acme').listTensors(id)).filter((x) => x.name.startsWith('_'))).toEqual([]);
  });

  it('a context request carries dense components and reports the query embedding in usage.embedding', async () => {
    const r = await t.app.inject({ method: 'POST', url: `${url()}/context`, headers: t.auth, payload: { query: 'teal colour favourite', budget_tokens: 200, explain: true } });
    expect(r.statusCode).toBe(200);
    const c = json<Ctx>(r);
    expect(c.usage.embedding).toMatchObject({ model: 'test-hash', turns_embedded: 70 });
    expect(c.usage.embedding!.query_ms).toBeGreaterThanOrEqual(0);
    const hit = c.selected.find((s) => s.seq === 21);
    expect(hit?.components.dense).toBeGreaterThan(0.5);
  });

  it('turns found without a vector are queued again (backfill) by a context request', async () => {
    await t.sira.tenant('acme').deleteTensor(id, '_emb/test-hash/0');
    expect(json<Status>(await t.app.inject({ method: 'GET', url: `${url()}/enrichment`, headers: t.auth })).pending).toBe(63);
    const c = json<Ctx>(await t.app.inject({ method: 'POST', url: `${url()}/context`, headers: t.auth, payload: { query: 'teal', budget_tokens: 200 } }));
    expect(c.usage.embedding!.turns_embedded).toBe(7);
    await t.sira.enrichment!.drain();
    expect(json<Status>(await t.app.inject({ method: 'GET', url: `${url()}/enrichment`, headers: t.auth })).pending).toBe(0);
  });

  it('a failing embedder never fails the append or the context request: turns stay pending, dense is left out', async () => {
    e.fail = true;
    const s2 = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
    const r = await t.app.inject({ method: 'POST', url: `/v1/sessions/${s2}/turns`, headers: t.auth, payload: { turns: [{ role: 'user', content: 'hello there' }] } });
    expect(r.statusCode).toBe(201);
    await t.sira.enrichment!.drain();
    expect(json<Status>(await t.app.inject({ method: 'GET', url: `/v1/sessions/${s2}/enrichment`, headers: t.auth })).pending).toBe(1);
    const c = json<Ctx>(await t.app.inject({ method: 'POST', url: `/v1/sessions/${s2}/context`, headers: t.auth, payload: { query: 'a new question', budget_tokens: 200, explain: true } }));
    expect(c.usage.embedding!.error).toContain('embedder down');
    expect(c.selected.every((s) => s.components.dense === undefined)).toBe(true);
    e.fail = false;
    await t.sira.enrichment!.drain();
  });

  it("with embedder 'none' GET /enrichment says embedder null and every turn pending", async () => {
    const plain = await testApp({ embedder: 'none' });
    try {
      const s = json<{ id: string }>(await plain.app.inject({ method: 'POST', url: '/v1/sessions', headers: plain.auth })).id;
      await plain.app.inject({ method: 'POST', url: `/v1/sessions/${s}/turns`, headers: plain.auth, payload: { turns: [{ role: 'user', content: 'x' }] } });
      expect(json<Status>(await plain.app.inject({ method: 'GET', url: `/v1/sessions/${s}/enrichment`, headers: plain.auth }))).toEqual({ embedder: null, done: 0, pending: 1, pending_seqs: [1] });
      const c = json<Ctx>(await plain.app.inject({ method: 'POST', url: `/v1/sessions/${s}/context`, headers: plain.auth, payload: { query: 'x', budget_tokens: 100 } }));
      expect(c.usage.embedding).toBeUndefined();
      expect((await plain.app.inject({ method: 'GET', url: '/v1/sessions/nope/enrichment', headers: plain.auth })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('enrichment with the default (static) embedder', () => {
  let t: TestApp;
  let id: string;
  const url = () => `/v1/sessions/${id}`;
  beforeAll(async () => {
    t = await testApp({ embedMaxDelayMs: 60_000 });
    id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
  });
  afterAll(() => t.close());

  it('the default embedder is static; appended turns are embedded inline, with no queue behind the append', async () => {
    expect(resolveConfig({}).embedder).toBe('static');
    const turns = Array.from({ length: 70 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: i === 20 ? 'my favourite colour is teal' : `small talk about the weather, number ${i}` }));
    expect((await t.app.inject({ method: 'POST', url: `${url()}/turns`, headers: t.auth, payload: { turns } })).statusCode).toBe(201);
    // Done before any drain: the vectors were computed at append; only their store write runs behind it.
    expect(json<Status>(await t.app.inject({ method: 'GET', url: `${url()}/enrichment`, headers: t.auth }))).toEqual({ embedder: 'static-embed-v3', done: 70, pending: 0, pending_seqs: [] });
    expect(t.sira.enrichment!.queue.stats()).toMatchObject({ queued: 0, inFlight: 0, embedded: 0 });
    await t.sira.enrichment!.drain();
    const names = ((await t.sira.store.listTensors('acme', id)) ?? []).map((x) => x.name);
    expect(names.filter((n) => n.startsWith('_emb/static-embed-v3/'))).toHaveLength(2);
  });

  it('a context request scores every turn densely, the paraphrased fact highest', async () => {
    const c = json<Ctx>(await t.app.inject({ method: 'POST', url: `${url()}/context`, headers: t.auth, payload: { query: 'Which color does the user like best?', budget_tokens: 2000, explain: true } }));
    expect(c.usage.embedding).toMatchObject({ model: 'static-embed-v3', turns_embedded: 70 });
    const dense = c.selected.filter((s) => s.components.dense !== undefined).sort((a, b) => b.components.dense! - a.components.dense!);
    expect(dense[0]?.seq).toBe(21);
    // The static embedder is also the engine's word embedder: "color" brings in the session's "colour".
    expect(c.expansion).toContain('colou');
  });

  it('turns found without a vector are embedded inline by the context request and written behind it', async () => {
    await t.sira.tenant('acme').deleteTensor(id, '_emb/static-embed-v3/0');
    expect(json<Status>(await t.app.inject({ method: 'GET', url: `${url()}/enrichment`, headers: t.auth })).pending).toBe(63);
    const c = json<Ctx>(await t.app.inject({ method: 'POST', url: `${url()}/context`, headers: t.auth, payload: { query: 'teal', budget_tokens: 200 } }));
    expect(c.usage.embedding!.turns_embedded).toBe(70);
    await t.sira.enrichment!.drain();
    expect(json<Status>(await t.app.inject({ method: 'GET', url: `${url()}/enrichment`, headers: t.auth })).pending).toBe(0);
    expect(t.sira.enrichment!.writeFailures).toBe(0);
  });
});

describe('enrichment configured by options', () => {
  it("embedder: 'onnx' with a local model directory embeds appended turns (tiny BERT, no network)", async () => {
    const root = await tempDir('sira-onnx-opt-');
    const model = makeTinyBert(join(root, 'tiny-bert'));
    const { sira, cleanup } = await openTestSira({ embedder: 'onnx', embedderModel: model });
    try {
      const t = sira.tenant('acme');
      const s = await t.createSession();
      await t.appendTurns(s.id, [{ role: 'user', content: 'the hotel has a window seat' }, { role: 'assistant', content: 'noted' }]);
      await sira.enrichment!.drain();
      expect(await t.enrichmentStatus(s.id)).toEqual({ embedder: 'onnx:tiny-bert', done: 2, pending: 0, pending_seqs: [] });
      const c = await t.buildContext(s.id, { query: 'hotel window', budget_tokens: 200 });
      expect(c.usage.embedding).toMatchObject({ model: 'onnx:tiny-bert', turns_embedded: 2 });
    } finally {
      await cleanup();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('an openai or onnx embedder without its required options is SIRA_ERR_CONFIG_INVALID', () => {
    expect(() => resolveConfig({ embedder: 'openai', embedderModel: 'm' })).toThrow(/embedderUrl/);
    expect(() => resolveConfig({ embedder: 'onnx' })).toThrow(/embedderModel/);
    expect(resolveConfig({ embedder: 'openai', embedderUrl: 'http://127.0.0.1:1/v1', embedderModel: 'm', embedderDim: 8 }).embedder).toBe('openai');
  });
});
