/**
 * @module api/sessions
 * `/v1/sessions`: create, list (newest first, cursor-paged), get, patch and delete sessions of the caller's tenant.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { JsonObject } from '../core/types.ts';
import type { SiraSession } from '../sira.ts';
import { NewSessionSchema, SessionParamsSchema, SessionPatchSchema, SessionSchema, problemResponses, problemSchema } from './schemas.ts';
import { definedFields, toWireSession } from './wire.ts';

/** Options of the /v1 route plugins. */
export interface RoutesOptions {
  sira: SiraSession;
}

const tags = ['sessions'];
/** Page size of a session list when the client gives none (capped by limits.maxPageSize). */
export const DEFAULT_SESSION_PAGE = 100;
const security = [{ bearer: [] }];

/** The session routes. */
// Over 80 lines on purpose: a plugin is its route table (each entry a schema and a short handler); split, the table would only scatter.
export const sessionRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/sessions',
    {
      schema: {
        tags,
        security,
        summary: 'Create a session',
        body: NewSessionSchema,
        response: { 201: SessionSchema, ...problemResponses, 409: problemSchema('A session with this id exists') },
      },
      // A POST with no body at all creates a session with defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { id, user_id, agent_id, ttl_seconds, metadata } = request.body;
      const s = await sira.tenant(request.tenant).createSession(definedFields({ id, user_id, agent_id, ttl_seconds, metadata: metadata as JsonObject | undefined }));
      return reply.code(201).header('location', `/v1/sessions/${encodeURIComponent(s.id)}`).send(toWireSession(s));
    },
  );

  app.get(
    '/sessions',
    {
      schema: {
        tags,
        security,
        summary: 'List sessions, newest first',
        querystring: Type.Object({
          user_id: Type.Optional(Type.String({ description: 'Only this user’s sessions' })),
          cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Page size (default 100, at most limits.maxPageSize)' })),
        }),
        response: { 200: Type.Object({ sessions: Type.Array(SessionSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? Math.min(DEFAULT_SESSION_PAGE, sira.options.limits.maxPageSize);
      const page = await sira.tenant(request.tenant).listSessions({ ...request.query, limit });
      return { sessions: page.items.map(toWireSession), next_cursor: page.cursor };
    },
  );

  app.get(
    '/sessions/:id',
    { schema: { tags, security, summary: 'Get a session', params: SessionParamsSchema, response: { 200: SessionSchema, ...problemResponses } } },
    async (request) => toWireSession(await sira.tenant(request.tenant).getSession(request.params.id)),
  );

  app.patch(
    '/sessions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change user_id, agent_id, ttl_seconds (null clears) or metadata (replaced)',
        params: SessionParamsSchema,
        body: SessionPatchSchema,
        response: { 200: SessionSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { user_id, agent_id, ttl_seconds, metadata } = request.body;
      const patch = { user_id, agent_id, ttl_seconds, metadata: metadata as JsonObject | undefined };
      return toWireSession(await sira.tenant(request.tenant).updateSession(request.params.id, patch));
    },
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a session with its turns, state and tensors',
        params: SessionParamsSchema,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      await sira.tenant(request.tenant).deleteSession(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
