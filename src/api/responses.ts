/**
 * @module api/responses
 * The OpenAI Responses API on Sira's storage, as a gateway: `POST /v1/responses` resolves `previous_response_id` or
 * `conversation` into the full list of items, optionally truncates it with the context engine (`truncation:
 * 'auto'`), forwards a stateless request (`store: false`) to the configured upstream, and stores the answer
 * (`store`, default true) as a response object, its items as turns of the chain's session. Streaming relays the
 * upstream's events in OpenAI's shapes with our response id. `GET|DELETE /v1/responses/:id` and
 * `GET /v1/responses/:id/input_items` read what was stored. Errors: see {@link openAIErrors}.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isSiraError, siraError } from '../core/errors.ts';
import { parseBudgetHeader } from '../memory/context/request.ts';
import { newId } from '../core/ids.ts';
import type { JsonObject } from '../core/types.ts';
import { defaultReplyReserve, loadTokenizer, resolveModel, type ModelInfo } from '../models/tokens.ts';
import type { SiraSession } from '../sira.ts';
import { cursorPage, openAIErrors, SseReader } from './openai-compat.ts';
import { MAX_STREAM_RECORD, settleStream } from './idempotency.ts';
import { itemText, normalizeInput, upstreamItems, type ResponseItem } from './openai-items.ts';
import { OpenAIStore, type SeqItem } from './openai-store.ts';
import { compactRoutes, expandCompactions } from './responses-compact.ts';
import { problemResponses, problemSchema } from './schemas.ts';
import type { RoutesOptions } from './sessions.ts';

const tags = ['openai'];
const security = [{ bearer: [] }];

const CreateBody = Type.Object(
  {
    model: Type.Optional(Type.String()),
    input: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown()))])),
    instructions: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    previous_response_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    conversation: Type.Optional(Type.Union([Type.String(), Type.Object({ id: Type.String() }, { additionalProperties: true }), Type.Null()])),
    store: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    truncation: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('disabled'), Type.Null()])),
  },
  { additionalProperties: true, description: 'An OpenAI Responses request; other fields (tools, temperature, text…) go to the upstream unchanged' },
);
type CreateBody = { model?: string; input?: unknown; instructions?: string | null; previous_response_id?: string | null; conversation?: string | { id: string } | null; store?: boolean | null; stream?: boolean | null; truncation?: 'auto' | 'disabled' | null } & Record<string, unknown>;

const Params = Type.Object({ id: Type.String({ maxLength: 200 }) });
const ListQuery = Type.Object({
  after: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  include: Type.Optional(Type.Unknown()),
});
const Any = Type.Record(Type.String(), Type.Unknown());
const upstreamProblems = {
  502: problemSchema('The upstream could not be reached (SIRA_ERR_UPSTREAM_FAILED)'),
  503: problemSchema('No upstream is configured (SIRA_ERR_UPSTREAM_NOT_CONFIGURED)'),
  504: problemSchema('The upstream did not answer in time (SIRA_ERR_UPSTREAM_TIMEOUT)'),
};

/** Everything a create request resolves to before it goes upstream. */
interface Plan {
  id: string;
  store: boolean;
  previousId: string | null;
  conversationId: string | null;
  sessionId: string;
  newItems: ResponseItem[];
  upstreamBody: JsonObject;
}

/** The model's prompt budget: X-Sira-Budget-Tokens, else its window less the reply reserve; undefined if unknown. */
function promptBudget(request: FastifyRequest, model: string | undefined): { budget: number; info: ModelInfo | undefined } | undefined {
  let info: ModelInfo | undefined;
  try {
    info = model === undefined ? undefined : resolveModel(model);
  } catch {
    info = undefined;
  }
  const budget = parseBudgetHeader(request.headers['x-sira-budget-tokens']);
  if (budget !== undefined) return { budget, info };
  return info === undefined ? undefined : { budget: info.contextWindow - defaultReplyReserve(info), info };
}

