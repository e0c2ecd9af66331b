/**
 * @module api/workspaces-events
 * `GET /v1/workspaces/:id/events`: a workspace's changes, like a session's (api/events.ts): an SSE stream with
 * `Accept: text/event-stream` (resume with `Last-Event-ID` or `?after=`; `: ping` heartbeats; a full socket pauses
 * delivery, which resumes from the durable log on `drain`), else a JSON page `{events, next_after}`.
 * Event ids are monotonic but not dense (compaction's own log entries are not shown): resume with the last id seen.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { WorkspaceEvent } from '../memory/workspaces/index.ts';
import type { RoutesOptions } from './sessions.ts';
import { problemResponses, problemSchema } from './schemas.ts';
import { iso } from './wire.ts';
import { eventPageLimit, openStreams, resumePoint, streamEvents, wantsEventStream } from './sse.ts';

const tags = ['workspaces'];
const security = [{ bearer: [] }];

/** A workspace event on the wire (`at` as ISO 8601). */
export function toWireWorkspaceEvent(e: WorkspaceEvent): Record<string, unknown> {
  return { id: e.id, type: e.type, workspace_id: e.workspace_id, at: iso(e.at), data: e.data };
}

function sseFrame(e: WorkspaceEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(toWireWorkspaceEvent(e))}\n\n`;
}

const EventSchema = Type.Object({
  id: Type.Integer({ description: 'Monotonic per workspace (not dense)' }),
  type: Type.String({ examples: ['crdt.updated'] }),
  workspace_id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  data: Type.Object({}, { additionalProperties: true }),
}, { title: 'WorkspaceEvent' });

/** The workspace event routes. */
export const workspaceEventRoutes: FastifyPluginAsyncTypebox<RoutesOptions> = async (app, { sira }) => {
  const streams = openStreams(app);

  app.get(
    '/workspaces/:id/events',
    {
      schema: {
        tags,
        security,
        summary: 'Workspace events: an SSE stream (Accept: text/event-stream) or a JSON page',
        params: Type.Object({ id: Type.String({ minLength: 1 }) }),
        querystring: Type.Object({ after: Type.Optional(Type.String()), limit: Type.Optional(Type.String()) }),
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({ events: Type.Array(EventSchema), next_after: Type.Integer({ description: 'Pass as after for the next page' }) }),
          ...problemResponses,
          410: problemSchema('The events after this id were trimmed (SIRA_ERR_EVENTS_GAP)'),
        },
      },
    },
    async (request, reply) => {
      const t = sira.workspaces(request.tenant);
      const id = request.params.id;
      const after = resumePoint(request);
      if (!wantsEventStream(request)) {
        const page = await t.readEvents(id, after ?? 0, eventPageLimit(request.query, sira.options.limits.maxPageSize));
        return reply.send({ events: page.events.map(toWireWorkspaceEvent) as never, next_after: page.last_read });
      }

      const from = after ?? (await t.readEvents(id, 0, 1)).last_id;
      if (after !== undefined) await t.readEvents(id, after, 1);
      await streamEvents({ sira, request, reply, streams, from, subscribe: (f, sub) => t.subscribe(id, f, sub), frame: sseFrame, idOf: (e) => e.id });
    },
  );
};
