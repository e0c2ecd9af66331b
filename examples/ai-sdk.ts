// Vercel AI SDK + Sira: the session's context window in front of every call, both sides recorded.
// Run: SIRA_URL=http://127.0.0.1:8080 SIRA_KEY=dev-key-change-me node examples/ai-sdk.ts
// (a local mock model stands in for e.g. `openai('gpt-4o-mini')` from @ai-sdk/openai, so it runs offline)
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { SiraClient } from '../src/client/index.ts';
import { siraContext } from '../src/adapters/ai-sdk.ts';

const client = new SiraClient({ baseUrl: process.env.SIRA_URL ?? 'http://127.0.0.1:8080', apiKey: process.env.SIRA_KEY });
const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const llm = new MockLanguageModelV4({ doGenerate: async (o) => ({ content: [{ type: 'text', text: `(${o.prompt.length} messages in the prompt)` }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] }) });

const model = wrapLanguageModel({ model: llm, middleware: siraContext({ client, sessionId: 'example-ai-sdk' }) });
for (const prompt of ['My dog is called Biscuit.', 'What is my dog called?']) console.log((await generateText({ model, prompt })).text);
