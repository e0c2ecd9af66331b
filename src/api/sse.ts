/**
 * @module api/sse
 * The Server-Sent Events stream both event routes serve (sessions and workspaces): headers, `: connected`, a `:
 * ping` heartbeat, frames as the hub delivers them with backpressure (a full socket pauses live delivery; on
 * `drain` the hub re-reads what was missed from the durable log), an `error` event carrying a problem body when
 * the subscription fails after the stream started, and an end the app can force on shutdown.
 *
 * Buffering is bounded per stream: while more than `sseMaxBufferedBytes` wait in the socket's user-space buffer
 * nothing more is written (live delivery pauses; heartbeats are skipped), and a client that stays congested for
 * `sseSlowConsumerMs` is disconnected (its socket destroyed, which frees what it held); it resumes with
 * `Last-Event-ID` and loses nothing. Each stream counts as one of its tenant's subscribers (`quotas.subscribers`)
 * from before the response starts until it ends, and is listed in the service's {@link streamTracker}.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isSiraError, siraError } from '../core/errors.ts';
import type { Subscription } from '../storage/index.ts';
import type { SiraSession } from '../sira.ts';

/** Open streams of a route plugin, ended on `preClose` (open streams never go idle and would hold `close()`). */
export type OpenStreams = Set<{ end: () => void }>;

/** The open streams of a route plugin, each ended on the app's `preClose` (else they would hold `close()`). */
export function openStreams(app: Pick<FastifyInstance, 'addHook'>): OpenStreams {
  const streams: OpenStreams = new Set();
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });
  return streams;
}

/** The query of an events route (both take the same). */
export interface EventsQuery {
  after?: string | undefined;
  limit?: string | undefined;
}

/**
 * Where an events request resumes: after the `Last-Event-ID` header's id, else after `?after=`; undefined when
 * neither is given (a stream starts from now, a page from the start). Throws SIRA_ERR_EVENTS_AFTER_INVALID.
 */
export function resumePoint(request: FastifyRequest<{ Querystring: EventsQuery }>): number | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return parseEventId(header, 'Last-Event-ID');
  return request.query.after === undefined ? undefined : parseEventId(request.query.after, 'after');
}

/** True when the client asks for the Server-Sent Events stream rather than a JSON page. */
export const wantsEventStream = (request: FastifyRequest): boolean => (request.headers.accept ?? '').includes('text/event-stream');

/** The size of a JSON events page: `?limit=`, else 100 capped at `maxPageSize`. Throws SIRA_ERR_EVENTS_AFTER_INVALID. */
export function eventPageLimit(query: EventsQuery, maxPageSize: number): number {
  return query.limit === undefined ? Math.min(100, maxPageSize) : parseEventId(query.limit, 'limit');
}

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

/** An open event stream (SSE or WebSocket) as the tracker sees it. */
export interface TrackedStream {
  transport: 'sse' | 'ws';
  tenant: string;
  /** Bytes waiting to be sent to this client now. */
  bufferedBytes(): number;
}

/** Open event streams of one service (for `/metrics` and tests) and slow consumers disconnected since start. */
export interface StreamTracker {
  open: Set<TrackedStream>;
  slowClosed: { sse: number; ws: number };
}

const trackers = new WeakMap<SiraSession, StreamTracker>();

/** The stream tracker of a service (one per {@link SiraSession}, shared by its apps). */
export function streamTracker(sira: SiraSession): StreamTracker {
  let t = trackers.get(sira);
  if (t === undefined) {
    t = { open: new Set(), slowClosed: { sse: 0, ws: 0 } };
    trackers.set(sira, t);
  }
  return t;
}

/** Bytes all open streams of a service have waiting to be sent. */
export function bufferedBytes(sira: SiraSession): number {
  let n = 0;
  for (const s of streamTracker(sira).open) n += s.bufferedBytes();
  return n;
}

/** What {@link streamEvents} needs from a route. */
export interface StreamSource<E> {
  sira: SiraSession;
  request: FastifyRequest;
  reply: FastifyReply;
  streams: OpenStreams;
  /** The first id to deliver after (already checked by the caller, so a 404 or 410 was a problem+json answer). */
  from: number;
  subscribe(
    from: number,
    subscriber: { onEvents(events: E[]): boolean; onEnd(event: E): void; onError(err: Error): void },
  ): Promise<Subscription>;
  frame(event: E): string;
  /** The id of an event (where a re-opened subscription resumes). */
  idOf(event: E): number;
}

/**
 * Take over the reply and stream events until the client leaves, the source ends, the client is too slow or the
 * app closes. Throws SIRA_ERR_QUOTA_SUBSCRIBERS (before anything is sent) when the tenant has its most streams.
 */
