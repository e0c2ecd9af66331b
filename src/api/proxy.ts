/**
 * @module api/proxy
 * The gateway routes (DESIGN §7). `POST /v1/context/enrich`: an OpenAI chat-completions request comes back with
 * its `messages` replaced by the session's context window (the request's own messages last), everything else
 * unchanged — for gateway plugins that call the model themselves. `POST /v1/chat/completions`: the same
 * enrichment, then an OpenAI-compatible proxy to `upstreamUrl`: the trailing user message(s) are recorded before
 * forwarding, the assistant's reply after the upstream finishes; `stream: true` is passed through chunk by chunk.
 * The session is named by the `X-Sira-Session` header, the budget by `X-Sira-Budget-Tokens` or the model.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import { isSiraError, siraError } from '../core/errors.ts';
import { parseBudgetHeader } from '../memory/context/request.ts';
import type { JsonObject } from '../core/types.ts';
import type { TurnInput } from '../core/validate.ts';
import { fromOpenAiChat, readChatMessage, type ChatMessage } from '../models/formats/index.ts';
import { resolveModel } from '../models/tokens.ts';
import type { SiraSession } from '../sira.ts';
import { offloadMedia } from './media-offload.ts';
import type { RoutesOptions } from './sessions.ts';
import { ChatMessageIn, problemResponses, problemSchema } from './schemas.ts';
import { CHECKED_BY_FACADE } from './validation.ts';

const security = [{ bearer: [] }];

const ChatRequestSchema = Type.Object(
  {
    model: Type.Optional(Type.String({ examples: ['gpt-4o'] })),
    messages: Type.Array(ChatMessageIn, { description: 'The new OpenAI chat messages: appended after the window, counted against the budget', [CHECKED_BY_FACADE]: true }),
  },
  { additionalProperties: true, description: 'An OpenAI chat-completions request; fields other than messages are passed through unchanged' },
);

const EnrichedSchema = Type.Object(
  { messages: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'The context window in chronological order, the request’s messages last' }) },
  { additionalProperties: true, description: 'The same request with messages replaced' },
);

const GatewayHeadersSchema = Type.Object({
  'x-sira-session': Type.Optional(Type.String({ description: 'The session id (required)' })),
  'x-sira-budget-tokens': Type.Optional(Type.String({ description: 'Budget of the whole prompt in tokens (default: the model’s window less the reply reserve)' })),
  'x-sira-agent': Type.Optional(Type.String({ description: 'The calling agent: its most useful past experiences join the window (as `agent_id` of a context request)' })),
});

type ChatRequest = { model?: string; messages: Record<string, unknown>[] } & Record<string, unknown>;

/** The enriched request and the tokens its messages take. */
interface Enriched {
  sessionId: string;
  body: ChatRequest;
  usedTokens: number;
}

/** Build the context window for `body` from the gateway headers; throws the usual problems. */
async function enrich(sira: SiraSession, request: FastifyRequest, body: ChatRequest): Promise<Enriched> {
  const sessionId = request.headers['x-sira-session'];
  if (typeof sessionId !== 'string' || sessionId === '') throw siraError('SIRA_ERR_REQUEST_INVALID', 'the X-Sira-Session header (the session id) is required');
  const budget = parseBudgetHeader(request.headers['x-sira-budget-tokens']);
  // With an explicit budget, a model the registry does not know (a gateway's own name) only loses its tokenizer.
  const model = typeof body.model === 'string' && (budget === undefined || knownModel(body.model)) ? body.model : undefined;
  const agent = request.headers['x-sira-agent'];
  const r = await sira.tenant(request.tenant).buildContext(sessionId, { messages: body.messages, budget_tokens: budget, model, ...(typeof agent === 'string' && agent !== '' ? { agent_id: agent } : {}) });
  return { sessionId, body: { ...body, messages: r.messages.map((m) => ({ ...m })) }, usedTokens: r.usage.used };
}

function knownModel(model: string): boolean {
  try {
    resolveModel(model);
    return true;
  } catch {
    return false;
  }
}

/**
 * The request's trailing user messages as turns (models/formats: {@link readChatMessage} then
 * {@link fromOpenAiChat}): text, images, audio and files. A message with no text and no media is not recorded.
 */
export function trailingUserTurns(messages: readonly unknown[]): TurnInput[] {
  const out: TurnInput[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown };
    if (m.role !== 'user') break;
    const turn = fromOpenAiChat([readChatMessage(m, `messages[${i}]`)])[0]!;
    const parts = turn.parts.filter((p) => p.type !== 'text' || p.text !== '');
    if (parts.length > 0) out.unshift({ role: 'user', content: parts, name: turn.name ?? null });
  }
  return out;
}

/** What the upstream answered, gathered for the assistant turn. */
export interface AssistantReply {
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  model?: string;
  id?: string;
  usage?: JsonObject;
}

