/**
 * The OpenAI Responses and Conversations API, driven by the unchanged official `openai` client pointed at a
 * listening Sira, with a local stub upstream that speaks the Responses API (test/helpers/responses-upstream.ts).
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';
import { responsesUpstream } from '../helpers/responses-upstream.ts';

type Up = Awaited<ReturnType<typeof responsesUpstream>>;

describe('OpenAI Responses API through the official client', () => {
  let up: Up;
  let t: TestApp;
  let client: OpenAI;
  let clientB: OpenAI;
  beforeAll(async () => {
    up = await responsesUpstream();
    t = await testApp({ upstreamUrl: up.url, upstreamApiKey: 'sk-upstream' });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
    clientB = new OpenAI({ apiKey: t.keyB, baseURL: `${base}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });
  afterEach(() => {
    up.received.length = 0;
  });

  it('create, chain with previous_response_id, retrieve, list input items, delete', async () => {
    const first = await client.responses.create({ model: 'gpt-4o', instructions: 'Be brief.', input: 'My flight to Lisbon leaves at 7:40.' });
    expect(first.id).toMatch(/^resp_/);
    expect(first.id).not.toBe('resp_upstream_1');
    expect(first.output_text).toBe('items=1 echo: My flight to Lisbon leaves at 7:40.');
    expect(up.received[0]!.body).toMatchObject({ model: 'gpt-4o', instructions: 'Be brief.', store: false });
    expect(up.received[0]!.headers.authorization).toBe('Bearer sk-upstream');

    const second = await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: [{ role: 'user', content: 'When does it leave?' }] });
    expect(second.previous_response_id).toBe(first.id);
    // The upstream got the whole chain: first input, first output, the new input.
    const sent = up.received[1]!.body;
    expect(sent.input.map((i) => `${String(i.type)}:${String(i.role)}`)).toEqual(['message:user', 'message:assistant', 'message:user']);
    expect(sent.previous_response_id).toBeUndefined();
    expect(second.output_text).toBe('items=3 echo: When does it leave?');

    const got = await client.responses.retrieve(second.id);
    expect(got.id).toBe(second.id);
    expect(got.output_text).toBe(second.output_text);

    // Everything the model was given, newest first: the new input, the first output, the first input.
    const items = await client.responses.inputItems.list(second.id);
    expect(items.data.map((i) => (i as { role: string }).role)).toEqual(['user', 'assistant', 'user']);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'When does it leave?' }] });
    expect((await client.responses.inputItems.list(first.id)).data).toHaveLength(1);

    // The chain is a Sira session (named after the first response) holding every item as a turn.
    const turns = json<{ turns: { role: string; metadata: Record<string, unknown> }[] }>(await t.app.inject({ method: 'GET', url: `/v1/sessions/${first.id}/turns`, headers: t.auth })).turns;
    expect(turns.map((x) => x.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(turns[0]!.metadata).toMatchObject({ openai_type: 'message' });

    // Another tenant sees none of it.
    await expect(clientB.responses.retrieve(second.id)).rejects.toMatchObject({ status: 404 });

    await client.responses.delete(first.id);
    // With a link deleted, only the response's own input is left to list.
    expect((await client.responses.inputItems.list(second.id)).data).toHaveLength(1);
    await expect(client.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404, code: 'SIRA_ERR_RESPONSE_NOT_FOUND' });
    // A chain through a deleted response cannot be continued.
    await expect(client.responses.create({ model: 'gpt-4o', previous_response_id: second.id, input: 'again' })).rejects.toMatchObject({ status: 404 });
  });

  it('stream: OpenAI events with our id; the streamed response is stored and chains', async () => {
    const stream = await client.responses.create({ model: 'gpt-4o', input: 'Stream me a line', stream: true });
    const types: string[] = [];
    let text = '';
    let completedId = '';
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') completedId = ev.response.id;
      if (ev.type === 'response.created') expect(ev.response.id).toMatch(/^resp_/);
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.filter((x) => x === 'response.output_text.delta').length).toBeGreaterThan(2);
    expect(text).toBe('items=1 echo: Stream me a line');
    expect((await client.responses.retrieve(completedId)).output_text).toBe(text);
    const next = await client.responses.create({ model: 'gpt-4o', previous_response_id: completedId, input: 'and one more' });
    expect(next.output_text).toBe('items=3 echo: and one more');
  });

  it('the client’s responses.stream() helper assembles the final response from our events', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o', input: 'helper stream' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (ev) => deltas.push(ev.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('items=1 echo: helper stream');
    expect(deltas.join('')).toBe(final.output_text);
    expect((await client.responses.retrieve(final.id)).output_text).toBe(final.output_text);
  });

  it('function calls and their outputs, images by URL and base64 are forwarded and mirrored as turns', async () => {
    const call = await client.responses.create({ model: 'gpt-4o', input: 'What is the weather in Lisbon?', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }] });
    const fc = call.output[0] as { type: string; call_id: string; name: string };
    expect(fc).toMatchObject({ type: 'function_call', name: 'get_weather' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]).toString('base64');
    const done = await client.responses.create({
      model: 'gpt-4o',
      previous_response_id: call.id,
      input: [
        { type: 'function_call_output', call_id: fc.call_id, output: '{"temp_c":21}' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'And these pictures?' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
            { type: 'input_image', image_url: `data:image/png;base64,${png}`, detail: 'low' },
          ],
        },
      ],
    });
    expect(done.output_text).toBe('items=4 echo: And these pictures?');
    const sent = up.received.at(-1)!.body.input;
    expect(sent.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output', 'message']);
    expect(JSON.stringify(sent[3])).toContain(`data:image/png;base64,${png}`);
    const turns = json<{ turns: { role: string; content: unknown }[] }>(await t.app.inject({ method: 'GET', url: `/v1/sessions/${call.id}/turns`, headers: t.auth })).turns;
    expect(turns.map((x) => x.role)).toEqual(['user', 'assistant', 'tool', 'user', 'assistant']);
    expect(JSON.stringify(turns[1]!.content)).toContain('get_weather');
    expect(JSON.stringify(turns[2]!.content)).toContain('temp_c');
    expect(JSON.stringify(turns[3]!.content)).toContain('https://example.com/a.png');
    expect(JSON.stringify(turns[3]!.content)).toContain('image/png');
  });

  it('a large base64 input_image is forwarded and listed verbatim, and mirrored as a turn referencing a blob', async () => {
    const big = Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 13) % 251));
    const url = `data:image/png;base64,${big.toString('base64')}`;
    const r = await client.responses.create({ model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Read the receipt' }, { type: 'input_image', image_url: url, detail: 'high' }] }] });
    expect(JSON.stringify(up.received.at(-1)!.body.input)).toContain(url);
    const [item] = (await client.responses.inputItems.list(r.id)).data;
    expect(JSON.stringify(item)).toContain(url);
    const [user] = await t.sira.tenant('acme').getTurns(r.id, {});
    const sha = createHash('sha256').update(big).digest('hex');
    expect(user!.parts).toEqual([{ type: 'text', text: 'Read the receipt' }, { type: 'image', mime: 'image/png', blob: { sha256: sha, size: big.byteLength, mime: 'image/png' }, detail: 'high' }]);
    expect((await t.sira.blobs.info('acme', sha))?.refs).toBe(1);
  });

  it('store: false keeps nothing; an upstream error passes through in OpenAI’s shape', async () => {
    const r = await client.responses.create({ model: 'gpt-4o', input: 'ephemeral', store: false });
    expect((r as { store?: boolean }).store).toBe(false);
    await expect(client.responses.retrieve(r.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'gpt-4o', previous_response_id: r.id, input: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'refuse', input: 'x' })).rejects.toMatchObject({ status: 400, code: 'model_not_found', message: expect.stringContaining('model refused') });
  });

  it('truncation auto: a chain over the budget is cut by the context engine, keeping the system prompt and the latest items', async () => {
    let prev: string | undefined;
    const filler = 'lorem ipsum dolor sit amet '.repeat(20);
    for (let i = 0; i < 8; i++) {
      const r = await client.responses.create({ model: 'gpt-4o', input: i === 0 ? [{ role: 'developer', content: 'You are terse.' }, { role: 'user', content: 'first' }] : `turn ${i} ${filler}`, ...(prev === undefined ? {} : { previous_response_id: prev }) });
      prev = r.id;
    }
    up.received.length = 0;
    const cut = await client.responses.create({ model: 'gpt-4o', previous_response_id: prev, input: 'the last question', truncation: 'auto' }, { headers: { 'x-sira-budget-tokens': '600' } });
    const sent = up.received[0]!.body.input;
    expect(sent.length).toBeLessThan(18);
    expect(sent[0]).toMatchObject({ role: 'developer' });
    expect(JSON.stringify(sent.at(-1))).toContain('the last question');
    expect(cut.output_text).toContain('the last question');
    // A budget the new input alone fills: only the new input goes.
    up.received.length = 0;
    await client.responses.create({ model: 'gpt-4o', previous_response_id: prev, input: 'the last question', truncation: 'auto' }, { headers: { 'x-sira-budget-tokens': '5' } });
    expect(up.received[0]!.body.input.length).toBeLessThanOrEqual(2);
    expect(JSON.stringify(up.received[0]!.body.input.at(-1))).toContain('the last question');
    // Without truncation the whole chain goes upstream.
    up.received.length = 0;
    await client.responses.create({ model: 'gpt-4o', previous_response_id: prev, input: 'the last question' }, { headers: { 'x-sira-budget-tokens': '600' } });
    expect(up.received[0]!.body.input).toHaveLength(18);
  });

  it('errors are problem+json with a stable code and OpenAI’s error member', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/responses/resp_missing', headers: t.auth });
    const body = expectProblem(res, 404, 'SIRA_ERR_RESPONSE_NOT_FOUND');
    expect(body.error).toMatchObject({ code: 'SIRA_ERR_RESPONSE_NOT_FOUND', type: 'not_found_error' });
    const both = await t.app.inject({ method: 'POST', url: '/v1/responses', headers: t.auth, payload: { model: 'gpt-4o', input: 'x', previous_response_id: 'resp_a', conversation: 'conv_b' } });
    expectProblem(both, 400, 'SIRA_ERR_REQUEST_INVALID');
    expect(up.received).toHaveLength(0);
  });
});

describe('OpenAI Conversations API through the official client', () => {
  let up: Up;
  let t: TestApp;
  let client: OpenAI;
  beforeAll(async () => {
    up = await responsesUpstream();
    t = await testApp({ upstreamUrl: up.url });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  it('create with items, update, add/list/get/delete items, respond in the conversation, delete', async () => {
    const conv = await client.conversations.create({ metadata: { topic: 'travel' }, items: [{ type: 'message', role: 'user', content: 'I am vegetarian.' }] });
    expect(conv).toMatchObject({ object: 'conversation', metadata: { topic: 'travel' } });
    expect(conv.id).toMatch(/^conv_/);
    expect((await client.conversations.retrieve(conv.id)).id).toBe(conv.id);
    expect((await client.conversations.update(conv.id, { metadata: { topic: 'food' } })).metadata).toEqual({ topic: 'food' });
    // Another tenant's key finds nothing under that id.
    const other = new OpenAI({ apiKey: t.keyB, baseURL: client.baseURL, maxRetries: 0 });
    await expect(other.conversations.retrieve(conv.id)).rejects.toMatchObject({ status: 404, code: 'SIRA_ERR_CONVERSATION_NOT_FOUND' });
    await expect(other.conversations.items.list(conv.id)).rejects.toMatchObject({ status: 404 });

    const added = await client.conversations.items.create(conv.id, { items: [{ type: 'message', role: 'assistant', content: 'Noted.' }, { type: 'message', role: 'user', content: 'Suggest a dish.' }] });
    expect(added.data).toHaveLength(2);

    const r = await client.responses.create({ model: 'gpt-4o', conversation: conv.id, input: 'Something with lentils?' });
    expect(r.conversation).toEqual({ id: conv.id });
    expect(r.output_text).toBe('items=4 echo: Something with lentils?');

    const all = [];
    for await (const item of client.conversations.items.list(conv.id, { order: 'asc', limit: 2 })) all.push(item);
    expect(all.map((i) => (i as { role?: string }).role)).toEqual(['user', 'assistant', 'user', 'user', 'assistant']);
    const newest = await client.conversations.items.list(conv.id);
    expect((newest.data[0] as { role: string }).role).toBe('assistant');

    const target = all[1]!;
    expect(await client.conversations.items.retrieve(target.id!, { conversation_id: conv.id })).toMatchObject({ id: target.id, role: 'assistant' });
    const after = await client.conversations.items.delete(target.id!, { conversation_id: conv.id });
    expect(after.id).toBe(conv.id);
    await expect(client.conversations.items.retrieve(target.id!, { conversation_id: conv.id })).rejects.toMatchObject({ status: 404 });
    // A deleted item no longer goes upstream.
    up.received.length = 0;
    await client.responses.create({ model: 'gpt-4o', conversation: { id: conv.id }, input: 'thanks' });
    expect(up.received[0]!.body.input).toHaveLength(5);

    // The conversation is the Sira session of the same id: 7 items were written (the deleted one's turn stays).
    const session = await t.app.inject({ method: 'GET', url: `/v1/sessions/${conv.id}/turns`, headers: t.auth });
    expect(json<{ turns: unknown[] }>(session).turns).toHaveLength(7);

    const deleted = await client.conversations.delete(conv.id);
    expect(deleted).toMatchObject({ id: conv.id, deleted: true });
    await expect(client.conversations.retrieve(conv.id)).rejects.toMatchObject({ status: 404 });
    expect((await t.app.inject({ method: 'GET', url: `/v1/sessions/${conv.id}`, headers: t.auth })).statusCode).toBe(404);
  });
  it('truncation auto inside a conversation keeps the engine’s pick of its items', async () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(20);
    const conv = await client.conversations.create({ items: [{ type: 'message', role: 'developer', content: 'You are terse.' }] });
    for (let i = 0; i < 6; i++) await client.responses.create({ model: 'gpt-4o', conversation: conv.id, input: `turn ${i} ${filler}` });
    up.received.length = 0;
    await client.responses.create({ model: 'gpt-4o', conversation: conv.id, input: 'final question', truncation: 'auto' }, { headers: { 'x-sira-budget-tokens': '500' } });
    const sent = up.received[0]!.body.input;
    expect(sent.length).toBeLessThan(14);
    expect(sent[0]).toMatchObject({ role: 'developer' });
    expect(JSON.stringify(sent.at(-1))).toContain('final question');
    expect((await client.conversations.items.list(conv.id, { limit: 100 })).data).toHaveLength(15);
  });
});

describe('OpenAI Responses: items over the turn limits', () => {
  it('an item too large for a turn is kept as an item; the other items still become turns', async () => {
    const up = await responsesUpstream();
    const t = await testApp({ upstreamUrl: up.url, limits: { maxTextLength: 40 } });
    try {
      const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
      const long = 'x'.repeat(100);
      const r = await client.responses.create({ model: 'gpt-4o', input: [{ role: 'developer', content: 'Short.' }, { role: 'user', content: long }] });
      expect((await client.responses.inputItems.list(r.id, { order: 'asc' })).data.map((i) => JSON.stringify(i).includes(long))).toEqual([false, true]);
      // The developer message is a turn; the long user text and the (long) echo are not.
      const turns = await t.sira.tenant('acme').getTurns(r.id, {});
      expect(turns.map((x) => x.role)).toEqual(['system']);
      const next = await client.responses.create({ model: 'gpt-4o', previous_response_id: r.id, input: 'ok' });
      expect(next.output_text).toBe('items=4 echo: ok');
    } finally {
      await t.close();
      await up.close();
    }
  });
});

describe('OpenAI responses.compact through the official client', () => {
  let up: Up;
  let t: TestApp;
  let client: OpenAI;
  beforeAll(async () => {
    up = await responsesUpstream();
    t = await testApp({ upstreamUrl: up.url });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenAI({ apiKey: t.key, baseURL: `${base}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await up.close();
  });

  it('compact a chain: the user messages, then one compaction item that Sira expands on the next request', async () => {
    const a = await client.responses.create({ model: 'gpt-4o', input: 'Our hotel in Porto is the Grande Hotel, booked for three nights.' });
    const b = await client.responses.create({ model: 'gpt-4o', previous_response_id: a.id, input: 'What is the weather in Porto?' });
    const compacted = await client.responses.compact({ model: 'gpt-4o', previous_response_id: b.id });
    expect(compacted.object).toBe('response.compaction');
    const types = compacted.output.map((i) => `${i.type}:${String((i as { role?: string }).role ?? '')}`);
    expect(types).toEqual(['message:user', 'message:user', 'compaction:']);
    const item = compacted.output[2] as { id: string; encrypted_content: string };
    expect(item.encrypted_content).toMatch(/^sira:v1:cmp_/);

    // The compacted window is the next input: the compaction item reaches the upstream as our summary.
    up.received.length = 0;
    await client.responses.create({ model: 'gpt-4o', input: [...compacted.output, { role: 'user', content: 'Thanks!' }] as never });
    const sent = up.received[0]!.body.input;
    expect(sent.map((i) => i.type)).toEqual(['message', 'message', 'message', 'message']);
    expect(sent[2]).toMatchObject({ role: 'developer' });
    // The first answer echoed the hotel sentence; the function call of the second is summarised too.
    expect(JSON.stringify(sent[2])).toContain('Grande Hotel');
    expect(JSON.stringify(sent[2])).toContain('get_weather');
    await expect(client.responses.create({ model: 'gpt-4o', input: [{ type: 'compaction', id: 'cmp_x', encrypted_content: 'sira:v1:cmp_forged' }] as never })).rejects.toMatchObject({ status: 400 });
  });
});
