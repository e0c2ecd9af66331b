/**
 * @module storage/event-hub
 * In-process fan-out of session events. The durable log (Store.readEvents) is the only source of events: the hub
 * reads it once per session for all of that session's subscribers that keep up, and pushes each of them the
 * events past its own cursor (dedupe by id), so a subscriber never sees a gap or a duplicate. A subscriber that
 * cannot take more (a full socket) pauses; when it resumes it is read from its cursor again, from the log.
 *
 * Writes made through this process are pushed at once (the facade calls {@link EventHub.notify} after each
 * acknowledged write). Writes made through other instances sharing the store reach it through a wake-up source
 * when one is attached ({@link EventHub.attachWakeSource}: Redis pub/sub, storage/redis/event-wakeups.ts), and,
 * as a fallback for lost wake-ups and for expiry, by reading the log of every session with subscribers every
 * `pollIntervalMs`.
 */
import { isSiraError, siraError } from '../core/errors.ts';
import type { SessionEvent } from '../core/types.ts';
import type { Store } from './store.ts';

/** What a subscriber is told. Calls for one subscriber never overlap and stop after onEnd or onError. */
export interface EventSubscriber {
  /** The events after the subscriber's last id, contiguous and ascending; `false` pauses it (backpressure). */
  onEvents(events: SessionEvent[]): boolean;
  /** The session is gone (`session.deleted`, live-only: its log went with it). No calls follow. */
  onEnd(event: SessionEvent): void;
  /** Delivery cannot go on without a gap (SIRA_ERR_EVENTS_GAP). No calls follow. */
  onError(err: Error): void;
}

/** One subscriber's place in a session's event stream. */
export interface Subscription {
  /** Id of the last event delivered (or the id subscribed after). */
  readonly lastId: number;
  /** Stop live delivery (backpressure); events keep accumulating in the durable log. */
  pause(): void;
  /** Deliver again, starting with what was missed while paused (read from the log). */
  resume(): void;
  /** Unsubscribe; idempotent. */
  close(): void;
}

/**
 * Called by a wake-up source: a session's log may have new events; without arguments, any session's may. `event`,
 * when given, is the event just appended with that id, exactly as the log holds it.
 */
export type WakeFn = (tenant?: string, sessionId?: string, event?: SessionEvent) => void;

/** Tells the hub that other instances wrote events (a hint: the hub reads the durable log to find out what). */
export interface EventWakeSource {
  /** Start calling `wake`; call `wake()` (no arguments) whenever wake-ups may have been missed (a reconnect). */
  start(wake: WakeFn): void;
  /** Stop and release its connection. */
  close(): Promise<void>;
  /** Tell the other instances that the log keyed (tenant, sessionId) has new events (for logs no script announces). */
  publish?(tenant: string, sessionId: string): void;
  /**
   * True when the store's writes announce nothing by themselves (LMDB shared by `serve --workers` processes): the
   * hub then publishes every write it is notified of, and every session it ends. @default false
   */
  readonly relaysWrites?: boolean;
}

/** Options of {@link EventHub}. */
export interface EventHubOptions {
  /** Ms between log reads for sessions with subscribers (catches other instances' writes and expiry); 0 = never. @default 250 */
  pollIntervalMs?: number;
  /** Events read per log read. @default 500 */
  pageSize?: number;
  /**
   * Longest wait for one log read (ms): a read still pending then is abandoned and the channel reads again on its
   * next wake-up or poll, so a store call that never settles (a client stuck in a failover) cannot stall a
   * session's delivery for good. @default 10000
   */
  readTimeoutMs?: number;
  /** Clock for the `at` of live-only events. @default Date.now */
  clock?: () => number;
}

class Sub implements Subscription {
  lastId: number;
  paused = false;
  closed = false;
  readonly #ch: Channel;
  readonly #hub: EventHub;
  readonly subscriber: EventSubscriber;

  constructor(hub: EventHub, ch: Channel, afterId: number, subscriber: EventSubscriber) {
    this.#hub = hub;
    this.#ch = ch;
    this.lastId = afterId;
    this.subscriber = subscriber;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    this.#hub.pump(this.#ch);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#ch.subs.delete(this);
    this.#hub.release(this.#ch);
  }
}

interface Channel {
  readonly key: string;
  readonly tenant: string;
  readonly sessionId: string;
  readonly subs: Set<Sub>;
  pumping: boolean;
  again: boolean;
  head: number;
}

const channelKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

