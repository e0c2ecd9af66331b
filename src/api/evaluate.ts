/**
 * @module api/evaluate
 * `POST /v1/sessions/:id/evaluate`: the session's intent (from the configured classifier) and quality scores —
 * resolution, repetition, frustration, sentiment trend — each with the seqs of its evidence (DESIGN §6). Thin: the
 * facade reads the turns and the evaluator (src/memory/evaluate) does the work.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RoutesOptions } from './sessions.ts';
import { SessionParamsSchema, problemResponses } from './schemas.ts';

/** The request body (optional as a whole). */
export const EvaluateRequestSchema = Type.Object(
  {
    last: Type.Optional(Type.Integer({ minimum: 1, description: 'Evaluate the newest `last` turns (at most contextMaxTurns, its default)' })),
    intent: Type.Optional(Type.Boolean({ description: 'Also classify the intent when a classifier is configured (default true)' })),
  },
  { additionalProperties: false },
);

const Score = Type.Object({
  score: Type.Number({ minimum: 0, maximum: 1 }),
  evidence: Type.Array(Type.Integer(), { description: 'Seqs of the turns behind the score, ascending (at most 12)' }),
});
const ModelRef = Type.Union([Type.Object({ name: Type.String(), version: Type.String() }), Type.Null()]);

/** The evaluation. */
export const EvaluateResponseSchema = Type.Object({
  intent: Type.Union([
    Type.Object({
      label: Type.String(),
      confidence: Type.Number(),
      distribution: Type.Array(Type.Object({ label: Type.String(), p: Type.Number() })),
      out_of_scope: Type.Boolean(),
      model: ModelRef,
    }),
    Type.Null(),
  ]),
  intent_available: Type.Boolean({ description: 'False when the service has no intent classifier (intent is then null)' }),
  intent_error: Type.Optional(Type.String({ description: 'Present when the classifier failed: intent is null, the quality scores are still computed' })),
  quality: Type.Object({
    resolution: Score,
    repetition: Score,
    frustration: Score,
    sentiment_trend: Type.Object(
      { score: Score.properties.score, evidence: Score.properties.evidence },
      { description: 'Above 0.5: the user’s mood improves over the session; below: it worsens' },
    ),
    overall: Type.Number({ description: '0.5·resolution + 0.2·(1 − repetition) + 0.2·(1 − frustration) + 0.1·sentiment_trend' }),
  }),
  model: Type.Union([ModelRef], { description: 'The quality model artifact, or null for the hand-set fallback' }),
  fallback: Type.Boolean({ description: 'True when no trained quality artifact was found and hand-set weights were used' }),
  turns: Type.Integer({ description: 'Number of turns evaluated' }),
});

/** The evaluate route. */
export const evaluateRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/sessions/:id/evaluate',
    {
      schema: {
        tags: ['sessions'],
        security: [{ bearer: [] }],
        summary: 'Evaluate a session: intent, and quality scores (resolution, repetition, frustration, sentiment trend) with evidence turns',
        params: SessionParamsSchema,
        body: EvaluateRequestSchema,
        response: { 200: EvaluateResponseSchema, ...problemResponses },
      },
      // Every field is optional, so is the body: a bare POST evaluates with the defaults.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => {
      const b = request.body;
      return sira.tenant(request.tenant).evaluateSession(request.params.id, { last: b.last, intent: b.intent });
    },
  );
};
