/**
 * @module api/ws
 * `GET /v1/ws`: one WebSocket for the events of many sessions and workspaces, and for posting CRDT updates.
 * The protocol (JSON text messages) is documented in docs/api.md "WebSocket". In short:
 *
 * - Auth: `Authorization: Bearer <key>` on the upgrade request; or `?token=<key>` (browsers cannot set headers;
 *   the key then shows in URLs and logs: prefer the next option); or, with neither, a first message
 *   `{"op":"auth","token":"<key>"}` within 10 s (else close 4401).
 * - `{"op":"subscribe","session_id"|"workspace_id":…, "after"?: id, "req"?: …}` → `{"type":"subscribed","channel"}`,
 *   then `{"type":"event","channel","event"}` with the same event JSON as SSE, gap-free and duplicate-free after
 *   `after` (none: from now). A trimmed resume id gives `{"type":"error","code":"SIRA_ERR_EVENTS_GAP","status":410}`.
 * - `{"op":"unsubscribe","channel"}`, `{"op":"crdt.update","workspace_id","doc","update":<base64>}` → `ack`,
 *   `{"op":"ping"}` → `pong`.
 * - Heartbeats: a protocol ping every `eventHeartbeatMs`; a client that has not answered the previous one is
 *   terminated. Backpressure: when more than `wsMaxBufferedBytes` wait to be sent, the connection's subscriptions
 *   pause (their events wait in the durable log; what one hub page already handed over waits in a small queue)
 *   and resume once the client has read half of it. A client that stays over the limit for `wsSlowConsumerMs`
 *   gets a SIRA_ERR_WS_SLOW_CONSUMER error and close code 4008 after the data already on the wire: it reconnects
 *   and resubscribes with `after` = the last id it processed per channel, losing nothing.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { isSiraError, siraError } from '../core/errors.ts';
import { isValidId } from '../core/ids.ts';
import type { Subscription } from '../storage/index.ts';
import { authHook, bearerKey, createKeyCache } from './auth.ts';
import { toWireEvent } from './events.ts';
import type { RoutesOptions } from './sessions.ts';
import { decodeBase64 } from './wire.ts';
import { streamProblem, streamTracker, type TrackedStream } from './sse.ts';
import { toWireWorkspaceEvent } from './workspaces-events.ts';

/** Close codes of the protocol (4000-4999 are the application's). */
export const WS_CLOSE = Object.freeze({ SLOW_CONSUMER: 4008, AUTH: 4401, GOING_AWAY: 1001 });
/** Ms a connection without credentials has to send `{"op":"auth"}`. */
export const WS_AUTH_TIMEOUT_MS = 10_000;
/** Subscriptions one connection may hold. */
export const WS_MAX_SUBSCRIPTIONS = 256;

type Msg = Record<string, unknown>;

/** The WebSocket route, with its own auth (header, `?token=` or first message), outside the bearer-only /v1 guard. */
export const wsRoutes: FastifyPluginAsync<RoutesOptions> = async (app, { sira }) => {
  await app.register(websocket, {
    options: { maxPayload: sira.options.limits.maxBodyBytes },
    // On shutdown tell clients to go elsewhere (1001 going away) rather than the plugin's bare close (1005).
    preClose: async function (this: FastifyInstance) {
      for (const client of this.websocketServer.clients) client.close(WS_CLOSE.GOING_AWAY, 'SIRA_ERR_SHUTTING_DOWN');
      this.websocketServer.close();
    },
  });
  const guard = authHook(sira);
  const authenticate = createKeyCache((key) => sira.authenticate(key), { clock: sira.clock });

  app.addHook('onRequest', async (request, reply) => {
    if (!sira.options.auth) {
      request.tenant = 'default';
      return;
    }
    if (request.headers.authorization !== undefined) {
      await guard(request, reply);
      // The upgrade is a request like any other for the rate limits (messages on the socket are not counted).
      return sira.quotas.checkRate(request.tenant, bearerKey(request.headers.authorization));
    }
    const token = (request.query as { token?: unknown }).token;
    if (typeof token === 'string' && token !== '') {
      const tenant = await authenticate(token);
      if (tenant === undefined) throw siraError('SIRA_ERR_AUTH_INVALID', 'the API key is unknown or revoked');
      request.tenant = tenant;
      return sira.quotas.checkRate(tenant, token);
    }
    request.tenant = ''; // authenticated by the first message
  });

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket: WebSocket, request: FastifyRequest) => {
    new Connection(socket, request, sira, authenticate).start();
  });
};

