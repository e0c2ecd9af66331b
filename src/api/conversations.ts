/**
 * @module api/conversations
 * The OpenAI Conversations API on Sira's storage: a conversation is a Sira session of the same id whose turns
 * mirror its items (see {@link OpenAIStore}). `POST /v1/conversations`, `GET|POST|DELETE /v1/conversations/:id`,
 * `POST|GET /v1/conversations/:id/items`, `GET|DELETE /v1/conversations/:id/items/:item_id`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { siraError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { checkMetadata, type JsonObject, type Limits } from '../core/index.ts';
import { cursorPage, openAIErrors } from './openai-compat.ts';
import { normalizeInput, type ResponseItem } from './openai-items.ts';
import { OpenAIStore } from './openai-store.ts';
import { problemResponses } from './schemas.ts';
import type { RoutesOptions } from './sessions.ts';

const tags = ['openai'];
const security = [{ bearer: [] }];
const Any = Type.Record(Type.String(), Type.Unknown());
const Items = Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 20, description: 'At most 20 items per call, as OpenAI allows' });
const Metadata = Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]);
const Params = Type.Object({ id: Type.String({ maxLength: 128 }) });
const ItemParams = Type.Object({ id: Type.String({ maxLength: 128 }), item_id: Type.String({ maxLength: 200 }) });
const ListQuery = Type.Object({
  after: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  include: Type.Optional(Type.Unknown()),
});

function items(raw: unknown, now: number): ResponseItem[] {
  try {
    return normalizeInput(raw ?? [], now);
  } catch (e) {
    throw siraError('SIRA_ERR_REQUEST_INVALID', (e as Error).message);
  }
}

function metadata(raw: Record<string, string> | null | undefined, limits: Limits): JsonObject {
  const m = (raw ?? {}) as JsonObject;
  if (Object.keys(m).length > 16) throw siraError('SIRA_ERR_REQUEST_INVALID', 'metadata holds at most 16 keys');
  return checkMetadata(m, limits);
}

/** The Conversations routes. */
export const conversationRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  openAIErrors(app);
  const store = (tenant: string) => new OpenAIStore(sira, tenant);

  app.post(
    '/conversations',
    {
      schema: {
        tags,
        security,
        summary: 'Create a conversation (a Sira session of the same id), optionally with its first items',
        body: Type.Object({ items: Type.Optional(Type.Union([Items, Type.Null()])), metadata: Type.Optional(Metadata) }, { additionalProperties: true }),
        response: { 200: Any, ...problemResponses },
      },
    },
    async (request) => {
      const now = sira.clock();
      return store(request.tenant).createConversation(newId('conv_', now), metadata(request.body.metadata, sira.options.limits), items(request.body.items, now), now);
    },
  );

  app.get(
    '/conversations/:id',
    { schema: { tags, security, summary: 'A conversation', params: Params, response: { 200: Any, ...problemResponses } } },
    async (request) => (await store(request.tenant).getConversation(request.params.id)).conversation,
  );

  app.post(
    '/conversations/:id',
    {
      schema: { tags, security, summary: 'Replace a conversation’s metadata', params: Params, body: Type.Object({ metadata: Metadata }, { additionalProperties: true }), response: { 200: Any, ...problemResponses } },
    },
    async (request) => store(request.tenant).updateConversation(request.params.id, metadata(request.body.metadata, sira.options.limits)),
  );

  app.delete(
    '/conversations/:id',
    { schema: { tags, security, summary: 'Delete a conversation, its items and its session', params: Params, response: { 200: Any, ...problemResponses } } },
    async (request) => {
      await store(request.tenant).deleteConversation(request.params.id);
      return { id: request.params.id, object: 'conversation.deleted', deleted: true };
    },
  );

  app.post(
    '/conversations/:id/items',
    {
      schema: { tags, security, summary: 'Append items to a conversation (and turns to its session)', params: Params, querystring: Type.Object({ include: Type.Optional(Type.Unknown()) }), body: Type.Object({ items: Items }), response: { 200: Any, ...problemResponses } },
    },
    async (request) => {
      const now = sira.clock();
      const added = items(request.body.items, now);
      await store(request.tenant).appendItems(request.params.id, added, now);
      return { object: 'list', data: added, first_id: added[0]?.id ?? null, last_id: added.at(-1)?.id ?? null, has_more: false };
    },
  );

  app.get(
    '/conversations/:id/items',
    { schema: { tags, security, summary: 'A conversation’s items, newest first by default', params: Params, querystring: ListQuery, response: { 200: Any, ...problemResponses } } },
    async (request) => cursorPage((await store(request.tenant).listItems(request.params.id)).map((x) => x.item), request.query as { order?: 'asc' | 'desc'; after?: string; limit?: number }),
  );

  app.get(
    '/conversations/:id/items/:item_id',
    { schema: { tags, security, summary: 'One item of a conversation', params: ItemParams, querystring: Type.Object({ include: Type.Optional(Type.Unknown()) }), response: { 200: Any, ...problemResponses } } },
    async (request) => (await store(request.tenant).getItem(request.params.id, request.params.item_id)).item,
  );

  app.delete(
    '/conversations/:id/items/:item_id',
    { schema: { tags, security, summary: 'Delete one item; answers the conversation', params: ItemParams, response: { 200: Any, ...problemResponses } } },
    async (request) => store(request.tenant).deleteItem(request.params.id, request.params.item_id),
  );
};
