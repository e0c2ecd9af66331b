/**
 * @module storage/redis/event-wakeups
 * Cross-instance wake-ups for the EventHub. Every session script that appends an event also PUBLISHes
 * `<session hash tag> <event id>` on the channel `<key prefix>events` (./scripts.ts, `wake`); a Cluster
 * broadcasts a PUBLISH to every node, so one subscriber connection to any node (master or replica) hears every
 * session's writes. The message is only a wake-up: the hub reads the session's stream from its subscribers'
 * cursors, so a lost message costs latency (the hub's fallback poll), never an event. It also carries the event
 * (type, time, data: what the stream entry holds), which the hub hands straight to subscribers whose last id is
 * the one before — the common case — saving the read on the fan-out path.
 *
 * The connection is a dedicated one (a subscribed connection cannot send other commands). When it drops, it is
 * opened again — on a Cluster to another node the main client currently knows, since the one that dropped may be
 * a killed master — and once subscribed the hub re-reads every session with subscribers, which covers whatever
 * was published while no connection listened.
 *
 * Why not XREAD BLOCK: on a Cluster one XREAD may only name streams of one slot, so it takes a blocked connection
 * per watched session (or slot). Why not sharded pub/sub (SSUBSCRIBE): it needs one subscription per slot owner,
 * moved on every failover and resharding. One broadcast channel costs each instance a message per write in the
 * whole deployment (a map lookup to drop it when nobody here watches the session), cheap at the rates one
 * Cluster of this service sees; sharded channels are the step after that.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { JsonObject, SessionEvent, SessionEventType } from '../../core/types.ts';
import type { EventWakeSource, WakeFn } from '../event-hub.ts';
import type { RedisTarget } from './connect.ts';
import { KeySpace } from './keys.ts';
import type { RedisClient } from './scripts.ts';

const MAX_BACKOFF_MS = 1000;

/**
 * Parse a wake-up message `<escaped tenant>/<escaped id> <event id>[ <type> <at> <data JSON>]` (./scripts.ts
 * `wake`); `event` when it carries one. Undefined when malformed.
 */
export function parseWakeMessage(msg: string): { tenant: string; sessionId: string; event?: SessionEvent } | undefined {
  const parts = msg.split(' ');
  const tag = parts[0]!;
  const slash = tag.indexOf('/');
  if (slash <= 0 || parts.length < 2) return undefined;
  let tenant: string;
  let sessionId: string;
  try {
    // keys.ts escapes % / { } as %XX in any part that is not a valid id; valid ids hold none of them.
    tenant = decodeURIComponent(tag.slice(0, slash));
    sessionId = decodeURIComponent(tag.slice(slash + 1));
  } catch {
    return undefined;
  }
  const id = Number(parts[1]);
  if (parts.length < 5 || !Number.isSafeInteger(id) || id < 1) return { tenant, sessionId };
  try {
    const data = JSON.parse(parts.slice(4).join(' ')) as JsonObject;
    return { tenant, sessionId, event: { id, type: parts[2] as SessionEventType, session_id: sessionId, at: Number(parts[3]), data } };
  } catch {
    return { tenant, sessionId };
  }
}

/** One subscriber connection to `<prefix>events`, re-opened (elsewhere, on a Cluster) when it drops. */
export class RedisEventWakeups implements EventWakeSource {
  readonly #main: RedisClient;
  readonly #target: RedisTarget;
  readonly #channel: string;
  readonly #keys: KeySpace;
  #wake: WakeFn | undefined;
  #sub: Redis | undefined;
  #lastNode = '';
  #backoff = 50;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #subscribed = false;

  constructor(main: RedisClient, target: RedisTarget, keyPrefix: string) {
    this.#main = main;
    this.#target = target;
    this.#keys = new KeySpace(keyPrefix);
    this.#channel = `${keyPrefix}events`;
  }

  /** True while the subscriber connection is subscribed (for tests and readiness). */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  start(wake: WakeFn): void {
    this.#wake = wake;
    this.#connect();
  }

  #options(): RedisOptions {
    // No retries of its own: on a drop this class picks the node again. No offline queue: SUBSCRIBE is sent once connected.
    return { retryStrategy: () => null, autoResubscribe: false, maxRetriesPerRequest: 0, lazyConnect: false, enableReadyCheck: false };
  }

  #open(): Redis {
    const t = this.#target;
    if (t.kind === 'standalone') return new Redis(t.url, this.#options());
    let nodes: { host: string; port: number }[] = [];
    if (this.#main instanceof Cluster) {
      nodes = this.#main.nodes('all').map((n) => ({ host: n.options.host ?? '127.0.0.1', port: n.options.port ?? 6379 }));
    }
    if (nodes.length === 0) nodes = t.nodes;
    const others = nodes.filter((n) => `${n.host}:${n.port}` !== this.#lastNode);
    const pool = others.length > 0 ? others : nodes;
    const node = pool[Math.floor(Math.random() * pool.length)]!;
    this.#lastNode = `${node.host}:${node.port}`;
    return new Redis({
      ...this.#options(),
      host: node.host,
      port: node.port,
      ...(t.username === undefined ? {} : { username: t.username }),
      ...(t.password === undefined ? {} : { password: t.password }),
    });
  }

  /** Wake the other instances' subscribers of (tenant, sessionId): they read its log (message `<tag> 0`). */
  publish(tenant: string, sessionId: string): void {
    const key = this.#keys.session(tenant, sessionId).session;
    const tag = key.slice(key.indexOf('{') + 1, key.indexOf('}'));
    this.#main.publish(this.#channel, `${tag} 0`).catch(() => {}); // a lost wake-up costs latency only
  }

  #connect(): void {
    if (this.#closed) return;
    const sub = this.#open();
    this.#sub = sub;
    sub.on('error', () => {}); // a drop ends in 'end' below
    sub.on('message', (_ch: string, msg: string) => {
      const w = parseWakeMessage(msg);
      if (w !== undefined) this.#wake?.(w.tenant, w.sessionId, w.event);
    });
    sub.once('end', () => {
      if (this.#sub !== sub) return;
      this.#sub = undefined;
      this.#subscribed = false;
      if (this.#closed) return;
      this.#timer = setTimeout(() => this.#connect(), this.#backoff);
      this.#timer.unref();
      this.#backoff = Math.min(MAX_BACKOFF_MS, this.#backoff * 2);
    });
    sub.subscribe(this.#channel).then(
      () => {
        if (this.#sub !== sub) return;
        this.#subscribed = true;
        this.#backoff = 50;
        // Anything published while no connection listened: read every watched session's log again.
        this.#wake?.();
      },
      () => sub.disconnect(),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const sub = this.#sub;
    this.#sub = undefined;
    this.#subscribed = false;
    if (sub === undefined) return;
    try {
      await sub.quit();
    } catch {
      sub.disconnect();
    }
  }
}
