/**
 * @module adapters/ai-sdk
 * Sira Session for the Vercel AI SDK (`ai` ≥ 7): a language-model middleware that puts the session's context
 * window (chosen by Sira under a token budget) in front of each call and records the exchange, and the stored
 * history as AI SDK messages. Works over HTTP through {@link SiraClient}.
 *
 * @example
 * import { generateText, wrapLanguageModel } from 'ai';
 * const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: siraContext({ client, sessionId: 'chat-1' }) });
 * const { text } = await generateText({ model, prompt: 'Where is my card?' });
 */
import type { LanguageModelMiddleware } from 'ai';
import type { SiraClient } from '../client/index.ts';

type Params = Parameters<NonNullable<LanguageModelMiddleware['transformParams']>>[0]['params'];
type PromptMessage = Params['prompt'][number];

/** Options of {@link siraContext}. */
export interface SiraContextOptions {
  client: SiraClient;
  /** The Sira session of this conversation (created on first use if missing). */
  sessionId: string;
  /** Token budget of the context window Sira adds. @default 2000 */
  budgetTokens?: number;
  /** Record the new user message and the model's reply as turns. @default true */
  record?: boolean;
}

const textOf = (m: PromptMessage): string =>
  typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join('');

/** The middleware: context in front of each call, both sides recorded. */
export function siraContext(options: SiraContextOptions): LanguageModelMiddleware {
  const { client, sessionId } = options;
  const record = options.record ?? true;
  let ensured: Promise<unknown> | undefined;
  const ensure = () =>
    (ensured ??= client.getSession(sessionId).catch(async (err: { code?: string }) => {
      if (err.code !== 'SIRA_ERR_SESSION_NOT_FOUND') throw err;
      return client.createSession({ id: sessionId });
    }));
  const save = async (role: 'user' | 'assistant', text: string) => {
    if (record && text.length > 0) await client.appendTurns(sessionId, [{ role, content: text }]);
  };
  return {
    transformParams: async ({ params }) => {
      await ensure();
      const lastUser = [...params.prompt].reverse().find((m) => m.role === 'user');
      const query = lastUser === undefined ? '' : textOf(lastUser);
      const ctx = await client.context(sessionId, { query: query || ' ', budget_tokens: options.budgetTokens ?? 2000 });
      const history: PromptMessage[] = [];
      for (const m of ctx.messages as Array<{ role: string; content?: unknown }>) {
        const text = typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '');
        if (m.role === 'system') history.push({ role: 'system', content: text });
        else if (m.role === 'assistant') history.push({ role: 'assistant', content: [{ type: 'text', text }] });
        else history.push({ role: 'user', content: [{ type: 'text', text }] });
      }
      await save('user', query);
      // The caller's system messages first, then the remembered window, then the caller's new messages.
      const system = params.prompt.filter((m) => m.role === 'system');
      const rest = params.prompt.filter((m) => m.role !== 'system');
      return { ...params, prompt: [...system, ...history, ...rest] };
    },
    wrapGenerate: async ({ doGenerate }) => {
      const result = await doGenerate();
      await save('assistant', result.content.map((c) => (c.type === 'text' ? c.text : '')).join(''));
      return result;
    },
    wrapStream: async ({ doStream }) => {
      const { stream, ...rest } = await doStream();
      let text = '';
      const tap = new TransformStream<(typeof stream extends ReadableStream<infer T> ? T : never), (typeof stream extends ReadableStream<infer T> ? T : never)>({
        transform(part, controller) {
          if (part.type === 'text-delta') text += part.delta;
          controller.enqueue(part);
        },
        async flush() {
          await save('assistant', text);
        },
      });
      return { stream: stream.pipeThrough(tap), ...rest };
    },
  };
}

/** The session's stored turns as AI SDK model messages (`user` / `assistant` / `system` text), oldest first. */
export async function siraHistory(client: SiraClient, sessionId: string, last = 100): Promise<Array<{ role: 'user' | 'assistant' | 'system'; content: string }>> {
  const { turns } = await client.getTurns(sessionId, { last });
  return turns
    .filter((t) => t.role !== 'tool')
    .map((t) => ({
      role: t.role as 'user' | 'assistant' | 'system',
      content: typeof t.content === 'string' ? t.content : t.content.map((p) => ('text' in p ? p.text : '')).join(''),
    }));
}
