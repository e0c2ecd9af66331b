/**
 * @module api/experiences
 * `/v1/experiences`: agents post trajectories (task, steps, outcome, reward); `search` returns the most useful
 * past runs for a new task with their cluster's success statistics and lessons; `graph` counts task cluster →
 * strategy → outcome. Thin: the facade validates (stable SIRA_ERR_EXPERIENCE_* codes) and does the work.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { siraError } from '../core/errors.ts';
import type { RoutesOptions } from './sessions.ts';
import { JsonObjectSchema, problemResponses, problemSchema } from './schemas.ts';
import { CHECKED_BY_FACADE } from './validation.ts';

const tags = ['experiences'];
const security = [{ bearer: [] }];

const StepSchema = Type.Object({
  tool: Type.Optional(Type.String({ description: 'The tool used, if any', examples: ['web_search'] })),
  action: Type.String({ description: 'What the agent did', examples: ['query'] }),
  input: Type.Optional(Type.Unknown()),
  output: Type.Optional(Type.Unknown()),
  ok: Type.Boolean({ description: 'Whether the step succeeded' }),
}, { title: 'ExperienceStep' });
const Outcome = Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('partial')]);

const NewExperienceSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ description: 'Client id (1-128 chars of [A-Za-z0-9_.:-]); default: generated' })),
    task: Type.String({ description: 'The task, in words (at most 8000 characters)' }),
    agent_id: Type.String({ description: 'The agent that ran it' }),
    steps: Type.Array(StepSchema, { description: 'The trajectory, in order (at most 500 steps)' }),
    outcome: Outcome,
    reward: Type.Optional(Type.Number({ description: 'Default: 1 success, 0.5 partial, 0 failure' })),
    metadata: Type.Optional(JsonObjectSchema),
  },
  { [CHECKED_BY_FACADE]: true },
);

const ExperienceSchema = Type.Object(
  {
    id: Type.String(),
    task: Type.String(),
    agent_id: Type.String(),
    steps: Type.Array(StepSchema),
    outcome: Outcome,
    reward: Type.Number(),
    metadata: JsonObjectSchema,
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: true, title: 'Experience' },
);

const SearchSchema = Type.Object(
  {
    task: Type.String({ description: 'The new task' }),
    k: Type.Optional(Type.Integer({ description: 'Experiences to return, 1..100 (default 5)' })),
    agent_id: Type.Optional(Type.String({ description: 'Only this agent’s runs' })),
    cluster_threshold: Type.Optional(Type.Number({ description: 'Similarity for a run to join the task’s cluster (default: the best split of the neighbours’ similarities, at least 0.2)' })),
  },
  { [CHECKED_BY_FACADE]: true },
);

const SearchResponseSchema = Type.Object(
  {
    experiences: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'Most useful first: similarity × (0.5 + 0.5 × outcome value)' }),
    cluster: Type.Record(Type.String(), Type.Unknown(), { description: 'runs, success, partial, failure, success_rate, mean_reward, threshold, ids' }),
    lessons: Type.Record(Type.String(), Type.Unknown(), { description: 'do / avoid step patterns, failed_steps, text; written (LLM) when configured' }),
    embedding: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: true },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });
const iso = (ms: number) => new Date(ms).toISOString();

/** The experience routes. */
export const experienceRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.post(
    '/experiences',
    {
      schema: { tags, security, summary: 'Record an agent trajectory', body: NewExperienceSchema, response: { 201: ExperienceSchema, ...problemResponses, 409: problemSchema('An experience with this id exists') } },
    },
    async (request, reply) => {
      const e = await sira.tenant(request.tenant).putExperience(request.body);
      return reply.code(201).header('location', `/v1/experiences/${encodeURIComponent(e.id)}`).send({ ...e, created_at: iso(e.created_at) });
    },
  );

  app.post(
    '/experiences/search',
    { schema: { tags, security, summary: 'The most useful past runs for a task, its cluster’s success statistics and lessons', body: SearchSchema, response: { 200: SearchResponseSchema, ...problemResponses } } },
    async (request) => {
      const r = await sira.tenant(request.tenant).searchExperiences(request.body);
      return { ...r, cluster: { ...r.cluster }, lessons: { ...r.lessons }, embedding: { ...r.embedding }, experiences: r.experiences.map((e) => ({ ...e, created_at: iso(e.created_at) })) };
    },
  );

  app.get(
    '/experiences/graph',
    {
      schema: {
        tags,
        security,
        summary: 'Task clusters → strategies (step patterns) → outcomes, with run counts',
        querystring: Type.Object({
          agent_id: Type.Optional(Type.String()),
          threshold: Type.Optional(Type.String({ description: 'Similarity that joins a run to a cluster, (0, 1]; default 0.7' })),
          limit: Type.Optional(Type.String({ description: 'Most runs read, 1..100000; default 5000' })),
        }),
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const num = (name: string, v: string | undefined) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n)) throw siraError('SIRA_ERR_EXPERIENCE_QUERY_INVALID', `${name} must be a number`);
        return n;
      };
      const g = await sira.tenant(request.tenant).experienceGraph({ agent_id: q.agent_id, threshold: num('threshold', q.threshold), limit: num('limit', q.limit) });
      return { ...g };
    },
  );

  app.get(
    '/experiences/:id',
    { schema: { tags, security, summary: 'An experience', params: IdParams, response: { 200: ExperienceSchema, ...problemResponses } } },
    async (request) => {
      const e = await sira.tenant(request.tenant).getExperience(request.params.id);
      return { ...e, created_at: iso(e.created_at) };
    },
  );

  app.delete(
    '/experiences/:id',
    { schema: { tags, security, summary: 'Delete an experience', params: IdParams, response: { 204: Type.Null(), ...problemResponses } } },
    async (request, reply) => {
      await sira.tenant(request.tenant).deleteExperience(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