/** Fans a session's events out to the subscribers of this process. */
export class EventHub {
  readonly #store: Store;
  #pollMs: number;
  readonly #pageSize: number;
  readonly #readTimeoutMs: number;
  readonly #clock: () => number;
  readonly #channels = new Map<string, Channel>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #source: EventWakeSource | undefined;

  constructor(store: Store, opts: EventHubOptions = {}) {
    this.#store = store;
    this.#pollMs = opts.pollIntervalMs ?? 250;
    this.#pageSize = opts.pageSize ?? 500;
    this.#readTimeoutMs = opts.readTimeoutMs ?? 10_000;
    this.#clock = opts.clock ?? Date.now;
  }

  /** Number of live subscriptions (for tests and metrics). */
  get subscriberCount(): number {
    let n = 0;
    for (const ch of this.#channels.values()) n += ch.subs.size;
    return n;
  }

  /**
   * Subscribe to the events of a session after `afterId`. The caller checked that the session exists and that
   * `afterId` is retained (Store.readEvents); delivery starts at once with anything already in the log.
   */
  subscribe(tenant: string, sessionId: string, afterId: number, subscriber: EventSubscriber): Subscription {
    const key = channelKey(tenant, sessionId);
    let ch = this.#channels.get(key);
    if (ch === undefined) {
      ch = { key, tenant, sessionId, subs: new Set(), pumping: false, again: false, head: afterId };
      this.#channels.set(key, ch);
      this.#startPolling();
    }
    const sub = new Sub(this, ch, afterId, subscriber);
    if (this.#closed) {
      sub.closed = true;
      return sub;
    }
    ch.subs.add(sub);
    this.pump(ch);
    return sub;
  }

  /**
   * Take wake-ups from other instances from `source` (started here; its owner closes it), and read the logs only
   * every `fallbackPollMs` otherwise (lost wake-ups, expiry). Call once, before subscribers arrive.
   */
  attachWakeSource(source: EventWakeSource, fallbackPollMs = this.#pollMs): void {
    this.#source = source;
    this.#pollMs = fallbackPollMs;
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#startPolling();
    }
    source.start((tenant, sessionId, event) => {
      if (this.#closed) return;
      if (tenant === undefined || sessionId === undefined) {
        for (const ch of this.#channels.values()) this.pump(ch);
      } else if (event !== undefined) this.offer(tenant, sessionId, event);
      else this.#pumpSession(tenant, sessionId);
    });
  }

  /**
   * `event` was just appended to the session's log (a wake-up carried it): hand it straight to each subscriber
   * whose last id is the one before; anyone further behind is read from the log. Subscribers already past it (a
   * read got there first) skip it, so nothing is delivered twice.
   */
  offer(tenant: string, sessionId: string, event: SessionEvent): void {
    const ch = this.#channels.get(channelKey(tenant, sessionId));
    if (ch === undefined) return;
    if (ch.pumping) {
      // A read is in flight and may predate this event: let the read loop go round once more.
      this.pump(ch);
      return;
    }
    let behind = false;
    for (const s of [...ch.subs]) {
      if (s.paused || s.closed || s.lastId >= event.id) continue;
      if (s.lastId !== event.id - 1) {
        behind = true;
        continue;
      }
      s.lastId = event.id;
      try {
        if (!s.subscriber.onEvents([event])) s.paused = true;
      } catch {
        // a throwing subscriber callback must not take the wake-up source down
      }
    }
    ch.head = Math.max(ch.head, event.id);
    if (behind) this.pump(ch);
  }

  /**
   * {@link notify}, and tell the other instances too (through the wake-up source, when it can publish). For event
   * logs whose writes do not announce themselves: the session scripts on Redis already do.
   */
  announce(tenant: string, sessionId: string): void {
    this.#pumpSession(tenant, sessionId);
    this.#source?.publish?.(tenant, sessionId);
  }

  /**
   * A write to the session was acknowledged: deliver its events (no-op without subscribers here), and tell the
   * other processes when the wake-up source relays writes.
   */
  notify(tenant: string, sessionId: string): void {
    this.#pumpSession(tenant, sessionId);
    if (this.#source?.relaysWrites === true) this.#source.publish?.(tenant, sessionId);
  }

  #pumpSession(tenant: string, sessionId: string): void {
    const ch = this.#channels.get(channelKey(tenant, sessionId));
    if (ch !== undefined) this.pump(ch);
  }

  /**
   * The session was deleted through this process: end its subscriptions with a `session.deleted` event. Other
   * processes, woken when the source relays writes, find the log gone and end theirs (reason `missing`).
   */
  ended(tenant: string, sessionId: string, reason: 'deleted' | 'missing' = 'deleted'): void {
    if (reason === 'deleted' && this.#source?.relaysWrites === true) this.#source.publish?.(tenant, sessionId);
    const ch = this.#channels.get(channelKey(tenant, sessionId));
    if (ch === undefined) return;
    this.#channels.delete(ch.key);
    for (const s of ch.subs) {
      s.closed = true;
      s.subscriber.onEnd({
        id: Math.max(ch.head, s.lastId) + 1,
        type: 'session.deleted',
        session_id: sessionId,
        at: this.#clock(),
        data: { reason },
      });
    }
    ch.subs.clear();
    this.#stopPollingIfIdle();
  }

  /** @internal Drop a channel without subscribers. */
  release(ch: Channel): void {
    if (ch.subs.size === 0 && this.#channels.get(ch.key) === ch) {
      this.#channels.delete(ch.key);
      this.#stopPollingIfIdle();
    }
  }

  /** @internal Read the log for the channel's subscribers that keep up and deliver; one read loop at a time. */
  pump(ch: Channel): void {
    if (ch.pumping) {
      ch.again = true;
      return;
    }
    ch.pumping = true;
    this.#drain(ch).catch(() => {}); // a throwing subscriber callback must not take the hub down
  }

  /** One log read, bounded by readTimeoutMs (then it rejects; a late answer is dropped). */
  #read(ch: Channel, from: number): ReturnType<Store['readEvents']> {
    const read = this.#store.readEvents(ch.tenant, ch.sessionId, from, this.#pageSize);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`event log read of ${ch.sessionId} took over ${this.#readTimeoutMs} ms`)), this.#readTimeoutMs);
      timer.unref();
    });
    read.catch(() => {}); // an abandoned read that fails later must not be an unhandled rejection
    return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
  }

