/**
 * @module api/workspaces
 * `/v1/workspaces`: contexts shared by agents and sessions. CRUD, members (`agent` or `session`), the shared turn
 * log, the shared JSON state (CAS: the version is the ETag, `If-Match` → 409 SIRA_ERR_STATE_VERSION_CONFLICT with
 * `current_version`), Yjs CRDT docs (workspaces-crdt.ts) and events (workspaces-events.ts). Thin: each handler is one
 * call of {@link import('../memory/workspaces/workspaces.ts').TenantWorkspaces}.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { jsonBodyParser } from './json-body.ts';
import { Type } from 'typebox';
import type { JsonObject } from '../core/types.ts';
import type { Member, Workspace } from '../memory/workspaces/index.ts';
import type { RoutesOptions } from './sessions.ts';
import { JsonObjectSchema, NewTurnSchema, StateSchema, TurnSchema, TurnsQuerySchema, problemResponses, problemSchema } from './schemas.ts';
import { workspaceCrdtRoutes } from './workspaces-crdt.ts';
import { workspaceEventRoutes } from './workspaces-events.ts';
import { turnsPage } from './turn-pages.ts';
import { definedFields, etagOf, fromWireTurns, iso, parseIfMatch, toWireState, toWireTurn } from './wire.ts';

const tags = ['workspaces'];
const security = [{ bearer: [] }];
const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const WorkspaceParamsSchema = Type.Object({ id: Type.String({ minLength: 1 }) });

const WorkspaceSchema = Type.Object({
  id: Type.String(),
  created_by: Nullable(Type.String({ description: 'agent_id given at creation' })),
  metadata: JsonObjectSchema,
  created_at: Time,
  updated_at: Time,
  expires_at: Nullable(Time),
  ttl_seconds: Nullable(Type.Integer()),
  turn_count: Type.Integer(),
  state_version: Type.Integer(),
}, { title: 'Workspace' });

const MemberSchema = Type.Object({ kind: Type.Union([Type.Literal('agent'), Type.Literal('session')]), id: Type.String(), joined_at: Time });

/** A workspace as sent to clients. */
export function toWireWorkspace(w: Workspace) {
  return {
    id: w.id,
    created_by: w.created_by,
    metadata: w.metadata,
    created_at: iso(w.created_at),
    updated_at: iso(w.updated_at),
    expires_at: w.expires_at === null ? null : iso(w.expires_at),
    ttl_seconds: w.ttl_seconds,
    turn_count: w.turn_count,
    state_version: w.state_version,
  };
}

function toWireMember(m: Member) {
  return { kind: m.kind, id: m.id, joined_at: iso(m.joined_at) };
}

const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'Only write if the current version is this ETag ("3"), or * for any' })) });
const stateWithEtag = () => Type.Object(StateSchema.properties, { headers: { etag: { type: 'string', description: '"<version>"' } }, title: 'State' });
const stateWrite = { 200: stateWithEtag(), ...problemResponses, 409: problemSchema('Stale If-Match; carries current_version'), 413: problemSchema('State too large') };

/** The workspace routes (and, registered from here, its members, turns, state, CRDT and event routes). */
export const workspaceRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, opts) => {
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'buffer' }, jsonBodyParser(app));
  await app.register(lifecycleRoutes, opts);
  await app.register(memberRoutes, opts);
  await app.register(sharedTurnRoutes, opts);
  await app.register(sharedStateRoutes, opts);
  await app.register(workspaceCrdtRoutes, opts);
  await app.register(workspaceEventRoutes, opts);
};

