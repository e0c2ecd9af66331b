/**
 * @module api/health
 * Probes, without auth: `/healthz` (the process answers) and `/readyz` (the store can serve).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RoutesOptions } from './sessions.ts';

const tags = ['health'];

/** The probe routes. */
export const healthRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.get(
    '/healthz',
    { schema: { tags, summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: the store can serve',
        response: {
          200: Type.Object({ status: Type.Literal('ready') }),
          503: Type.Object({ status: Type.Literal('unavailable') }),
        },
      },
    },
    async (request, reply) => {
      let ok = false;
      try {
        ok = await sira.store.ready();
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
      }
      return ok ? reply.send({ status: 'ready' as const }) : reply.code(503).send({ status: 'unavailable' as const });
    },
  );
};
