/**
 * @module api/sse
 * The Server-Sent Events stream both event routes serve (sessions and workspaces): headers, `: connected`, a `:
 * ping` heartbeat, frames as the hub delivers them with backpressure (a full socket pauses live delivery; on
 * `drain` the hub re-reads what was missed from the durable log), an `error` event carrying a problem body when
 * the subscription fails after the stream started, and an end the app can force on shutdown.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isSiraError, siraError } from '../core/errors.ts';
import type { Subscription } from '../storage/index.ts';

/** Open streams of a route plugin, ended on `preClose` (open streams never go idle and would hold `close()`). */
export type OpenStreams = Set<{ end: () => void }>;

/** Parse an event id given as text; throws SIRA_ERR_EVENTS_AFTER_INVALID. */
export function parseEventId(v: string, what: string): number {
  const n = /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', `${what} must be an integer ≥ 0`);
  return n;
}

/** A problem body for an error raised after a stream started (SSE `error` event, WebSocket `error` message). */
export function streamProblem(err: Error, instance: string): Record<string, unknown> {
  const code = isSiraError(err) ? err.code : 'SIRA_ERR_INTERNAL';
  const spec = ERRORS[code];
  const detail = isSiraError(err) ? err.message : spec.title;
  return { type: `https://sira.dev/errors/${code}`, title: spec.title, status: spec.status, detail, instance, code, ...(isSiraError(err) ? err.details : {}) };
}

/** What {@link streamEvents} needs from a route. */
export interface StreamSource<E> {
  request: FastifyRequest;
  reply: FastifyReply;
  streams: OpenStreams;
  heartbeatMs: number;
  /** The first id to deliver after (already checked by the caller, so a 404 or 410 was a problem+json answer). */
  from: number;
  subscribe(
    from: number,
    subscriber: { onEvents(events: E[]): boolean; onEnd(event: E): void; onError(err: Error): void },
  ): Promise<Subscription>;
  frame(event: E): string;
}

/** Take over the reply and stream events until the client leaves, the source ends or the app closes. */
export async function streamEvents<E>(src: StreamSource<E>): Promise<void> {
  const raw = src.reply.raw;
  // Filled in below; the callbacks only run once both are set (delivery starts after an await).
  const st: { sub?: Subscription; heartbeat?: NodeJS.Timeout } = {};
  let ended = false;
  const stream = {
    end: () => {
      if (ended) return;
      ended = true;
      clearInterval(st.heartbeat);
      st.sub?.close();
      src.streams.delete(stream);
      raw.end();
    },
  };
  const errorFrame = (err: Error) => `event: error\ndata: ${JSON.stringify(streamProblem(err, src.request.url))}\n\n`;
  src.reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': connected\n\n');
  src.streams.add(stream);
  st.heartbeat = setInterval(() => raw.write(': ping\n\n'), src.heartbeatMs);
  st.heartbeat.unref();
  raw.on('close', stream.end);
  try {
    st.sub = await src.subscribe(src.from, {
      onEvents: (events) => {
        if (ended) return true;
        if (raw.write(events.map((e) => src.frame(e)).join(''))) return true;
        // The socket is full: the hub stops live delivery; once it drains, it reads what was missed from the log.
        raw.once('drain', () => st.sub?.resume());
        return false;
      },
      onEnd: (event) => {
        if (!ended) raw.write(src.frame(event));
        stream.end();
      },
      onError: (err) => {
        if (!ended) raw.write(errorFrame(err));
        stream.end();
      },
    });
  } catch (err) {
    // Deleted (or trimmed) between the check and the subscription.
    if (!ended) raw.write(errorFrame(err as Error));
    stream.end();
    return;
  }
  if (ended) st.sub.close(); // the client left while subscribing
}