/** One client connection: its subscriptions, heartbeat and send budget. */
class Connection {
  readonly #socket: WebSocket;
  readonly #request: FastifyRequest;
  readonly #sira: RoutesOptions['sira'];
  readonly #authenticate: (key: string) => Promise<string | undefined>;
  readonly #subs = new Map<string, Subscription | symbol>();
  #tenant: string;
  #alive = true;
  #closed = false;
  #timers: NodeJS.Timeout[] = [];
  /** Messages not yet handed to the socket (it is over the buffer limit); at most about one hub page per subscription. */
  #queue: string[] = [];
  /** Since when (ms) the socket has been over the limit, or undefined. */
  #congestedSince: number | undefined;
  #drainTimer: NodeJS.Timeout | undefined;
  /** Subscriptions paused for backpressure, to resume when the client catches up. */
  #paused = new Set<Subscription>();
  /** Per channel: gives back the tenant subscriber slot the subscription holds (quotas.subscribers). */
  #slots = new Map<string, () => void>();
  /** This connection in the service's stream tracker. */
  #tracked: TrackedStream | undefined;

  constructor(socket: WebSocket, request: FastifyRequest, sira: RoutesOptions['sira'], authenticate: (key: string) => Promise<string | undefined>) {
    this.#socket = socket;
    this.#request = request;
    this.#sira = sira;
    this.#authenticate = authenticate;
    this.#tenant = request.tenant;
  }

