/**
 * @module api/intents
 * `/v1/intents/*`: tenant intent models (train from labelled examples, list, delete) and classification with a
 * tenant model or a built-in one (`clinc150`, `banking77`; data/models artifacts). Built-in models load when these
 * routes are registered, i.e. at start; without artifacts, classification answers `fallback: true`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { builtinIntentModels } from '../memory/intents.ts';
import type { RoutesOptions } from './sessions.ts';
import { problemResponses, problemSchema } from './schemas.ts';

const tags = ['intents'];
const security = [{ bearer: [] }];
const Name = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: '1-64 chars of [A-Za-z0-9_.-]' });

const ExampleSchema = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2000 }), label: Type.String({ minLength: 1, maxLength: 100 }) },
);
const TrainBodySchema = Type.Object(
  {
    examples: Type.Array(ExampleSchema, { description: 'Labelled examples: ≥ 2 labels, ≥ 3 examples per label, ≤ 2000 in all' }),
    name: Type.Optional(Name),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Out-of-scope below this best probability (default 0: never)' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  },
);
const ModelInfoSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer({ description: '1 after the first training, +1 per retraining' }),
  labels: Type.Array(Type.String()),
  examples: Type.Integer(),
  features: Type.Integer(),
  threshold: Type.Number(),
  train_accuracy: Type.Number({ description: 'Accuracy on its own training examples (not held-out)' }),
  trained_at: Type.Integer({ description: 'ms since the epoch' }),
  training_ms: Type.Integer(),
}, { title: 'IntentModel' });
const BuiltinInfoSchema = Type.Object({
  name: Type.String(),
  artifact: Type.String(),
  loaded: Type.Boolean(),
  version: Type.Optional(Type.String()),
  labels: Type.Optional(Type.Integer()),
  metrics: Type.Optional(Type.Record(Type.String(), Type.Number())),
});
const IntentResultSchema = Type.Object({
  label: Type.String({ description: 'The intent; the out-of-scope label (`oos`) when out_of_scope; `unknown` on fallback' }),
  confidence: Type.Number({ description: 'Probability of the best in-scope intent (at the model temperature)' }),
  distribution: Type.Array(Type.Object({ label: Type.String(), p: Type.Number() }), { description: 'Top-k classes, descending' }),
  out_of_scope: Type.Boolean(),
  fallback: Type.Boolean({ description: 'True when no model was available' }),
  model: Type.Union([Type.String(), Type.Null()]),
  builtin: Type.Boolean(),
});

/** The intent routes. */
export const intentRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  builtinIntentModels();

  app.post(
    '/intents/train',
    {
      schema: {
        tags,
        security,
        summary: 'Train (or retrain) a tenant intent model from labelled examples',
        body: TrainBodySchema,
        response: { 201: ModelInfoSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { examples, name, threshold, seed } = request.body;
      const info = await sira.tenant(request.tenant).trainIntentModel({
        examples,
        ...(name === undefined ? {} : { name }),
        ...(threshold === undefined ? {} : { threshold }),
        ...(seed === undefined ? {} : { seed }),
      });
      return reply.code(201).send(info);
    },
  );

  app.get(
    '/intents/models',
    {
      schema: {
        tags,
        security,
        summary: 'The tenant’s intent models and the built-in ones',
        response: { 200: Type.Object({ models: Type.Array(ModelInfoSchema), builtin: Type.Array(BuiltinInfoSchema) }), ...problemResponses },
      },
    },
    async (request) => ({ models: await sira.tenant(request.tenant).listIntentModels(), builtin: builtinIntentModels().list() }),
  );

  app.delete(
    '/intents/models/:name',
    { schema: { tags, security, summary: 'Delete a tenant intent model', params: Type.Object({ name: Name }), response: { 204: Type.Null(), ...problemResponses } } },
    async (request, reply) => {
      await sira.tenant(request.tenant).deleteIntentModel(request.params.name);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/intents/classify',
    {
      schema: {
        tags,
        security,
        summary: 'Classify a text',
        description:
          'With `model`: the tenant model of that name, else the built-in of that name (clinc150, banking77). Without: the tenant’s `default` model, else built-in clinc150.',
        body: Type.Object(
          {
            text: Type.String({ maxLength: 10_000 }),
            model: Type.Optional(Name),
            top_k: Type.Optional(Type.Integer({ minimum: 0, maximum: 50, description: 'Classes in `distribution` (default 5)' })),
          },
                ),
        response: { 200: IntentResultSchema, ...problemResponses, 404: problemSchema('No intent model of that name') },
      },
    },
    async (request) => {
      const { text, model, top_k } = request.body;
      return sira.tenant(request.tenant).classifyIntent(text, model, top_k);
    },
  );
};
