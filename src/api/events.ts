/**
 * @module api/events
 * `GET /v1/sessions/:id/events`: a session's changes. With `Accept: text/event-stream`, a Server-Sent Events
 * stream (`id:` = event id, `event:` = type, `data:` = JSON) resuming after `Last-Event-ID` (or `?after=`; neither:
 * from now), with `: ping` heartbeats, backpressure (a full socket pauses live delivery; after `drain` the missed
 * events are read from the durable log) and a clean end on server shutdown. Otherwise a JSON page
 * `{events, next_after}` for polling clients (`?after=` default 0, `?limit=`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SessionEvent } from '../core/types.ts';
import type { RoutesOptions } from './sessions.ts';
import { SessionParamsSchema, problemResponses, problemSchema } from './schemas.ts';
import { iso } from './wire.ts';
import { eventPageLimit, openStreams, resumePoint, streamEvents, wantsEventStream } from './sse.ts';

const tags = ['events'];
const security = [{ bearer: [] }];

/** An event on the wire (`at` as an ISO 8601 string, like every time in the API). */
export function toWireEvent(e: SessionEvent): Record<string, unknown> {
  return { id: e.id, type: e.type, session_id: e.session_id, at: iso(e.at), data: e.data };
}

/** One SSE frame. */
export function sseFrame(e: SessionEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(toWireEvent(e))}\n\n`;
}

const EventSchema = Type.Object({
  id: Type.Integer({ description: 'Dense per session: 1, 2, 3, …' }),
  type: Type.String({ examples: ['turns.appended'] }),
  session_id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  data: Type.Object({}, { additionalProperties: true, description: 'turns.appended {first_seq, count}; state.changed {version}; tensor.* {name}' }),
}, { title: 'SessionEvent' });

const EventsQuerySchema = Type.Object({
  after: Type.Optional(Type.String({ description: 'Resume after this event id (Last-Event-ID wins when both are given)' })),
  limit: Type.Optional(Type.String({ description: 'JSON page size (default 100, at most limits.maxPageSize)' })),
});

/** The event routes. */
export const eventRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  const streams = openStreams(app);

  app.get(
    '/sessions/:id/events',
    {
      schema: {
        tags,
        security,
        summary: 'Session events: an SSE stream (Accept: text/event-stream) or a JSON page for polling',
        params: SessionParamsSchema,
        querystring: EventsQuerySchema,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            events: Type.Array(EventSchema),
            next_after: Type.Integer({ description: 'Pass as after for the next page (the last id returned, or the same after)' }),
          }),
          ...problemResponses,
          410: problemSchema('The events after this id were trimmed (SIRA_ERR_EVENTS_GAP)'),
        },
      },
    },
    async (request, reply) => {
      const t = sira.tenant(request.tenant);
      const id = request.params.id;
      const after = resumePoint(request);
      if (!wantsEventStream(request)) {
        const page = await t.readEvents(id, after ?? 0, eventPageLimit(request.query, sira.options.limits.maxPageSize));
        return reply.send({ events: page.events.map(toWireEvent) as never, next_after: page.events.at(-1)?.id ?? after ?? 0 });
      }

      // Check the session and the resume id before the stream starts, so a 404 or 410 is a problem+json answer.
      const from = after ?? (await t.readEvents(id, 0, 1)).last_id;
      if (after !== undefined) await t.readEvents(id, after, 1);
      await streamEvents({ sira, request, reply, streams, from, subscribe: (f, sub) => t.subscribe(id, f, sub), frame: sseFrame, idOf: (e) => e.id });
    },
  );
};
