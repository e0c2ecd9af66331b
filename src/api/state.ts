/**
 * @module api/state
 * `/v1/sessions/:id/state`: the session's versioned JSON state. The version is the ETag (`"3"`); PUT replaces and
 * PATCH merges (RFC 7396), both conditional on `If-Match` when given (`*` = any version). A stale `If-Match` is
 * answered 409 SIRA_ERR_STATE_VERSION_CONFLICT with `current_version`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { jsonBodyParser } from './json-body.ts';
import { Type } from 'typebox';
import type { JsonObject } from '../core/types.ts';
import type { RoutesOptions } from './sessions.ts';
import { JsonObjectSchema, SessionParamsSchema, StateSchema, problemResponses, problemSchema } from './schemas.ts';
import { etagOf, parseIfMatch, toWireState } from './wire.ts';

const tags = ['state'];
const security = [{ bearer: [] }];
const IfMatch = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'Only write if the current version is this ETag ("3"), or * for any' })),
});
const writeResponses = {
  200: stateWithEtag(),
  ...problemResponses,
  409: problemSchema('Stale If-Match; carries current_version'),
  413: problemSchema('State too large'),
};

function stateWithEtag() {
  return Type.Object(StateSchema.properties, { headers: { etag: { type: 'string', description: '"<version>"' } }, title: 'State' });
}

/** The state routes. */
export const stateRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'buffer' }, jsonBodyParser(app));

  app.get(
    '/sessions/:id/state',
    {
      schema: {
        tags,
        security,
        summary: 'Read the state; ETag is its version (If-None-Match gives 304)',
        params: SessionParamsSchema,
        response: { 200: stateWithEtag(), 304: Type.Null({ description: 'Not modified' }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const r = await sira.tenant(request.tenant).getState(request.params.id);
      const etag = etagOf(r.version);
      reply.header('etag', etag);
      if (request.headers['if-none-match']?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*') === true) {
        return reply.code(304).send(null);
      }
      return toWireState(r);
    },
  );

  // PUT replaces and PATCH merge-patches; both are conditional on If-Match and answer the new version as the ETag.
  const write = (method: 'PUT' | 'PATCH', summary: string, op: 'putState' | 'patchState') =>
    app.route({
      method,
      url: '/sessions/:id/state',
      schema: { tags, security, summary, params: SessionParamsSchema, headers: IfMatch, body: JsonObjectSchema, response: writeResponses },
      handler: async (request, reply) => {
        const expected = parseIfMatch(request.headers['if-match']);
        const r = await sira.tenant(request.tenant)[op](request.params.id, request.body as JsonObject, expected);
        return reply.header('etag', etagOf(r.version)).send(toWireState(r));
      },
    });
  write('PUT', 'Replace the state (conditional on If-Match)', 'putState');
  write('PATCH', 'Merge-patch the state (RFC 7396; application/merge-patch+json or application/json), conditional on If-Match', 'patchState');
};
