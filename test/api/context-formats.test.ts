import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

type Ctx = { format: string; messages: Record<string, unknown>[]; system?: { type: string; text: string }[]; usage: { used: number; budget: number } };

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe('POST /v1/sessions/:id/context with format', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await testApp();
    id = json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
    const turns = [
      { role: 'system', content: 'You are a concise travel assistant.' },
      { role: 'user', content: [{ type: 'text', text: 'What is in this picture of Lisbon?' }, { type: 'image', mime: 'image/png', data: png.toString('base64') }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check the weather there.' }, { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] },
      { role: 'tool', content: [{ type: 'tool_result', tool_call_id: 'call_1', content: '{"temp_c":21}' }] },
      { role: 'assistant', content: 'It is 21 °C in Lisbon.' },
    ];
    expect((await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns } })).statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const post = async (format: string | undefined, messages: unknown[] = [{ role: 'user', content: 'And tomorrow?' }]) => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/context`, headers: t.auth, payload: { budget_tokens: 4000, messages, ...(format === undefined ? {} : { format }) } });
    expect(res.statusCode).toBe(200);
    return json<Ctx>(res);
  };

  it('format openai (the default) returns chat messages, system first, the image as an image_url part', async () => {
    const body = await post(undefined);
    expect(body.format).toBe('openai');
    expect(body.system).toBeUndefined();
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You are a concise travel assistant.' });
    expect(body.messages[1]!.content).toEqual([
      { type: 'text', text: 'What is in this picture of Lisbon?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
    ]);
    expect((await post('openai')).messages).toEqual(body.messages);
  });

  it('format anthropic returns system apart and alternating user/assistant messages with tool_use/tool_result blocks', async () => {
    const body = await post('anthropic');
    const openai = await post('openai');
    expect(body.format).toBe('anthropic');
    expect(body.system).toEqual([{ type: 'text', text: 'You are a concise travel assistant.' }]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is in this picture of Lisbon?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check the weather there.' }, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Lisbon' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"temp_c":21}' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'It is 21 °C in Lisbon.' }] },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
    ]);
    // The token accounting is the engine's (OpenAI's tokenizer) whatever the format.
    expect({ ...body.usage, embedding: undefined }).toEqual({ ...openai.usage, embedding: undefined });
  });

  it('format anthropic merges consecutive messages of one role (tool results first)', async () => {
    const body = await post('anthropic', [
      { role: 'user', content: 'One more thing.' },
      { role: 'user', content: 'Two more things.' },
    ]);
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: [{ type: 'text', text: 'One more thing.' }, { type: 'text', text: 'Two more things.' }] });
    const roles = body.messages.map((m) => m.role);
    expect(roles.every((r, i) => i === 0 || r !== roles[i - 1])).toBe(true);
  });

  it('format responses returns input items: messages, function_call and function_call_output', async () => {
    const body = await post('responses');
    expect(body.format).toBe('responses');
    expect(body.messages).toEqual([
      { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'You are a concise travel assistant.' }] },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is in this picture of Lisbon?' },
          { type: 'input_image', image_url: `data:image/png;base64,${png.toString('base64')}`, detail: 'auto' },
        ],
      },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check the weather there.' }] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"temp_c":21}' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It is 21 °C in Lisbon.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And tomorrow?' }] },
    ]);
  });

  it('an unknown format is a 400 problem', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/context`, headers: t.auth, payload: { budget_tokens: 4000, format: 'gemini' } });
    expectProblem(res, 400, 'SIRA_ERR_REQUEST_INVALID');
  });
});
