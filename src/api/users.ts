/**
 * @module api/users
 * `DELETE /v1/users/:id`: erase a user of the caller's tenant everywhere (see src/erasure.ts): sessions with their
 * turns, state, tensors, embeddings, summaries and events; the profile and its evidence; experiences derived from
 * the user's sessions; recall index files; caches. With a master key configured the user's data key is destroyed,
 * so nothing of theirs stays readable in the files. Idempotent: erasing an unknown user answers 200 with zeros.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RoutesOptions } from './sessions.ts';
import { problemResponses } from './schemas.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, description: 'The user id sessions carry as user_id' }) });

export const userRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.delete(
    '/users/:id',
    {
      schema: {
        tags: ['profiles'],
        security: [{ bearer: [] }],
        summary: 'Erase the user: every session and everything derived from it (profile, experiences, indexes, caches); crypto-shredded with a master key',
        params: Params,
        response: {
          200: Type.Object({
            user_id: Type.String(),
            deleted: Type.Object({ sessions: Type.Integer(), profile: Type.Boolean(), experiences: Type.Integer() }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const r = await sira.tenant(request.tenant).eraseUser(request.params.id);
      return { user_id: r.user_id, deleted: { sessions: r.sessions_deleted, profile: r.profile_deleted, experiences: r.experiences_deleted } };
    },
  );
};