  async #drain(ch: Channel): Promise<void> {
    // ch.pumping is reset in the same step that ends the rounds, so a pump() in between is never lost.
    try {
      do {
        ch.again = false;
        const active = [...ch.subs].filter((s) => !s.paused && !s.closed);
        if (active.length === 0) return;
        const from = Math.min(...active.map((s) => s.lastId));
        let page;
        try {
          page = await this.#read(ch, from);
        } catch (err) {
          if (isSiraError(err, 'SIRA_ERR_EVENTS_GAP')) {
            const first = Number(err.details?.first_retained_id ?? 0);
            for (const s of active) {
              if (s.lastId + 1 < first) {
                s.close();
                s.subscriber.onError(err);
              }
            }
            ch.again = true;
            continue;
          }
          return; // a failing store: the next write or poll tries again
        }
        if (page === undefined) {
          if (this.#channels.get(ch.key) === ch) this.ended(ch.tenant, ch.sessionId, 'missing');
          return;
        }
        ch.head = Math.max(ch.head, page.last_id);
        for (const s of active) {
          if (s.paused || s.closed) continue;
          if (s.lastId > page.last_id) {
            // The log restarted below the cursor: the session was deleted and re-created meanwhile.
            s.close();
            s.subscriber.onError(siraError('SIRA_ERR_EVENTS_GAP', `event ${s.lastId} is past the newest event (${page.last_id}): the session was re-created`));
            continue;
          }
          const fresh = page.events.filter((e) => e.id > s.lastId);
          if (fresh.length === 0) continue;
          s.lastId = fresh[fresh.length - 1]!.id;
          if (!s.subscriber.onEvents(fresh)) s.paused = true;
        }
        if (page.events.length === this.#pageSize) ch.again = true;
      } while (ch.again && !this.#closed);
    } finally {
      ch.pumping = false;
    }
  }

  #startPolling(): void {
    if (this.#timer !== undefined || this.#pollMs <= 0 || this.#closed) return;
    this.#timer = setInterval(() => {
      for (const ch of this.#channels.values()) this.pump(ch);
    }, this.#pollMs);
    this.#timer.unref();
  }

  #stopPollingIfIdle(): void {
    if (this.#channels.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Stop polling and drop every subscription without telling subscribers (their owners close their streams). */
  close(): void {
    this.#closed = true;
    for (const ch of this.#channels.values()) for (const s of ch.subs) s.closed = true;
    this.#channels.clear();
    this.#stopPollingIfIdle();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
