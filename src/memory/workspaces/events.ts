/**
 * @module memory/workspaces/events
 * A workspace's events: the backing session's durable log, translated ({@link translateEvent}), with the bytes of
 * `crdt.updated` inlined (base64) when they are small and still in the log. Bytes of updates written through this
 * process come from a small in-memory cache; others are read from the store, which is the only asynchronous step of
 * delivery: while it runs, the hub subscription is paused, so order and the no-gap/no-duplicate rule still hold.
 */
import type { SessionEvent } from '../../core/types.ts';
import type { EventHub, Subscription } from '../../storage/event-hub.ts';
import type { Store } from '../../storage/store.ts';
import { UPDATE_PREFIX, translateEvent, type WorkspaceEvent } from './model.ts';
import { backgroundError } from '../../core/background.ts';

/** What a workspace subscriber is told (as {@link import('../../storage/event-hub.ts').EventSubscriber}). */
export interface WorkspaceSubscriber {
  /** Events after the last one delivered, ascending; `false` pauses delivery until `resume()`. */
  onEvents(events: WorkspaceEvent[]): boolean;
  /** The workspace is gone (`workspace.deleted`). No calls follow. */
  onEnd(event: WorkspaceEvent): void;
  /** Delivery cannot go on without a gap (SIRA_ERR_EVENTS_GAP). No calls follow. */
  onError(err: Error): void;
}

/** Bytes of recently written updates, to inline them in events without a store read. */
export class UpdateCache {
  readonly #max: number;
  readonly #map = new Map<string, string>();

  constructor(max = 512) {
    this.#max = max;
  }

  /** Remember an update's bytes (base64). */
  put(key: string, base64: string): void {
    this.#map.delete(key);
    this.#map.set(key, base64);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }

  get(key: string): string | undefined {
    return this.#map.get(key);
  }
}

/** Cache key of an update. */
export function updateKey(tenant: string, session: string, name: string): string {
  return `${tenant}\u0000${session}\u0000${name}`;
}

/** How events are translated for one workspace. */
export interface EventContext {
  store: Store;
  cache: UpdateCache;
  tenant: string;
  session: string;
  workspaceId: string;
  /** Largest update inlined in an event, in bytes. */
  inlineMaxBytes: number;
}

/** Translate a batch; `missing` lists the crdt events whose bytes must still be fetched. */
function translateSync(ctx: EventContext, raw: readonly SessionEvent[]): { out: WorkspaceEvent[]; missing: WorkspaceEvent[] } {
  const out: WorkspaceEvent[] = [];
  const missing: WorkspaceEvent[] = [];
  for (const e of raw) {
    const w = translateEvent(e, ctx.workspaceId);
    if (w === null) continue;
    out.push(w);
    if (w.type === 'crdt.updated') {
      const hit = ctx.cache.get(updateKey(ctx.tenant, ctx.session, String(e.data.name)));
      if (hit !== undefined) w.data.update = hit;
      else missing.push(w);
    }
  }
  return { out, missing };
}

/** Inline the bytes of `events` from the store (those still pending and small enough). */
async function fetchMissing(ctx: EventContext, events: readonly WorkspaceEvent[]): Promise<void> {
  await Promise.all(
    events.map(async (w) => {
      const name = `${UPDATE_PREFIX}${String(w.data.doc)}/${String(w.data.update_id)}`;
      // The inline copy is an optimisation: without it the client fetches the update by id (see the event's data).
      const t = await ctx.store.getTensor(ctx.tenant, ctx.session, name).catch(() => undefined);
      if (t !== undefined && t.data.byteLength <= ctx.inlineMaxBytes) w.data.update = Buffer.from(t.data).toString('base64');
    }),
  );
}

/** Translate a page read from the log (for JSON polling), inlining what it can. */
export async function translatePage(ctx: EventContext, raw: readonly SessionEvent[]): Promise<WorkspaceEvent[]> {
  const { out, missing } = translateSync(ctx, raw);
  await fetchMissing(ctx, missing);
  return out;
}

/** Subscribe to a workspace through the hub (the caller checked the workspace and `afterId`). */
export function subscribeWorkspace(hub: EventHub, ctx: EventContext, afterId: number, subscriber: WorkspaceSubscriber): Subscription {
  let busy = false;
  let closed = false;
  const deliver = (events: WorkspaceEvent[]): boolean => {
    if (closed || events.length === 0) return true;
    return subscriber.onEvents(events);
  };
  const inner: Subscription = hub.subscribe(ctx.tenant, ctx.session, afterId, {
    onEvents: (raw) => {
      const { out, missing } = translateSync(ctx, raw);
      if (missing.length === 0) return deliver(out);
      busy = true;
      fetchMissing(ctx, missing)
        .then(() => {
          busy = false;
          if (deliver(out)) inner.resume();
        })
        .catch(backgroundError('workspace-event-delivery'));
      return false; // paused until the bytes are in and delivered
    },
    onEnd: (e) => {
      closed = true;
      const w = translateEvent(e, ctx.workspaceId);
      if (w !== null) subscriber.onEnd(w);
    },
    onError: (err) => {
      closed = true;
      subscriber.onError(err);
    },
  });
  return {
    get lastId() {
      return inner.lastId;
    },
    pause: () => inner.pause(),
    resume: () => {
      if (!busy) inner.resume();
    },
    close: () => {
      closed = true;
      inner.close();
    },
  };
}
