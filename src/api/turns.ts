/**
 * @module api/turns
 * `/v1/sessions/:id/turns`: append a batch atomically (all or none), read a seq range ascending, or the newest N.
 * `/v1/sessions/:id/enrichment`: which turns are embedded (searchable by meaning) and which are still pending.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RoutesOptions } from './sessions.ts';
import { EnrichmentSchema, NewTurnSchema, SessionParamsSchema, TurnSchema, TurnsQuerySchema, problemResponses, problemSchema } from './schemas.ts';
import { turnsPage } from './turn-pages.ts';
import { fromWireTurns, toWireTurn } from './wire.ts';

const tags = ['turns'];
const security = [{ bearer: [] }];

/** Page size of a range read when the client gives none. */
export { DEFAULT_TURN_PAGE } from './turn-pages.ts';

/** The turn routes. */
export const turnRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/sessions/:id/turns',
    {
      schema: {
        tags,
        security,
        summary: 'Append turns (atomically: all or none); the store assigns dense seqs',
        params: SessionParamsSchema,
        body: Type.Object({ turns: Type.Array(NewTurnSchema, { minItems: 1, description: 'At most limits.maxTurnsPerBatch' }) }),
        response: { 201: Type.Object({ turns: Type.Array(TurnSchema) }), ...problemResponses, 413: problemSchema('Too many turns or body too large') },
      },
    },
    async (request, reply) => {
      const stored = await sira.tenant(request.tenant).appendTurns(request.params.id, fromWireTurns(request.body.turns));
      return reply.code(201).send({ turns: stored.map(toWireTurn) });
    },
  );

  app.get(
    '/sessions/:id/turns',
    {
      schema: {
        tags,
        security,
        summary: 'Read turns: a seq range ascending (after_seq/before_seq/limit), or the newest N (last) in chronological order',
        params: SessionParamsSchema,
        querystring: TurnsQuerySchema,
        response: {
          200: Type.Object({
            turns: Type.Array(TurnSchema),
            next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as after_seq for the next page; null when there is no more' }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const t = sira.tenant(request.tenant);
      const json = await turnsPage(request.query, sira.options.limits.maxPageSize, (range) => t.getTurns(request.params.id, range));
      // Pre-serialised JSON text (see turnsResponseJson); the typed `send` only knows the schema's object form.
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  app.get(
    '/sessions/:id/enrichment',
    {
      schema: {
        tags,
        security,
        summary: 'Enrichment status of the newest contextMaxTurns turns: embedded (done) or still pending',
        params: SessionParamsSchema,
        response: { 200: EnrichmentSchema, ...problemResponses },
      },
    },
    async (request) => sira.tenant(request.tenant).enrichmentStatus(request.params.id),
  );
};