/**
 * `truncation: 'auto'`: when the earlier items exceed the budget, keep those whose turns the context engine
 * selects for the new input (system prompt, the latest turns, relevant older ones; tool call/result pairs
 * together), then drop any function call output whose call was dropped, as the upstream would refuse it.
 */
async function truncate(sira: SiraSession, request: FastifyRequest, body: CreateBody, sessionId: string, earlier: SeqItem[], newItems: ResponseItem[]): Promise<ResponseItem[]> {
  const all = [...earlier.map((x) => x.item), ...newItems];
  const limit = promptBudget(request, body.model);
  if (body.truncation !== 'auto' || limit === undefined || earlier.length === 0) return all;
  const tok = await loadTokenizer(limit.info?.encoding ?? 'o200k_base');
  const estimate = all.reduce((n, item) => n + tok.count(itemText(item)) + 4, tok.count(body.instructions ?? ''));
  if (estimate <= limit.budget) return all;
  const query = newItems.map(itemText).join('\n').slice(0, 4000);
  let ctx;
  try {
    ctx = await sira.tenant(request.tenant).buildContext(sessionId, { budget_tokens: Math.max(1, limit.budget - tok.count(query) - tok.count(body.instructions ?? '')), ...(query.trim() === '' ? {} : { query }) });
  } catch (e) {
    // The new input alone fills the budget (or the chain's session expired): send only the new input, as OpenAI's
    // own truncation would end up doing; the upstream decides whether that fits.
    if (isSiraError(e, 'SIRA_ERR_CONTEXT_BUDGET_TOO_SMALL') || isSiraError(e, 'SIRA_ERR_SESSION_NOT_FOUND')) return newItems;
    throw e;
  }
  const keep = new Set(ctx.selected.map((s) => s.seq));
  const kept = earlier.filter((x) => x.seq >= 0 && keep.has(x.seq)).map((x) => x.item);
  const calls = new Set(kept.filter((i) => i.type === 'function_call').map((i) => i.call_id));
  return [...kept.filter((i) => i.type !== 'function_call_output' || calls.has(i.call_id)), ...newItems];
}

async function plan(sira: SiraSession, request: FastifyRequest, body: CreateBody): Promise<Plan> {
  const store = new OpenAIStore(sira, request.tenant);
  const now = sira.clock();
  const previousId = body.previous_response_id ?? null;
  const conversationId = typeof body.conversation === 'string' ? body.conversation : (body.conversation?.id ?? null);
  if (previousId !== null && conversationId !== null) throw siraError('SIRA_ERR_REQUEST_INVALID', 'give previous_response_id or conversation, not both');
  let newItems: ResponseItem[];
  try {
    newItems = normalizeInput(body.input, now);
  } catch (e) {
    throw siraError('SIRA_ERR_REQUEST_INVALID', (e as Error).message);
  }
  const id = newId('resp_', now);
  let earlier: SeqItem[] = [];
  let sessionId = id;
  if (previousId !== null) {
    const chain = await store.chain(previousId);
    earlier = chain.items;
    sessionId = chain.sessionId;
  } else if (conversationId !== null) {
    const c = await store.getConversation(conversationId);
    earlier = await store.listItems(conversationId);
    sessionId = c.session_id;
  }
  const input = await expandCompactions(sira, request.tenant, await truncate(sira, request, body, sessionId, earlier, newItems));
  const { previous_response_id: _p, conversation: _c, store: _s, ...rest } = body;
  return {
    id,
    store: body.store !== false,
    previousId,
    conversationId,
    sessionId,
    newItems,
    upstreamBody: { ...(rest as JsonObject), input: upstreamItems(input), store: false },
  };
}

/** The upstream's response object as ours: our id, the chain links and `store` as the client asked. */
function ours(p: Plan, upstream: JsonObject): JsonObject {
  return { ...upstream, id: p.id, previous_response_id: p.previousId, conversation: p.conversationId === null ? null : { id: p.conversationId }, store: p.store };
}