/** The assistant turn for `reply` (its text, then its tool calls: {@link fromOpenAiChat}), or undefined when it said nothing. */
export function assistantTurn(reply: AssistantReply): TurnInput | undefined {
  if (reply.content === '' && reply.toolCalls.length === 0) return undefined;
  const metadata: JsonObject = {};
  if (reply.model !== undefined) metadata.model = reply.model;
  if (reply.id !== undefined) metadata.upstream_id = reply.id;
  if (reply.usage !== undefined) metadata.usage = reply.usage;
  const message: ChatMessage = { role: 'assistant', content: reply.content === '' ? null : reply.content };
  if (reply.toolCalls.length > 0) message.tool_calls = reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return { role: 'assistant', content: fromOpenAiChat([message])[0]!.parts, metadata };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The reply of a non-streamed completion. */
export function replyOfCompletion(body: unknown): AssistantReply {
  const b = obj(body) ?? {};
  const choice = obj((b.choices as unknown[] | undefined)?.[0]);
  const message = obj(choice?.message) ?? {};
  const toolCalls = Array.isArray(message.tool_calls)
    ? message.tool_calls.map((c: unknown) => {
        const f = obj(obj(c)?.function) ?? {};
        return { id: str(obj(c)?.id) ?? '', name: str(f.name) ?? '', arguments: str(f.arguments) ?? '' };
      })
    : [];
  return { content: str(message.content) ?? '', toolCalls, model: str(b.model), id: str(b.id), usage: obj(b.usage) as JsonObject | undefined };
}

/** Accumulates a streamed completion from its SSE bytes (`data: {chunk}` lines, `data: [DONE]`). */
export class StreamAccumulator {
  readonly reply: AssistantReply = { content: '', toolCalls: [] };
  #pending = '';
  readonly #decoder = new TextDecoder();

  push(bytes: Uint8Array): void {
    this.#pending += this.#decoder.decode(bytes, { stream: true });
    const lines = this.#pending.split('\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.#line(line.replace(/\r$/, ''));
  }

  end(): AssistantReply {
    this.#pending += this.#decoder.decode();
    if (this.#pending !== '') this.#line(this.#pending);
    this.#pending = '';
    return this.reply;
  }

  #line(line: string): void {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') return;
    let chunk: Record<string, unknown> | undefined;
    try {
      chunk = obj(JSON.parse(data));
    } catch {
      return;
    }
    if (chunk === undefined) return;
    const r = this.reply;
    r.id ??= str(chunk.id);
    r.model ??= str(chunk.model);
    if (obj(chunk.usage) !== undefined) r.usage = chunk.usage as JsonObject;
    const delta = obj(obj((chunk.choices as unknown[] | undefined)?.[0])?.delta);
    if (delta === undefined) return;
    if (typeof delta.content === 'string') r.content += delta.content;
    if (!Array.isArray(delta.tool_calls)) return;
    for (const raw of delta.tool_calls) {
      const d = obj(raw) ?? {};
      const index = typeof d.index === 'number' ? d.index : r.toolCalls.length;
      const call = (r.toolCalls[index] ??= { id: '', name: '', arguments: '' });
      const f = obj(d.function) ?? {};
      if (typeof d.id === 'string') call.id = d.id;
      if (typeof f.name === 'string') call.name += f.name;
      if (typeof f.arguments === 'string') call.arguments += f.arguments;
    }
  }
}

/** Record the assistant's reply; a failure here (the session expired meanwhile) is logged, the reply already went out. */
async function recordReply(sira: SiraSession, request: FastifyRequest, sessionId: string, reply: AssistantReply): Promise<void> {
  const turn = assistantTurn({ ...reply, toolCalls: reply.toolCalls.filter((c) => c !== undefined) });
  if (turn === undefined) return;
  try {
    await sira.tenant(request.tenant).appendTurns(sessionId, [turn]);
  } catch (e) {
    request.log.warn({ err: e, session: sessionId }, 'could not record the assistant reply');
  }
}

/** The gateway routes: enrichment and the OpenAI-compatible proxy. */
export const proxyRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/context/enrich',
    {
      schema: {
        tags: ['context'],
        security,
        summary: 'Enrich an OpenAI chat-completions request: messages replaced by the session’s context window, the rest unchanged',
        headers: GatewayHeadersSchema,
        body: ChatRequestSchema,
        response: { 200: EnrichedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const e = await enrich(sira, request, request.body);
      reply.header('x-sira-context-used-tokens', String(e.usedTokens));
      return e.body;
    },
  );

  app.post(
    '/chat/completions',
    {
      schema: {
        tags: ['context'],
        security,
        summary: 'OpenAI-compatible chat completions through the session: enriched, forwarded to the upstream, both sides recorded',
        headers: GatewayHeadersSchema,
        body: ChatRequestSchema,
        response: {
          ...problemResponses,
          502: problemSchema('The upstream could not be reached (SIRA_ERR_UPSTREAM_FAILED)'),
          503: problemSchema('No upstream is configured (SIRA_ERR_UPSTREAM_NOT_CONFIGURED)'),
          504: problemSchema('The upstream did not answer in time (SIRA_ERR_UPSTREAM_TIMEOUT)'),
        },
      },
    },
    async (request, reply) => {
      const { upstreamUrl, upstreamApiKey, upstreamTimeoutMs } = sira.options;
      if (upstreamUrl === undefined) throw siraError('SIRA_ERR_UPSTREAM_NOT_CONFIGURED', 'set upstreamUrl (SIRA_UPSTREAM_URL) to proxy chat completions');
      const e = await enrich(sira, request, request.body);
      const users = await offloadMedia(sira.blobs, request.tenant, trailingUserTurns(request.body.messages), request.log);
      // Before forwarding: the user's turn is durable even when the upstream fails.
      if (users.length > 0) await sira.tenant(request.tenant).appendTurns(e.sessionId, users);
      return forward(sira, request, reply, e, { url: `${upstreamUrl.replace(/\/+$/, '')}/chat/completions`, apiKey: upstreamApiKey, timeoutMs: upstreamTimeoutMs });
    },
  );
};

/** Resolves when `raw` can take more, or has closed. */
function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
  });
}

