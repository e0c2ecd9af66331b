/**
 * @module storage/nats/event-wakeups
 * Cross-instance wake-ups for the EventHub, from the stream itself: an ordered consumer on the heads bucket's
 * stream, delivering only new messages and only their headers. Every committed head write is one message there
 * (a refused compare-and-set is not stored, so it wakes nobody); a write that appended an event carries it in the
 * `Sira-Event` header (./head.ts), which the hub hands straight to subscribers whose last id is the one before.
 * A delete (KV-Operation DEL) wakes the session's subscribers without an event: the hub reads and sees it gone.
 *
 * The consumer is ephemeral and ordered: when it falls behind, loses its server or the stream's leader changes,
 * the client recreates it at the next sequence; on every reset (and reconnect) the hub re-reads every watched
 * session, which covers anything published while no consumer listened. A wake-up is only a hint: the log in the
 * data bucket is the truth.
 */
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventWakeSource, WakeFn } from '../event-hub.ts';
import { parseEventHeader } from './head.ts';
import { parseHeadKey } from './keys.ts';

/** Wake-ups from an ordered consumer on `KV_<heads bucket>`. */
export class NatsEventWakeups implements EventWakeSource {
  readonly #js: JetStreamClient;
  readonly #nc: NatsConnection;
  readonly #bucket: string;
  #messages: ConsumerMessages | undefined;
  #closed = false;

  constructor(js: JetStreamClient, nc: NatsConnection, headsBucket: string) {
    this.#js = js;
    this.#nc = nc;
    this.#bucket = headsBucket;
  }

  start(wake: WakeFn): void {
    void this.#run(wake);
  }

  async #run(wake: WakeFn): Promise<void> {
    const prefix = `$KV.${this.#bucket}.`;
    try {
      const consumer = await this.#js.consumers.get(`KV_${this.#bucket}`, {
        filter_subjects: `${prefix}>`,
        deliver_policy: DeliverPolicy.New,
        headers_only: true,
      });
      if (this.#closed) return;
      this.#messages = await consumer.consume({ max_messages: 1024 });
      void this.#watchStatus(this.#messages, wake);
      void this.#watchConnection(wake);
      for await (const m of this.#messages) {
        const who = parseHeadKey(m.subject.slice(prefix.length));
        if (who === undefined) continue;
        const line = m.headers?.get('Sira-Event');
        const event = line === undefined || line === '' ? undefined : parseEventHeader(line, who.id);
        wake(who.tenant, who.id, event);
      }
    } catch {
      // The consumer could not start or stopped for good (closed connection): the hub's fallback poll still
      // reads every watched log, so wake-ups are lost, never events. Try again while open.
      if (!this.#closed && !this.#nc.isClosed()) setTimeout(() => void this.#run(wake), 1000).unref();
    }
  }

  async #watchStatus(messages: ConsumerMessages, wake: WakeFn): Promise<void> {
    for await (const s of messages.status()) {
      if (s.type === 'ordered_consumer_recreated' || s.type === 'heartbeats_missed') wake();
    }
  }

  async #watchConnection(wake: WakeFn): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (this.#closed) return;
      if (s.type === 'reconnect') wake();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#messages?.close().catch(() => undefined); // closing a consumer whose connection is gone is moot
  }
}
