/**
 * The Vercel AI SDK middleware against the real service over HTTP, with the SDK's own mock model (`ai/test`):
 * the context window Sira chose is in front of the model's prompt, and both sides are recorded (generate and stream).
 */
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { siraContext, siraHistory } from '../../src/adapters/ai-sdk.ts';
import { SiraClient } from '../../src/client/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let client: SiraClient;
beforeEach(async () => {
  t = await testApp();
  client = new SiraClient({ baseUrl: await t.app.listen({ port: 0, host: '127.0.0.1' }), apiKey: t.key });
});
afterEach(async () => {
  await t.close();
});

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };

describe('siraContext (AI SDK middleware)', () => {
  it('generateText: the remembered window is in the prompt, and both turns are recorded', async () => {
    await client.createSession({ id: 'ai-1' });
    await client.appendTurns('ai-1', [
      { role: 'user', content: 'My dog is called Biscuit and he loves the beach' },
      { role: 'assistant', content: 'Biscuit sounds lovely!' },
    ]);
    const mock = new MockLanguageModelV4({
      doGenerate: async () => ({ content: [{ type: 'text', text: 'Biscuit, of course.' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] }),
    });
    const model = wrapLanguageModel({ model: mock, middleware: siraContext({ client, sessionId: 'ai-1', budgetTokens: 500 }) });
    const { text } = await generateText({ model, system: 'Be brief.', prompt: 'What is my dog called?' });
    expect(text).toBe('Biscuit, of course.');
    const prompt = mock.doGenerateCalls[0]!.prompt;
    expect(prompt[0]).toMatchObject({ role: 'system', content: 'Be brief.' });
    expect(JSON.stringify(prompt)).toContain('Biscuit and he loves the beach');
    expect(prompt.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'text', text: 'What is my dog called?' }] });
    const history = await siraHistory(client, 'ai-1');
    expect(history.slice(-2)).toEqual([
      { role: 'user', content: 'What is my dog called?' },
      { role: 'assistant', content: 'Biscuit, of course.' },
    ]);
  });

  it('streamText: the streamed reply is recorded once the stream ends; a missing session is created', async () => {
    const mock = new MockLanguageModelV4({
      doStream: async () => ({
        stream: new ReadableStream({
          start(c) {
            c.enqueue({ type: 'text-start', id: 't' });
            for (const delta of ['Hel', 'lo ', 'there']) c.enqueue({ type: 'text-delta', id: 't', delta });
            c.enqueue({ type: 'text-end', id: 't' });
            c.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage });
            c.close();
          },
        }),
      }),
    });
    const model = wrapLanguageModel({ model: mock, middleware: siraContext({ client, sessionId: 'ai-new' }) });
    const result = streamText({ model, prompt: 'hi' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Hello there');
    await result.consumeStream();
    expect(await siraHistory(client, 'ai-new')).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello there' },
    ]);
  });
});