/** Send the enriched request upstream and answer with what comes back. */
async function forward(
  sira: SiraSession,
  request: FastifyRequest,
  reply: FastifyReply,
  e: Enriched,
  up: { url: string; apiKey: string | undefined; timeoutMs: number },
): Promise<FastifyReply> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, up.timeoutMs);
  // The caller hung up before the answer was complete: stop the upstream call too.
  const onClientGone = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.once('close', onClientGone);
  const cleanup = () => {
    clearTimeout(timer);
    reply.raw.off('close', onClientGone);
  };
  const failed = (err: unknown) =>
    timedOut
      ? siraError('SIRA_ERR_UPSTREAM_TIMEOUT', `the upstream did not answer within ${up.timeoutMs} ms`, { cause: err })
      : siraError('SIRA_ERR_UPSTREAM_FAILED', `the upstream could not be reached: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`, { cause: err });

  let res: Response;
  try {
    res = await fetch(up.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: e.body.stream === true ? 'text/event-stream' : 'application/json',
        ...(up.apiKey === undefined ? {} : { authorization: `Bearer ${up.apiKey}` }),
      },
      body: JSON.stringify(e.body),
      signal: controller.signal,
    });
  } catch (err) {
    cleanup();
    throw failed(err);
  }
  reply.header('x-sira-context-used-tokens', String(e.usedTokens));
  if (!res.ok || e.body.stream !== true || res.body === null) return sendWhole(sira, request, reply, e, res, cleanup, failed);
  // Streaming: the headers came in time; from here the stream runs as long as the upstream keeps it open.
  clearTimeout(timer);
  return pipeStream(sira, request, reply, e, res, cleanup);
}

/** A whole (non-streamed or failed) upstream answer: relayed as it came; a completion's reply is recorded. */
async function sendWhole(sira: SiraSession, request: FastifyRequest, reply: FastifyReply, e: Enriched, res: Response, cleanup: () => void, failed: (err: unknown) => Error): Promise<FastifyReply> {
  const contentType = res.headers.get('content-type') ?? 'application/json';
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw failed(err);
  } finally {
    cleanup();
  }
  if (res.ok) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) await recordReply(sira, request, e.sessionId, replyOfCompletion(parsed));
  }
  return reply.code(res.status).type(contentType).send(bytes);
}

/** A streamed upstream answer, piped to the client with backpressure; a complete stream's reply is recorded. */
async function pipeStream(sira: SiraSession, request: FastifyRequest, reply: FastifyReply, e: Enriched, res: Response, cleanup: () => void): Promise<FastifyReply> {
  const contentType = res.headers.get('content-type') ?? 'application/json';
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(res.status, {
    'content-type': contentType.startsWith('text/event-stream') ? contentType : 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-sira-context-used-tokens': String(e.usedTokens),
  });
  raw.flushHeaders();
  const acc = new StreamAccumulator();
  let complete = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      acc.push(chunk);
      // A slow client slows the upstream read (backpressure) instead of piling chunks up here.
      if (!raw.write(chunk)) await drained(raw);
    }
    complete = true;
  } catch (err) {
    if (!isSiraError(err)) request.log.warn({ err }, 'the upstream stream broke');
  } finally {
    cleanup();
    raw.end();
  }
  // A stream cut short (upstream broke, client left) leaves no assistant turn: it is not the model's reply.
  if (complete) await recordReply(sira, request, e.sessionId, acc.end());
  return reply;
}
