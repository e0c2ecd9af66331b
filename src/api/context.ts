/**
 * @module api/context
 * `POST /v1/sessions/:id/context`: the context window for the session's next model call (DESIGN §4, §7), as
 * OpenAI messages with an explanation (scores, reasons, token accounting). Thin: the facade does the work; the
 * window is converted to the requested format (Anthropic, Responses) here, at the edge, from its OpenAI messages,
 * and its token accounting stays the engine's (OpenAI's tokenizer: an estimate for Anthropic).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fromOpenAiChat, toAnthropic, toResponses } from '../models/formats/index.ts';
import type { ChatMessage } from '../models/chat.ts';
import type { RoutesOptions } from './sessions.ts';
import { ContextRequestSchema, ContextResponseSchema, SessionParamsSchema, problemResponses } from './schemas.ts';

/** The context route. */
export const contextRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/sessions/:id/context',
    {
      schema: {
        tags: ['context'],
        security: [{ bearer: [] }],
        summary: 'Build the context window for the next model call: relevance-scored turns under an exact token budget',
        params: SessionParamsSchema,
        body: ContextRequestSchema,
        response: { 200: ContextResponseSchema, ...problemResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const r = await sira.tenant(request.tenant).buildContext(request.params.id, {
        query: b.query,
        messages: b.messages,
        budget_tokens: b.budget_tokens,
        model: b.model,
        reply_reserve_tokens: b.reply_reserve_tokens,
        strategy: b.strategy,
        explain: b.explain,
        agent_id: b.agent_id,
        cross_session: b.cross_session,
        include_reasoning: b.include_reasoning,
      });
      return { ...r, ...inFormat(r.messages, b.format ?? 'openai') };
    },
  );
};

type Open = Record<string, unknown>;

/** The window's OpenAI messages in `format` (Anthropic: `system` apart, roles alternating). */
export function inFormat(messages: readonly ChatMessage[], format: 'openai' | 'anthropic' | 'responses'): { format: string; messages: Open[]; system?: Open[] } {
  // Spreads: the formats' types are interfaces, which TypeScript will not treat as the schema's open object type.
  if (format === 'openai') return { format, messages: messages.map((m) => ({ ...m })) };
  const turns = fromOpenAiChat(messages);
  if (format === 'responses') return { format, messages: toResponses(turns).map((i) => ({ ...i })) };
  const conv = toAnthropic(turns);
  return { format, messages: conv.messages.map((m) => ({ ...m })), ...(conv.system === undefined ? {} : { system: conv.system.map((b) => ({ ...b })) }) };
}
