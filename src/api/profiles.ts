/**
 * @module api/profiles
 * `/v1/users/:id/profile`: what the service learned about a user from their turns (preferences and facts with
 * polarity, confidence, evidence turns and history). GET reads it (ETag = version), PATCH sets or forgets slots
 * explicitly (conditional on If-Match), DELETE forgets the user: the profile, its history and evidence quotes, the
 * turns still queued for extraction, and with `?sessions=true` every session of the user as well.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ProfileChange, ProfileEntry, StoredProfile } from '../memory/profile/index.ts';
import type { RoutesOptions } from './sessions.ts';
import { problemResponses, problemSchema } from './schemas.ts';
import { etagOf, parseIfMatch } from './wire.ts';

const tags = ['profiles'];
const security = [{ bearer: [] }];
const Params = Type.Object({ id: Type.String({ minLength: 1, description: 'The user id sessions carry as user_id' }) });
const Time = Type.String({ format: 'date-time' });
const Polarity = Type.Union([Type.Literal('positive'), Type.Literal('negative')]);

const EntrySchema = Type.Object({
  id: Type.String(),
  slot: Type.String({ description: 'The attribute, or attribute/value for many-valued ones (likes/jazz)', examples: ['diet', 'likes/cilantro'] }),
  attribute: Type.String({ examples: ['diet', 'home_city', 'likes', 'uses', 'eats', 'people/daughter'] }),
  value: Type.String(),
  polarity: Polarity,
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  status: Type.Union([Type.Literal('current'), Type.Literal('superseded'), Type.Literal('rejected')]),
  source: Type.Union([Type.Literal('extracted'), Type.Literal('explicit')]),
  evidence: Type.Array(Type.Object({ session: Type.String(), seq: Type.Integer(), at: Time, quote: Type.Optional(Type.String()) })),
  first_seen: Time,
  last_seen: Time,
  superseded_by: Type.Optional(Type.String()),
  supersedes: Type.Optional(Type.String()),
}, { title: 'ProfileEntry' });

const ProfileSchema = Type.Object(
  {
    user_id: Type.String(),
    version: Type.Integer({ description: 'Document version; also the ETag' }),
    updated_at: Time,
    entries: Type.Array(EntrySchema, { description: 'Current entries, most confident first' }),
    history: Type.Array(EntrySchema, { description: 'Superseded and rejected entries, newest first' }),
  },
  { headers: { etag: { type: 'string' } }, title: 'Profile' },
);

const ChangeSchema = Type.Object(
  {
    set: Type.Optional(
      Type.Array(
        Type.Object({
          attribute: Type.String({ minLength: 1, maxLength: 100, examples: ['diet', 'likes', 'people/daughter'] }),
          value: Type.String({ minLength: 1, maxLength: 200 }),
          polarity: Type.Optional(Polarity),
        }),
        { maxItems: 100 },
      ),
    ),
    remove: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300, description: 'A slot, e.g. likes/cilantro' }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const iso = (ms: number) => new Date(ms).toISOString();

function wireEntry(e: ProfileEntry) {
  return {
    ...e,
    evidence: e.evidence.map((v) => ({ session: v.session, seq: v.seq, at: iso(v.at), ...(v.quote === undefined ? {} : { quote: v.quote }) })),
    first_seen: iso(e.first_seen),
    last_seen: iso(e.last_seen),
  };
}

/** The wire form of a stored profile. */
export function toWireProfile(p: StoredProfile) {
  const current = p.doc.entries.filter((e) => e.status === 'current').sort((a, b) => b.confidence - a.confidence || b.last_seen - a.last_seen);
  const history = p.doc.entries.filter((e) => e.status !== 'current').sort((a, b) => b.last_seen - a.last_seen);
  return { user_id: p.doc.user_id, version: p.version, updated_at: iso(p.updated_at), entries: current.map(wireEntry), history: history.map(wireEntry) };
}

/** The profile routes. */
export const profileRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  app.get(
    '/users/:id/profile',
    { schema: { tags, security, summary: 'The user’s learned preferences and facts, with history and evidence', params: Params, response: { 200: ProfileSchema, ...problemResponses } } },
    async (request, reply) => {
      const p = await sira.tenant(request.tenant).getProfile(request.params.id);
      return reply.header('etag', etagOf(p.version)).send(toWireProfile(p));
    },
  );

  app.patch(
    '/users/:id/profile',
    {
      schema: {
        tags,
        security,
        summary: 'Set entries explicitly (they win over extracted ones) or forget slots; conditional on If-Match',
        params: Params,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
        body: ChangeSchema,
        response: { 200: ProfileSchema, ...problemResponses, 409: problemSchema('Stale If-Match; carries current_version') },
      },
    },
    async (request, reply) => {
      const expected = parseIfMatch(request.headers['if-match']);
      const p = await sira.tenant(request.tenant).patchProfile(request.params.id, request.body as ProfileChange, expected);
      return reply.header('etag', etagOf(p.version)).send(toWireProfile(p));
    },
  );

  app.delete(
    '/users/:id/profile',
    {
      schema: {
        tags,
        security,
        summary: 'Forget the user: profile, history, evidence quotes and queued extraction (and with sessions=true, every session of the user)',
        params: Params,
        querystring: Type.Object({ sessions: Type.Optional(Type.Boolean({ default: false })) }),
        response: {
          200: Type.Object({
            user_id: Type.String(),
            deleted: Type.Object({ profile: Type.Boolean(), queued_turns: Type.Integer(), sessions: Type.Integer() }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const r = await sira.tenant(request.tenant).deleteProfile(request.params.id, { sessions: request.query.sessions === true });
      return { user_id: request.params.id, deleted: { profile: r.profile, queued_turns: r.queued_turns, sessions: r.sessions_deleted } };
    },
  );
};