// Over 80 lines on purpose: one closure owns the stream's state (subscription, heartbeat, congestion, last id written)
// that its callbacks share; split, that state would have to travel through every piece.
export async function streamEvents<E>(src: StreamSource<E>): Promise<void> {
  const { sira, request } = src;
  const { eventHeartbeatMs, sseMaxBufferedBytes, sseSlowConsumerMs } = sira.options;
  const release = await sira.quotas.acquireSubscriber(request.tenant);
  const raw = src.reply.raw;
  const tracker = streamTracker(sira);
  // Filled in below; the callbacks only run once both are set (delivery starts after an await).
  const st: { sub?: Subscription; heartbeat?: NodeJS.Timeout; congestedSince?: number } = {};
  let ended = false;
  const tracked: TrackedStream = { transport: 'sse', tenant: request.tenant, bufferedBytes: () => (ended ? 0 : raw.writableLength) };
  const stream = {
    end: () => {
      if (ended) return;
      ended = true;
      clearInterval(st.heartbeat);
      st.sub?.close();
      src.streams.delete(stream);
      tracker.open.delete(tracked);
      release();
      raw.end();
    },
  };
  /** Disconnect a client that has not read for `sseSlowConsumerMs`: destroying the socket frees its buffer. */
  const dropSlow = () => {
    tracker.slowClosed.sse++;
    request.log.info({ buffered: raw.writableLength }, 'SSE client too slow; disconnected (it resumes with Last-Event-ID)');
    stream.end();
    raw.destroy();
  };
  const congested = () => raw.writableLength > sseMaxBufferedBytes || raw.writableNeedDrain;
  const errorFrame = (err: Error) => `event: error\ndata: ${JSON.stringify(streamProblem(err, request.url))}\n\n`;
  src.reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': connected\n\n');
  src.streams.add(stream);
  tracker.open.add(tracked);
  // The heartbeat also watches a congested stream: a ping only when the socket has room, a disconnect when the
  // client has not drained it for sseSlowConsumerMs.
  const tickMs = Math.max(10, Math.min(eventHeartbeatMs, Math.ceil(sseSlowConsumerMs / 4)));
  let sinceBeat = 0;
  st.heartbeat = setInterval(() => {
    if (st.congestedSince !== undefined) {
      if (sira.clock() - st.congestedSince >= sseSlowConsumerMs) dropSlow();
      return;
    }
    sinceBeat += tickMs;
    if (sinceBeat >= eventHeartbeatMs) {
      sinceBeat = 0;
      if (!congested()) raw.write(': ping\n\n');
    }
  }, tickMs);
  st.heartbeat.unref();
  raw.on('close', stream.end);
  // Id of the last event written to the socket: where a subscription dropped for backpressure resumes.
  let lastId = src.from;
  const pause = () => {
    st.congestedSince ??= sira.clock();
    // The hub stops live delivery; once the socket drains, it reads what was missed from the log.
    raw.once('drain', () => {
      st.congestedSince = undefined;
      if (!ended) st.sub?.resume();
    });
    return false;
  };
  const subscriber = {
    onEvents: (events: E[]): boolean => {
      if (ended) return true;
      // Frames up to the buffer limit (at least one); the rest of the batch is not kept in memory: the
      // subscription is dropped and re-opened after the last written id once the client has read.
      let chunk = '';
      let n = 0;
      while (n < events.length && (n === 0 || raw.writableLength + chunk.length <= sseMaxBufferedBytes)) {
        chunk += src.frame(events[n]!);
        lastId = src.idOf(events[n]!);
        n++;
      }
      const room = raw.write(chunk);
      if (n === events.length) return room || pause();
      restartAfterDrain();
      return false;
    },
    onEnd: (event: E): void => {
      if (!ended) raw.write(src.frame(event));
      stream.end();
    },
    onError: (err: Error): void => {
      if (!ended) raw.write(errorFrame(err));
      stream.end();
    },
  };
  const open = async (from: number): Promise<void> => {
    try {
      const sub = await src.subscribe(from, subscriber);
      if (ended) sub.close(); // the client left while subscribing
      else st.sub = sub;
    } catch (err) {
      // Deleted (or trimmed) between the check and the subscription.
      if (!ended) raw.write(errorFrame(err as Error));
      stream.end();
    }
  };
  const restartAfterDrain = () => {
    st.congestedSince ??= sira.clock();
    const old = st.sub;
    st.sub = undefined;
    // Closed after this callback returns: the hub is iterating its subscribers.
    queueMicrotask(() => old?.close());
    raw.once('drain', () => {
      st.congestedSince = undefined;
      if (!ended) void open(lastId);
    });
  };
  await open(src.from);
}
