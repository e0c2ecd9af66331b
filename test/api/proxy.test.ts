/**
 * The gateway routes: `POST /v1/context/enrich` and the OpenAI-compatible proxy `POST /v1/chat/completions`,
 * against a local node:http server standing in for the upstream model endpoint.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: { model?: string; messages: { role: string; content: unknown }[]; stream?: boolean; temperature?: number };
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: Received['body']) => void;

/** A stand-in upstream: records each request and answers with the current handler. */
async function upstream(): Promise<{ url: string; received: Received[]; handle: (h: Handler) => void; close: () => Promise<void> }> {
  const received: Received[] = [];
  let handler: Handler = (_req, res) => res.end();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as Received['body'];
      received.push({ headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    handle: (h) => (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const completion = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'test-model',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 50, completion_tokens: 5, total_tokens: 55 },
});

type WireTurn = { seq: number; role: string; content: unknown; metadata: Record<string, unknown> | null };

describe('gateway routes', () => {
  let up: Awaited<ReturnType<typeof upstream>>;
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    up = await upstream();
    t = await testApp({ upstreamUrl: up.url, upstreamApiKey: 'sk-upstream-secret' });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });
  afterEach(() => {
    up.received.length = 0;
  });

  /** A session holding a system prompt, a fact and some small talk. */
  const session = async (): Promise<string> => {
    const id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
    const turns: unknown[] = [{ role: 'system', content: 'You are a concise travel assistant.' }];
    turns.push({ role: 'user', content: 'Our flight to Lisbon departs at 7:40 on March 3.' }, { role: 'assistant', content: 'Noted.' });
    for (let i = 0; i < 6; i++) turns.push({ role: i % 2 ? 'assistant' : 'user', content: `Chat ${i}: pasta and football.` });
    expect((await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns } })).statusCode).toBe(201);
    return id;
  };
  const turns = async (id: string) => json<{ turns: WireTurn[] }>(await t.app.inject({ method: 'GET', url: `/v1/sessions/${id}/turns`, headers: t.auth })).turns;
  const chat = (id: string | undefined, payload: object) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...t.auth, ...(id === undefined ? {} : { 'x-sira-session': id }), 'x-sira-budget-tokens': '2000' },
      payload,
    });
  const question = { role: 'user', content: 'When does the Lisbon flight leave?' };

  it('enrich: messages become the context window (request messages last), every other field unchanged', async () => {
    const id = await session();
    const req = { model: 'gpt-4o', messages: [question], temperature: 0.2, tools: [{ type: 'function', function: { name: 'f' } }], user: 'u1' };
    const res = await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: { ...t.auth, 'x-sira-session': id, 'x-sira-budget-tokens': '2000' }, payload: req });
    expect(res.statusCode).toBe(200);
    const body = json<typeof req>(res);
    expect({ ...body, messages: undefined }).toEqual({ ...req, messages: undefined });
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You are a concise travel assistant.' });
    expect(body.messages.at(-1)).toEqual(question);
    expect(JSON.stringify(body.messages)).toContain('7:40 on March 3');
    const used = Number(res.headers['x-sira-context-used-tokens']);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(2000);
    expect(await turns(id)).toHaveLength(9); // enrich records nothing
    // The model alone gives the budget; an unknown model needs the header.
    const byModel = await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: { ...t.auth, 'x-sira-session': id }, payload: req });
    expect(byModel.statusCode).toBe(200);
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: { ...t.auth, 'x-sira-session': id }, payload: { ...req, model: 'my-llm' } });
    expectProblem(unknown, 400, 'SIRA_ERR_CONTEXT_MODEL_UNKNOWN');
  });

  it('enrich: a missing X-Sira-Session is 400, an unknown session 404, a bad budget 400', async () => {
    const payload = { model: 'gpt-4o', messages: [question] };
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: t.auth, payload }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: { ...t.auth, 'x-sira-session': 'nope' }, payload }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    const id = await session();
    const bad = await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: { ...t.auth, 'x-sira-session': id, 'x-sira-budget-tokens': 'lots' }, payload });
    expectProblem(bad, 400, 'SIRA_ERR_CONTEXT_BUDGET_INVALID');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/context/enrich', headers: { ...t.auth, 'x-sira-session': id }, payload: {} }), 400, 'SIRA_ERR_REQUEST_INVALID');
  });

  it('proxy: the upstream gets the enriched messages and its own key; both turns are recorded with seqs', async () => {
    const id = await session();
    up.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion('At 7:40 on March 3.')));
    });
    const res = await chat(id, { model: 'test-model', messages: [question], temperature: 0 });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual(completion('At 7:40 on March 3.'));
    expect(Number(res.headers['x-sira-context-used-tokens'])).toBeGreaterThan(0);
    expect(up.received).toHaveLength(1);
    const sent = up.received[0]!;
    expect(sent.headers.authorization).toBe('Bearer sk-upstream-secret');
    expect(sent.headers.authorization).not.toContain(t.key);
    expect(sent.body).toMatchObject({ model: 'test-model', temperature: 0 });
    expect(sent.body.messages[0]).toEqual({ role: 'system', content: 'You are a concise travel assistant.' });
    expect(sent.body.messages.at(-1)).toEqual(question);
    expect(JSON.stringify(sent.body.messages)).toContain('7:40 on March 3');
    const after = await turns(id);
    expect(after.slice(9)).toEqual([
      expect.objectContaining({ seq: 10, role: 'user', content: question.content }),
      expect.objectContaining({
        seq: 11,
        role: 'assistant',
        content: 'At 7:40 on March 3.',
        metadata: { model: 'test-model', upstream_id: 'chatcmpl-1', usage: { prompt_tokens: 50, completion_tokens: 5, total_tokens: 55 } },
      }),
    ]);
  });

  it('proxy: tool calls in the reply are recorded as tool_call parts', async () => {
    const id = await session();
    up.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = completion('');
      body.choices[0]!.message = { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'flight_status', arguments: '{"to":"LIS"}' } }] } as never;
      res.end(JSON.stringify(body));
    });
    expect((await chat(id, { model: 'test-model', messages: [question] })).statusCode).toBe(200);
    expect((await turns(id)).at(-1)).toMatchObject({ role: 'assistant', content: [{ type: 'tool_call', id: 'call_9', name: 'flight_status', arguments: '{"to":"LIS"}' }] });
  });

  it('proxy: the user message\'s media are recorded; a large inline image as a blob reference, a small one inline', async () => {
    const id = await session();
    up.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion('A receipt.')));
    });
    const big = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7) % 256));
    const small = Buffer.from([1, 2, 3]);
    const message = {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${big.toString('base64')}`, detail: 'high' } },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${small.toString('base64')}` } },
      ],
    };
    const res = await chat(id, { model: 'test-model', messages: [message] });
    expect(res.statusCode).toBe(200);
    // The upstream gets the image bytes as sent.
    expect(JSON.stringify(up.received[0]!.body.messages.at(-1))).toContain(big.toString('base64'));
    const [user] = (await turns(id)).slice(9);
    const sha = createHash('sha256').update(big).digest('hex');
    expect(user!.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', mime: 'image/png', blob: { sha256: sha, size: big.byteLength, mime: 'image/png' }, detail: 'high' },
      { type: 'image', mime: 'image/png', data: small.toString('base64') },
    ]);
    const blob = await t.app.inject({ method: 'GET', url: `/v1/blobs/${sha}`, headers: t.auth });
    expect(blob.statusCode).toBe(200);
    expect(Buffer.from(blob.rawPayload).equals(big)).toBe(true);
  });

  it('proxy: stream: true passes each SSE chunk through as it arrives, then records the assembled reply', async () => {
    const id = await session();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const chunk = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ id: 'chatcmpl-s', model: 'test-model', choices: [{ index: 0, delta }], ...extra })}\n\n`;
    const first = chunk({ role: 'assistant', content: 'At 7:40' });
    const rest = [chunk({ content: ' on March 3.' }), chunk({}, { choices: [], usage: { total_tokens: 60 } }), 'data: [DONE]\n\n'];
    up.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(first);
      // The rest only after the client has seen the first chunk: proof that nothing is buffered.
      void released.then(() => {
        for (const r of rest) res.write(r);
        res.end();
      });
    });
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...t.auth, 'content-type': 'application/json', 'x-sira-session': id, 'x-sira-budget-tokens': '2000' },
      body: JSON.stringify({ model: 'test-model', messages: [question], stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let got = '';
    while (!got.includes(first)) got += decoder.decode((await reader.read()).value);
    expect(got).toBe(first);
    // The user turn is already recorded while the stream is open; the reply is not.
    expect((await turns(id)).at(-1)).toMatchObject({ seq: 10, role: 'user' });
    release();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      got += decoder.decode(r.value);
    }
    expect(got).toBe(first + rest.join(''));
    await expect.poll(async () => (await turns(id)).length).toBe(11);
    expect((await turns(id)).at(-1)).toEqual(
      expect.objectContaining({ seq: 11, role: 'assistant', content: 'At 7:40 on March 3.', metadata: { model: 'test-model', upstream_id: 'chatcmpl-s', usage: { total_tokens: 60 } } }),
    );
  });

  it('proxy: an upstream 429 is passed through with its body; the user turn is recorded, no assistant turn', async () => {
    const id = await session();
    const error = { error: { message: 'Rate limit reached', type: 'rate_limit_error' } };
    up.handle((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify(error));
    });
    const res = await chat(id, { model: 'test-model', messages: [question], stream: true });
    expect(res.statusCode).toBe(429);
    expect(json(res)).toEqual(error);
    const after = await turns(id);
    expect(after).toHaveLength(10);
    expect(after.at(-1)).toMatchObject({ seq: 10, role: 'user', content: question.content });
  });

  it('proxy: a missing X-Sira-Session is 400 and an unknown session 404, and nothing reaches the upstream', async () => {
    expectProblem(await chat(undefined, { model: 'test-model', messages: [question] }), 400, 'SIRA_ERR_REQUEST_INVALID');
    expectProblem(await chat('nope', { model: 'test-model', messages: [question] }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expect(up.received).toHaveLength(0);
  });
});

describe('gateway routes: upstream failures', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const ask = async (app: TestApp) => {
    const id = json<{ id: string }>(await app.app.inject({ method: 'POST', url: '/v1/sessions', headers: app.auth })).id;
    const res = await app.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...app.auth, 'x-sira-session': id, 'x-sira-budget-tokens': '1000' },
      payload: { model: 'test-model', messages: [{ role: 'user', content: 'hello?' }] },
    });
    const recorded = json<{ turns: WireTurn[] }>(await app.app.inject({ method: 'GET', url: `/v1/sessions/${id}/turns`, headers: app.auth })).turns;
    return { res, recorded };
  };

  it('no upstream configured: 503 SIRA_ERR_UPSTREAM_NOT_CONFIGURED, nothing recorded', async () => {
    t = await testApp();
    const { res, recorded } = await ask(t);
    expectProblem(res, 503, 'SIRA_ERR_UPSTREAM_NOT_CONFIGURED');
    expect(recorded).toHaveLength(0);
  });

  it('upstream down: 502 SIRA_ERR_UPSTREAM_FAILED, the user turn recorded', async () => {
    const dead = await upstream();
    await dead.close();
    t = await testApp({ upstreamUrl: dead.url });
    const { res, recorded } = await ask(t);
    expectProblem(res, 502, 'SIRA_ERR_UPSTREAM_FAILED');
    expect(recorded).toEqual([expect.objectContaining({ seq: 1, role: 'user', content: 'hello?' })]);
  });

  it('upstream silent past upstreamTimeoutMs: 504 SIRA_ERR_UPSTREAM_TIMEOUT', async () => {
    const slow = await upstream();
    slow.handle(() => undefined); // never answers
    try {
      t = await testApp({ upstreamUrl: slow.url, upstreamTimeoutMs: 200 });
      const { res, recorded } = await ask(t);
      expectProblem(res, 504, 'SIRA_ERR_UPSTREAM_TIMEOUT');
      expect(recorded).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});
