/**
 * Abstractive rolling summaries (memory/rolling-summary): written off the request path by a local node:http
 * server standing in for the summary model, stored with the session, served in later context windows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import { RollingSummarizer, SUMMARY_TENSOR } from '../../src/memory/rolling-summary.ts';
import { json, tempDir, testApp, type TestApp } from '../helpers/app.ts';
import { rm } from 'node:fs/promises';

interface Call {
  auth: string | undefined;
  model: string;
  user: string;
}

/** The stand-in model: its "summary" names the seqs it was shown, after the previous summary when there is one. */
async function summaryModel(): Promise<{ url: string; calls: Call[]; fail: (on: boolean) => void; close: () => Promise<void> }> {
  const calls: Call[] = [];
  let failing = false;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as { model: string; messages: { role: string; content: string }[] };
      const user = body.messages.find((m) => m.role === 'user')!.content;
      calls.push({ auth: req.headers.authorization, model: body.model, user });
      if (failing) {
        res.writeHead(500).end('{"error":"boom"}');
        return;
      }
      const prev = /^Current summary:\n(.*)\n\nUpdate/s.exec(user)?.[1];
      const seqs = [...user.matchAll(/\[#(\d+) /g)].map((m) => m[1]).join(',');
      const content = `${prev === undefined ? '' : `${prev} | `}covered ${seqs}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    fail: (on) => (failing = on),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const turn = (i: number) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `Turn ${i}: the code word for item ${i} is word${i * 7} and we agreed on it after a long discussion about the alternatives, the budget, the schedule and who would own the follow-up work.` });

describe('abstractive rolling summary', () => {
  let llm: Awaited<ReturnType<typeof summaryModel>>;
  let t: TestApp;
  beforeAll(async () => {
    llm = await summaryModel();
  });
  afterAll(() => llm.close());
  beforeEach(async () => {
    llm.calls.length = 0;
    llm.fail(false);
    t = await testApp({ summaryModel: 'tiny-summarizer', summaryUrl: llm.url, summaryApiKey: 'sk-sum', summaryEveryTurns: 10 });
  });
  afterEach(() => t.close());

  const append = async (from: number, to: number) => {
    const turns = Array.from({ length: to - from + 1 }, (_, k) => turn(from + k));
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions/s1/turns', headers: t.auth, payload: { turns } });
    expect(res.statusCode).toBe(201);
  };
  const context = async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions/s1/context', headers: t.auth, payload: { messages: [{ role: 'user', content: 'what is the code word for item 3' }], budget_tokens: 2000 } });
    expect(res.statusCode).toBe(200);
    return json<{ messages: { role: string; content: string }[]; summary?: { kind: string; through_seq?: number; content: string; tokens: number }; usage: { used: number } }>(res);
  };

  it('is written off the request path, then served instead of the extractive one, and rolls forward', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's1' } });
    await append(1, 60);
    const first = await context();
    expect(first.summary?.kind).toBe('extractive'); // nothing stored yet: the request did not wait for the model
    await t.sira.summarizer!.idle();
    expect(llm.calls).toHaveLength(1);
    expect(llm.calls[0]).toMatchObject({ auth: 'Bearer sk-sum', model: 'tiny-summarizer' });
    // Turns 1..50 were summarised; the newest 10 (the window's tail) were not.
    expect(llm.calls[0]!.user).toContain('[#1 assistant]');
    expect(llm.calls[0]!.user).toContain('[#50 ');
    expect(llm.calls[0]!.user).not.toContain('[#51 ');

    const second = await context();
    expect(second.summary).toMatchObject({ kind: 'abstractive', through_seq: 50 });
    expect(second.summary!.content).toContain('covered 1,2,3');
    expect(second.messages.some((m) => m.role === 'system' && m.content === second.summary!.content)).toBe(true);
    expect(second.usage.used).toBeLessThanOrEqual(2000);
    expect(llm.calls).toHaveLength(1); // not stale yet: no new call

    await append(61, 75);
    await context();
    await t.sira.summarizer!.idle();
    expect(llm.calls).toHaveLength(2);
    // Rolling: the previous summary plus only the turns after it.
    expect(llm.calls[1]!.user).toMatch(/^Current summary:\ncovered 1,2,3/);
    expect(llm.calls[1]!.user).toContain('[#51 ');
    expect(llm.calls[1]!.user).not.toContain('[#50 ');
    expect(llm.calls[1]!.user).not.toContain('[#66 ');
    const third = await context();
    expect(third.summary).toMatchObject({ kind: 'abstractive', through_seq: 65 });

    // Service-owned: not in the client's tensor list; gone with the session.
    const list = json<{ tensors: { name: string }[] }>(await t.app.inject({ method: 'GET', url: '/v1/sessions/s1/tensors', headers: t.auth }));
    expect(list.tensors.map((x) => x.name)).not.toContain(SUMMARY_TENSOR);
    await t.app.inject({ method: 'DELETE', url: '/v1/sessions/s1', headers: t.auth });
    expect(await t.sira.store.getTensor('acme', 's1', SUMMARY_TENSOR)).toBeUndefined();
  });

  it('a failing model costs nothing but the summary: context still answers (extractive), the failure is counted', async () => {
    llm.fail(true);
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's1' } });
    await append(1, 60);
    expect((await context()).summary?.kind).toBe('extractive');
    await t.sira.summarizer!.idle();
    expect(t.sira.summarizer!.stats.failed).toBe(1);
    expect((await context()).summary?.kind).toBe('extractive');
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/sira_rolling_summaries\{outcome="failed"\} 1/);
  });

  it('recency strategy never reads or queues summaries', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth, payload: { id: 's1' } });
    await append(1, 40);
    const res = await t.app.inject({ method: 'POST', url: '/v1/sessions/s1/context', headers: t.auth, payload: { budget_tokens: 300, strategy: 'recency' } });
    expect(res.statusCode).toBe(200);
    await t.sira.summarizer!.idle();
    expect(llm.calls).toHaveLength(0);
  });
});

describe('RollingSummarizer', () => {
  it('folds a long backlog in chunk by chunk, each call carrying the previous summary', async () => {
    const llm = await summaryModel();
    const dir = await tempDir();
    const store = await LmdbStore.open({ path: dir });
    try {
      await store.createSession('t', { id: 's' });
      await store.appendTurns('t', 's', Array.from({ length: 30 }, (_, k) => ({ role: 'user' as const, parts: [{ type: 'text' as const, text: turn(k + 1).content }] })));
      const s = new RollingSummarizer(store, { url: llm.url, model: 'm', keepRecent: 5, chunkTokens: 60, everyTurns: 1 });
      expect(await s.refresh('t', 's')).toBe(true);
      expect(llm.calls.length).toBeGreaterThan(2);
      expect(llm.calls[0]!.user.startsWith('Summarise')).toBe(true);
      for (const c of llm.calls.slice(1)) expect(c.user.startsWith('Current summary:')).toBe(true);
      const got = await s.get('t', 's');
      expect(got?.through_seq).toBe(25);
      // Every seq 1..25 was shown exactly once across the chunks.
      const seen = llm.calls.flatMap((c) => [...c.user.matchAll(/\[#(\d+) /g)].map((m) => Number(m[1])));
      expect(seen).toEqual(Array.from({ length: 25 }, (_, k) => k + 1));
      expect(await s.refresh('t', 's')).toBe(false); // nothing new
      expect(s.maybeRefresh('t', 's', 30, got)).toBe(false);
      expect(await s.refresh('t', 'missing')).toBe(false);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await llm.close();
    }
  });
});