/** Store a completed response: its items as turns, the response object, the conversation's new items. */
async function persist(sira: SiraSession, request: FastifyRequest, p: Plan, response: JsonObject): Promise<void> {
  if (!p.store) return;
  const store = new OpenAIStore(sira, request.tenant);
  const output = Array.isArray(response.output) ? (response.output as ResponseItem[]) : [];
  const items = [...p.newItems, ...output];
  const seqs = p.conversationId !== null ? await store.appendItems(p.conversationId, items, sira.clock()) : await store.mirror(p.sessionId, items, 'responses');
  await store.putResponse({
    response,
    input_items: p.newItems,
    input_seqs: seqs.slice(0, p.newItems.length),
    output_seqs: seqs.slice(p.newItems.length),
    session_id: p.sessionId,
    previous_response_id: p.previousId,
    conversation_id: p.conversationId,
  });
}

/** POST the plan upstream; the response once its headers arrived (the timer covers headers and a whole JSON body). */
async function callUpstream(sira: SiraSession, reply: FastifyReply, p: Plan): Promise<{ res: Response; done: () => void; failed: (err: unknown) => Error }> {
  const { upstreamUrl, upstreamApiKey, upstreamTimeoutMs } = sira.options;
  if (upstreamUrl === undefined) throw siraError('SIRA_ERR_UPSTREAM_NOT_CONFIGURED', 'set upstreamUrl (SIRA_UPSTREAM_URL) to forward responses');
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, upstreamTimeoutMs);
  const onClientGone = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.once('close', onClientGone);
  const done = () => {
    clearTimeout(timer);
    reply.raw.off('close', onClientGone);
  };
  const failed = (err: unknown) =>
    timedOut
      ? siraError('SIRA_ERR_UPSTREAM_TIMEOUT', `the upstream did not answer within ${upstreamTimeoutMs} ms`, { cause: err })
      : siraError('SIRA_ERR_UPSTREAM_FAILED', `the upstream could not be reached: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`, { cause: err });
  try {
    const res = await fetch(`${upstreamUrl.replace(/\/+$/, '')}/responses`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: p.upstreamBody.stream === true ? 'text/event-stream' : 'application/json',
        ...(upstreamApiKey === undefined ? {} : { authorization: `Bearer ${upstreamApiKey}` }),
      },
      body: JSON.stringify(p.upstreamBody),
      signal: controller.signal,
    });
    if (p.upstreamBody.stream === true) clearTimeout(timer);
    return { res, done, failed };
  } catch (err) {
    done();
    throw failed(err);
  }
}

/** Relay the upstream's event stream with our response id; store the response when `response.completed` comes. */
async function relay(sira: SiraSession, request: FastifyRequest, reply: FastifyReply, p: Plan, res: Response, done: () => void): Promise<FastifyReply> {
  const raw = reply.raw;
  reply.hijack();
  const contentType = 'text/event-stream; charset=utf-8';
  raw.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.flushHeaders();
  const reader = new SseReader();
  // With an Idempotency-Key, the relayed text is kept for a retry (see settleStream).
  let sent: string | undefined = request.idempotencyClaim === null ? undefined : '';
  const write = (text: string) => {
    if (sent !== undefined) sent = sent.length > MAX_STREAM_RECORD ? undefined : sent + text;
    raw.write(text);
  };
  let complete = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      for (const ev of reader.push(chunk)) {
        let data: JsonObject;
        try {
          data = JSON.parse(ev.data) as JsonObject;
        } catch {
          write(`${ev.event === undefined ? '' : `event: ${ev.event}\n`}data: ${ev.data}\n\n`);
          continue;
        }
        if (typeof data.response === 'object' && data.response !== null && !Array.isArray(data.response)) data.response = ours(p, data.response as JsonObject);
        const type = typeof data.type === 'string' ? data.type : ev.event;
        // Stored before the client hears "completed": a GET right after it finds the response.
        if (type === 'response.completed' && typeof data.response === 'object') {
          try {
            await persist(sira, request, p, data.response as JsonObject);
          } catch (err) {
            // The answer is streaming out already: the client still gets it, only the stored copy is missing.
            request.log.warn({ err }, 'could not store the streamed response');
          }
        }
        write(`event: ${type ?? 'message'}\ndata: ${JSON.stringify(data)}\n\n`);
      }
    }
    complete = true;
  } catch (err) {
    request.log.warn({ err }, 'the upstream response stream broke');
  } finally {
    done();
    raw.end();
  }
  await settleStream(sira, request, contentType, complete ? sent : undefined);
  return reply;
}