/** Create, list, read, change and delete workspaces. */
// Over 80 lines on purpose: a plugin is its route table (each entry a schema and a short handler); split, the table would only scatter.
const lifecycleRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, opts) => {
  const { sira } = opts;
  const ws = (tenant: string) => sira.workspaces(tenant);
  app.post(
    '/workspaces',
    {
      schema: {
        tags,
        security,
        summary: 'Create a workspace',
        body: Type.Object({
          id: Type.Optional(Type.String()),
          agent_id: Type.Optional(Nullable(Type.String())),
          ttl_seconds: Type.Optional(Nullable(Type.Integer())),
          metadata: Type.Optional(JsonObjectSchema),
        }),
        response: { 201: WorkspaceSchema, ...problemResponses, 409: problemSchema('A workspace with this id exists') },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { id, agent_id, ttl_seconds, metadata } = request.body;
      const w = await ws(request.tenant).create(definedFields({ id, agent_id, ttl_seconds, metadata: metadata as JsonObject | undefined }));
      return reply.code(201).header('location', `/v1/workspaces/${encodeURIComponent(w.id)}`).send(toWireWorkspace(w));
    },
  );

  app.get(
    '/workspaces',
    {
      schema: {
        tags,
        security,
        summary: 'List workspaces, newest first',
        querystring: Type.Object({ cursor: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: Type.Object({ workspaces: Type.Array(WorkspaceSchema), next_cursor: Nullable(Type.String()) }), ...problemResponses },
      },
    },
    async (request) => {
      const page = await ws(request.tenant).list(request.query);
      return { workspaces: page.items.map(toWireWorkspace), next_cursor: page.cursor };
    },
  );

  app.get(
    '/workspaces/:id',
    { schema: { tags, security, summary: 'Get a workspace', params: WorkspaceParamsSchema, response: { 200: WorkspaceSchema, ...problemResponses } } },
    async (request) => toWireWorkspace(await ws(request.tenant).get(request.params.id)),
  );

  app.patch(
    '/workspaces/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change ttl_seconds (null: never expires) or metadata (replaced)',
        params: WorkspaceParamsSchema,
        body: Type.Object({ ttl_seconds: Type.Optional(Nullable(Type.Integer())), metadata: Type.Optional(JsonObjectSchema) }),
        response: { 200: WorkspaceSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { ttl_seconds, metadata } = request.body;
      const patch = { ...(ttl_seconds === undefined ? {} : { ttl_seconds }), ...(metadata === undefined ? {} : { metadata: metadata as JsonObject }) };
      return toWireWorkspace(await ws(request.tenant).update(request.params.id, patch));
    },
  );

  app.delete(
    '/workspaces/:id',
    {
      schema: { tags, security, summary: 'Delete a workspace with everything in it', params: WorkspaceParamsSchema, response: { 204: Type.Null(), ...problemResponses } },
    },
    async (request, reply) => {
      await ws(request.tenant).delete(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

/** Who is in a workspace: list, join, leave. */
const memberRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, opts) => {
  const ws = (tenant: string) => opts.sira.workspaces(tenant);
  app.get(
    '/workspaces/:id/members',
    {
      schema: { tags, security, summary: 'Members', params: WorkspaceParamsSchema, response: { 200: Type.Object({ members: Type.Array(MemberSchema) }), ...problemResponses } },
    },
    async (request) => ({ members: (await ws(request.tenant).members(request.params.id)).map(toWireMember) }),
  );

  app.post(
    '/workspaces/:id/members',
    {
      schema: {
        tags,
        security,
        summary: 'Join: 201 when added (event member.joined), 200 when already a member',
        params: WorkspaceParamsSchema,
        body: Type.Object({ kind: Type.String({ description: 'agent or session' }), id: Type.String({ description: 'agent id, or a session id of this tenant' }) }),
        response: { 200: MemberSchema, 201: MemberSchema, ...problemResponses, 409: problemSchema('Member limit reached') },
      },
    },
    async (request, reply) => {
      const { kind, id } = request.body;
      const r = await ws(request.tenant).join(request.params.id, kind as Member['kind'], id);
      return reply.code(r.joined ? 201 : 200).send(toWireMember(r.member));
    },
  );

  app.delete(
    '/workspaces/:id/members/:kind/:member',
    {
      schema: {
        tags,
        security,
        summary: 'Leave (event member.left)',
        params: Type.Object({ id: Type.String({ minLength: 1 }), kind: Type.String(), member: Type.String({ minLength: 1 }) }),
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      await ws(request.tenant).leave(request.params.id, request.params.kind as Member['kind'], request.params.member);
      return reply.code(204).send(null);
    },
  );
};

/** The shared turn log. */
const sharedTurnRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, opts) => {
  const { sira } = opts;
  const ws = (tenant: string) => sira.workspaces(tenant);
  app.post(
    '/workspaces/:id/turns',
    {
      schema: {
        tags,
        security,
        summary: 'Append to the shared turn log (atomically; give each turn its agent_id)',
        params: WorkspaceParamsSchema,
        body: Type.Object({ turns: Type.Array(NewTurnSchema, { minItems: 1 }) }),
        response: { 201: Type.Object({ turns: Type.Array(TurnSchema) }), ...problemResponses, 413: problemSchema('Too many turns') },
      },
    },
    async (request, reply) => {
      const stored = await ws(request.tenant).appendTurns(request.params.id, fromWireTurns(request.body.turns));
      return reply.code(201).send({ turns: stored.map(toWireTurn) });
    },
  );

  app.get(
    '/workspaces/:id/turns',
    {
      schema: {
        tags,
        security,
        summary: 'Read shared turns: after_seq/before_seq/limit ascending, or the newest N (last)',
        params: WorkspaceParamsSchema,
        querystring: TurnsQuerySchema,
        response: { 200: Type.Object({ turns: Type.Array(TurnSchema), next_cursor: Nullable(Type.String()) }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const t = ws(request.tenant);
      const json = await turnsPage(request.query, sira.options.limits.maxPageSize, (range) => t.getTurns(request.params.id, range));
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );
};

/** The shared CAS state. */
const sharedStateRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, opts) => {
  const ws = (tenant: string) => opts.sira.workspaces(tenant);
  app.get(
    '/workspaces/:id/state',
    {
      schema: {
        tags,
        security,
        summary: 'Read the shared state; ETag is its version',
        params: WorkspaceParamsSchema,
        response: { 200: stateWithEtag(), 304: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const r = await ws(request.tenant).getState(request.params.id);
      const etag = etagOf(r.version);
      reply.header('etag', etag);
      if (request.headers['if-none-match']?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*') === true) return reply.code(304).send(null);
      return toWireState(r);
    },
  );

  app.put(
    '/workspaces/:id/state',
    {
      schema: { tags, security, summary: 'Replace the shared state (CAS with If-Match)', params: WorkspaceParamsSchema, headers: IfMatch, body: JsonObjectSchema, response: stateWrite },
    },
    async (request, reply) => {
      const r = await ws(request.tenant).putState(request.params.id, request.body as JsonObject, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(r.version)).send(toWireState(r));
    },
  );

  app.patch(
    '/workspaces/:id/state',
    {
      schema: {
        tags,
        security,
        summary: 'Merge-patch the shared state (RFC 7396), CAS with If-Match',
        params: WorkspaceParamsSchema,
        headers: IfMatch,
        body: JsonObjectSchema,
        response: stateWrite,
      },
    },
    async (request, reply) => {
      const r = await ws(request.tenant).patchState(request.params.id, request.body as JsonObject, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(r.version)).send(toWireState(r));
    },
  );
};
