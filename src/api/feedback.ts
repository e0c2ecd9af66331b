/**
 * @module api/feedback
 * `POST /v1/sessions/:id/feedback`: a rating of one context response (thumbs, task success, or a score in
 * [0, 1]); the tenant's adaptive policy learns which context strategy works from it. Thin: the facade does the work.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RoutesOptions } from './sessions.ts';
import { SessionParamsSchema, problemResponses, problemSchema } from './schemas.ts';

const FeedbackRequestSchema = Type.Object(
  {
    context_id: Type.String({ minLength: 1, maxLength: 128, description: 'The `id` of the context response being rated' }),
    thumbs: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down')], { description: 'up = reward 1, down = 0' })),
    success: Type.Optional(Type.Boolean({ description: 'Did the task succeed with this context (1 / 0)' })),
    score: Type.Optional(Type.Number({ description: 'An explicit reward from 0 to 1' })),
  },
  { additionalProperties: false, description: 'Give exactly one of thumbs, success or score' },
);

const FeedbackResponseSchema = Type.Object({
  context_id: Type.String(),
  arm: Type.String({ description: 'The strategy (bandit arm) that served the rated response' }),
  context: Type.String({ description: 'The request context it was served in (length bucket:query kind)' }),
  reward: Type.Number(),
  arm_stats: Type.Object({ mean: Type.Number({ description: 'Posterior mean reward of the arm in that context' }), plays: Type.Integer() }),
});

/** The feedback route. */
export const feedbackRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/sessions/:id/feedback',
    {
      schema: {
        tags: ['context'],
        security: [{ bearer: [] }],
        summary: 'Rate a context response (thumbs, success or score); the adaptive policy learns from it',
        params: SessionParamsSchema,
        body: FeedbackRequestSchema,
        response: { 200: FeedbackResponseSchema, ...problemResponses, 409: problemSchema('This context response already has feedback') },
      },
    },
    async (request) => sira.tenant(request.tenant).feedback(request.params.id, request.body),
  );
};