/** The Responses routes. */
// Over 80 lines on purpose: a plugin is its route table (each entry a schema and a short handler); split, the table would only scatter.
export const responseRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  openAIErrors(app);
  await app.register(compactRoutes, { sira });

  app.post(
    '/responses',
    {
      // A streamed answer is kept for Idempotency-Key retries too (relay → settleStream).
      config: { idempotentStreams: true },
      schema: {
        tags,
        security,
        summary: 'OpenAI Responses: resolve previous_response_id / conversation, forward to the upstream, store the response (store, default true)',
        body: CreateBody,
        response: { 200: Any, ...problemResponses, ...upstreamProblems },
      },
    },
    async (request, reply) => {
      const body = request.body as CreateBody;
      const p = await plan(sira, request, body);
      const { res, done, failed } = await callUpstream(sira, reply, p);
      if (res.ok && p.upstreamBody.stream === true && res.body !== null) return relay(sira, request, reply, p, res, done);
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        throw failed(err);
      } finally {
        done();
      }
      // An upstream refusal (4xx/5xx) passes through unchanged: its body is already in OpenAI's error shape.
      if (!res.ok) return reply.code(res.status).type(res.headers.get('content-type') ?? 'application/json').send(bytes as never);
      let upstream: JsonObject;
      try {
        upstream = JSON.parse(bytes.toString('utf8')) as JsonObject;
      } catch (err) {
        throw siraError('SIRA_ERR_UPSTREAM_FAILED', 'the upstream answered with a body that is not JSON', { cause: err });
      }
      const response = ours(p, upstream);
      await persist(sira, request, p, response);
      return response;
    },
  );

  app.get(
    '/responses/:id',
    { schema: { tags, security, summary: 'A stored response', params: Params, response: { 200: Any, ...problemResponses } } },
    async (request) => (await new OpenAIStore(sira, request.tenant).getResponse(request.params.id)).response,
  );

  app.delete(
    '/responses/:id',
    { schema: { tags, security, summary: 'Delete a stored response (its turns stay in the chain’s session)', params: Params, response: { 200: Any, ...problemResponses } } },
    async (request) => {
      await new OpenAIStore(sira, request.tenant).deleteResponse(request.params.id);
      return { id: request.params.id, object: 'response', deleted: true };
    },
  );

  app.get(
    '/responses/:id/input_items',
    {
      schema: {
        tags,
        security,
        summary: 'The input items of a stored response: the chain behind previous_response_id, then its own input; newest first by default',
        params: Params,
        querystring: ListQuery,
        response: { 200: Any, ...problemResponses },
      },
    },
    async (request) => {
      const store = new OpenAIStore(sira, request.tenant);
      const r = await store.getResponse(request.params.id);
      // As OpenAI lists them: everything the model was given, earlier responses' inputs and outputs included.
      let earlier: ResponseItem[] = [];
      if (r.previous_response_id !== null) {
        try {
          earlier = (await store.chain(r.previous_response_id)).items.map((x) => x.item);
        } catch (e) {
          // A link of the chain was deleted since: only this response's own items are left to list.
          if (!isSiraError(e, 'SIRA_ERR_RESPONSE_NOT_FOUND')) throw e;
        }
      }
      return cursorPage([...earlier, ...r.input_items], request.query as { order?: 'asc' | 'desc'; after?: string; limit?: number });
    },
  );
};