  start(): void {
    const s = this.#socket;
    s.on('message', (data, isBinary) => {
      this.#onMessage(isBinary ? '' : data.toString()).catch((err: unknown) => this.#error(err as Error, {}));
    });
    s.on('pong', () => (this.#alive = true));
    s.on('close', () => this.#cleanup());
    s.on('error', () => this.#cleanup());
    const hb = setInterval(() => {
      if (!this.#alive) {
        s.terminate(); // no pong since the last ping: a dead peer
        return;
      }
      this.#alive = false;
      s.ping();
    }, this.#sira.options.eventHeartbeatMs);
    hb.unref();
    this.#timers.push(hb);
    if (this.#tenant === '') {
      const t = setTimeout(() => this.#closeWith(WS_CLOSE.AUTH, siraError('SIRA_ERR_WS_AUTH_TIMEOUT', `send {"op":"auth","token":…} within ${WS_AUTH_TIMEOUT_MS} ms`)), WS_AUTH_TIMEOUT_MS);
      t.unref();
      this.#timers.push(t);
    }
    this.#tracked = {
      transport: 'ws',
      tenant: this.#tenant,
      bufferedBytes: () => (this.#closed ? 0 : this.#socket.bufferedAmount + this.#queue.reduce((n, m) => n + m.length, 0)),
    };
    streamTracker(this.#sira).open.add(this.#tracked);
    this.#send({ type: 'hello', authenticated: this.#tenant !== '', heartbeat_ms: this.#sira.options.eventHeartbeatMs });
  }

  /** Give back a channel's subscriber slot (idempotent). */
  #release(channel: string): void {
    this.#slots.get(channel)?.();
    this.#slots.delete(channel);
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#drainTimer);
    this.#queue = [];
    this.#paused.clear();
    for (const t of this.#timers) clearInterval(t);
    for (const sub of this.#subs.values()) if (typeof sub !== 'symbol') sub.close();
    this.#subs.clear();
    for (const release of this.#slots.values()) release();
    this.#slots.clear();
    if (this.#tracked !== undefined) streamTracker(this.#sira).open.delete(this.#tracked);
  }

  /** True while the socket is over the buffer limit (subscriptions should pause). */
  get #congested(): boolean {
    return this.#congestedSince !== undefined;
  }

  /** Send one message, or queue it while the socket is over the limit. Returns false when the caller should pause. */
  #send(msg: Msg): boolean {
    if (this.#closed) return true;
    const text = JSON.stringify(msg);
    if (this.#congested) {
      this.#queue.push(text);
      return false;
    }
    this.#socket.send(text);
    if (this.#socket.bufferedAmount <= this.#sira.options.wsMaxBufferedBytes) return true;
    this.#congestedSince = this.#sira.clock();
    // ws exposes no drain event: watch the buffer until the client has read half of it, or gave up reading.
    this.#drainTimer = setInterval(() => this.#checkDrain(), 25);
    this.#drainTimer.unref();
    return false;
  }

  #checkDrain(): void {
    const { wsMaxBufferedBytes, wsSlowConsumerMs } = this.#sira.options;
    if (this.#socket.bufferedAmount > wsMaxBufferedBytes / 2) {
      if (this.#sira.clock() - this.#congestedSince! > wsSlowConsumerMs) {
        streamTracker(this.#sira).slowClosed.ws++;
        this.#closeWith(
          WS_CLOSE.SLOW_CONSUMER,
          siraError('SIRA_ERR_WS_SLOW_CONSUMER', `over ${wsMaxBufferedBytes} unread bytes for ${wsSlowConsumerMs} ms; reconnect and resubscribe after your last event ids`),
        );
      }
      return;
    }
    while (this.#queue.length > 0 && this.#socket.bufferedAmount <= wsMaxBufferedBytes) this.#socket.send(this.#queue.shift()!);
    if (this.#queue.length > 0) {
      this.#congestedSince = this.#sira.clock();
      return;
    }
    clearInterval(this.#drainTimer);
    this.#congestedSince = undefined;
    const paused = [...this.#paused];
    this.#paused.clear();
    for (const sub of paused) sub.resume();
  }

  /** Deliver a batch for a subscription; false (pause it) when the socket is over its limit. */
  #deliver(msgs: Msg[], sub: () => Subscription | undefined): boolean {
    let ok = true;
    for (const m of msgs) ok = this.#send(m) && ok;
    if (ok) return true;
    const s = sub();
    if (s !== undefined) this.#paused.add(s);
    return false;
  }

  #closeWith(code: number, err: Error): void {
    if (this.#closed) return;
    // After what is already on the wire (queued messages are dropped: the client resumes after its last id).
    this.#socket.send(JSON.stringify(errorMessage(err, {})));
    this.#cleanup();
    this.#socket.close(code, isSiraError(err) ? err.code : 'error');
  }

  #error(err: Error, ctx: Msg): void {
    if (!isSiraError(err)) this.#request.log.error({ err }, 'websocket message failed');
    this.#send(errorMessage(err, ctx));
  }

  async #onMessage(text: string): Promise<void> {
    let msg: Msg;
    try {
      msg = JSON.parse(text) as Msg;
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new Error('not an object');
    } catch {
      throw siraError('SIRA_ERR_WS_MESSAGE_INVALID', 'messages are JSON objects with an "op"');
    }
    const req = msg.req === undefined ? {} : { req: msg.req as string };
    try {
      await this.#handle(msg, req);
    } catch (err) {
      this.#error(err as Error, req);
    }
  }

  async #handle(msg: Msg, req: Msg): Promise<void> {
    if (this.#tenant === '') {
      if (msg.op !== 'auth' || typeof msg.token !== 'string') {
        this.#closeWith(WS_CLOSE.AUTH, siraError('SIRA_ERR_WS_AUTH_TIMEOUT', 'the first message must be {"op":"auth","token":…}'));
        return;
      }
      const tenant = await this.#authenticate(msg.token);
      if (tenant === undefined) {
        this.#closeWith(WS_CLOSE.AUTH, siraError('SIRA_ERR_AUTH_INVALID', 'the API key is unknown or revoked'));
        return;
      }
      this.#tenant = tenant;
      if (this.#tracked !== undefined) this.#tracked.tenant = tenant;
      clearTimeout(this.#timers.pop());
      this.#send({ type: 'authenticated', ...req });
      return;
    }
    switch (msg.op) {
      case 'subscribe':
        return this.#subscribe(msg, req);
      case 'unsubscribe': {
        const channel = typeof msg.channel === 'string' ? msg.channel : channelOf(msg);
        const sub = this.#subs.get(channel);
        if (sub !== undefined && typeof sub !== 'symbol') {
          sub.close();
          this.#paused.delete(sub);
        }
        this.#subs.delete(channel);
        this.#release(channel);
        this.#send({ type: 'unsubscribed', channel, ...req });
        return;
      }
      case 'crdt.update': {
        const { workspace_id, doc, update } = msg;
        if (typeof workspace_id !== 'string' || typeof doc !== 'string' || typeof update !== 'string') {
          throw siraError('SIRA_ERR_WS_MESSAGE_INVALID', 'crdt.update needs workspace_id, doc and update (base64)');
        }
        const bytes = decodeBase64(update);
        if (bytes === undefined) throw siraError('SIRA_ERR_CRDT_UPDATE_INVALID', 'update must be base64');
        const r = await this.#sira.workspaces(this.#tenant).applyUpdate(workspace_id, doc, bytes);
        this.#send({ type: 'ack', op: 'crdt.update', ...req, ...r });
        return;
      }
      case 'ping':
        this.#send({ type: 'pong', ...req });
        return;
      case 'auth': {
        // A connection belongs to one tenant: the same tenant's key again is a no-op, any other is refused.
        const again = typeof msg.token === 'string' ? await this.#authenticate(msg.token) : undefined;
        if (again !== this.#tenant) throw siraError('SIRA_ERR_WS_ALREADY_AUTHENTICATED', 'this connection is authenticated already, for another key or tenant; open another connection');
        this.#send({ type: 'authenticated', ...req });
        return;
      }
      default:
        throw siraError('SIRA_ERR_WS_MESSAGE_INVALID', `unknown op ${JSON.stringify(msg.op)}`);
    }
  }

  async #subscribe(msg: Msg, req: Msg): Promise<void> {
    const channel = channelOf(msg);
    const after = msg.after;
    if (after !== undefined && after !== null && (!Number.isSafeInteger(after) || (after as number) < 0)) {
      throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', 'after must be an integer ≥ 0');
    }
    const from = after === undefined || after === null ? undefined : (after as number);
    const old = this.#subs.get(channel);
    if (old === undefined && this.#subs.size >= WS_MAX_SUBSCRIPTIONS) throw siraError('SIRA_ERR_WS_SUBSCRIPTION_LIMIT', `at most ${WS_MAX_SUBSCRIPTIONS} subscriptions per connection`);
    if (old !== undefined && typeof old !== 'symbol') old.close(); // resubscribing moves the cursor
    // Reserve the channel before any await, so subscribes handled concurrently all see it in the limit check above.
    const token = Symbol(channel);
    this.#subs.set(channel, token);
    // A new channel takes one of the tenant's subscriber slots (SIRA_ERR_QUOTA_SUBSCRIBERS when none is left).
    if (!this.#slots.has(channel)) {
      let release: () => void;
      try {
        release = await this.#sira.quotas.acquireSubscriber(this.#tenant);
      } catch (err) {
        if (this.#subs.get(channel) === token) this.#subs.delete(channel);
        throw err;
      }
      if (this.#slots.has(channel)) release(); // a concurrent subscribe to the same channel took one
      else this.#slots.set(channel, release);
    }
    if (this.#closed) {
      this.#release(channel);
      return;
    }
    // Events may arrive before `subscribed` is sent: hold them until it is.
    let ready = false;
    const early: Msg[] = [];
    let sub: Subscription | undefined;
    const emit = (msgs: Msg[]): boolean => {
      if (ready) return this.#deliver(msgs, () => sub);
      early.push(...msgs);
      return true;
    };
    const done = (extra: Msg) => {
      if (sub !== undefined) this.#paused.delete(sub);
      if (this.#subs.get(channel) === token || this.#subs.get(channel) === sub) {
        this.#subs.delete(channel);
        this.#release(channel);
      }
      emit([extra]);
    };
    const [kind, id] = [channel.slice(0, channel.indexOf(':')), channel.slice(channel.indexOf(':') + 1)];
    const ev = (event: Record<string, unknown>): Msg => ({ type: 'event', channel, event });
    try {
      sub =
        kind === 'session'
          ? await this.#sira.tenant(this.#tenant).subscribe(id, from, {
              onEvents: (events) => emit(events.map((e) => ev(toWireEvent(e)))),
              onEnd: (e) => (emit([ev(toWireEvent(e))]), done({ type: 'unsubscribed', channel, reason: 'deleted' })),
              onError: (err) => done(errorMessage(err, { channel })),
            })
          : await this.#sira.workspaces(this.#tenant).subscribe(id, from, {
              onEvents: (events) => emit(events.map((e) => ev(toWireWorkspaceEvent(e)))),
              onEnd: (e) => (emit([ev(toWireWorkspaceEvent(e))]), done({ type: 'unsubscribed', channel, reason: 'deleted' })),
              onError: (err) => done(errorMessage(err, { channel })),
            });
    } catch (err) {
      if (this.#subs.get(channel) === token) {
        this.#subs.delete(channel);
        this.#release(channel);
      }
      this.#error(err as Error, { ...req, channel });
      return;
    }
    if (this.#closed || this.#subs.get(channel) !== token) {
      sub.close(); // unsubscribed (or gone) meanwhile
      return;
    }
    this.#subs.set(channel, sub);
    this.#send({ type: 'subscribed', channel, after: from ?? null, ...req });
    ready = true;
    if (early.length > 0 && !this.#deliver(early, () => sub)) return;
  }
}

/**
 * An `error` message: the problem+json fields (code, status, title, detail, instance and any extras such as
 * `first_retained_id`), with the problem's `type` URI as `problem` since `type` names the message.
 */
function errorMessage(err: Error, ctx: Msg): Msg {
  const { type, ...problem } = streamProblem(err, '/v1/ws');
  return { type: 'error', ...ctx, ...problem, problem: type };
}

/** `session:<id>` or `workspace:<id>` from a message's `session_id` / `workspace_id`. */
function channelOf(msg: Msg): string {
  const s = msg.session_id;
  const w = msg.workspace_id;
  if (typeof s === 'string' && isValidId(s) && w === undefined) return `session:${s}`;
  if (typeof w === 'string' && isValidId(w) && s === undefined) return `workspace:${w}`;
  throw siraError('SIRA_ERR_WS_MESSAGE_INVALID', 'give exactly one of session_id or workspace_id (a valid id)');
}
