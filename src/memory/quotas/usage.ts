/**
 * @module memory/quotas/usage
 * What a tenant holds — live sessions and stored bytes — as an approximate tally per tenant in this process,
 * reconciled with an exact recount from the store:
 *
 * - the first time a tenant is checked, a recount runs in the background (until it lands the tally counts only
 *   what this process wrote since it started);
 * - accepted writes add their body size (`add`), creations and deletions move the session count;
 * - deletions, expiry and tensor replacement are not subtracted byte-exactly (the store does not say how much it
 *   freed), so the tally errs high; when it reaches a limit, the check awaits a fresh recount (at most one per
 *   `recountMs` per tenant) before it refuses, so a refusal is based on the store's own contents.
 *
 * Stored bytes are measured as the JSON size of turn parts and metadata, state and session metadata, plus the raw
 * bytes of tensors. Writes made through other instances reach this tally only through recounts.
 */
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../storage/store.ts';

/** A tenant's tally. */
export interface TenantUsage {
  sessions: number;
  bytes: number;
  /** When the last exact recount finished (ms), or null when none has. */
  counted_at: number | null;
}

interface Entry extends TenantUsage {
  recount?: Promise<void>;
}

/** Exact usage of a tenant, read from the store (O(its data): every session's turns, state and tensor list). */
export async function countUsage(store: Store, tenant: string, pageSize = 1000, stop: () => boolean = () => false): Promise<{ sessions: number; bytes: number }> {
  let sessions = 0;
  let bytes = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listSessions(tenant, { limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
    for (const s of page.items) {
      if (stop()) throw new Error('usage count stopped: the service is closing');
      sessions++;
      bytes += jsonBytes(s.metadata);
      for (let after = 0; after < s.turn_count; ) {
        const turns = (await store.getTurns(tenant, s.id, { after_seq: after, limit: pageSize })) ?? [];
        if (turns.length === 0) break;
        for (const t of turns) bytes += jsonBytes(t.parts) + jsonBytes(t.metadata);
        after = turns.at(-1)!.seq;
      }
      const state = await store.getState(tenant, s.id);
      if (state !== undefined && state.version > 0) bytes += jsonBytes(state.value);
      for (const t of (await store.listTensors(tenant, s.id)) ?? []) bytes += t.byte_length;
    }
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return { sessions, bytes };
}

function jsonBytes(v: unknown): number {
  // Inline media bytes are Uint8Arrays: count their length rather than their JSON object form.
  return Buffer.byteLength(JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? 'x'.repeat(x.byteLength) : x)) ?? '', 'utf8');
}

/** Usage tallies of the tenants this process has seen (bounded: the least recently used are forgotten). */
export class UsageTally {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #recountMs: number;
  readonly #tenants = new Map<string, Entry>();
  readonly #max: number;
  /** Reports a failed background recount (the tally stays as it was; the next check at a limit recounts). */
  readonly #onError: (err: unknown, tenant: string) => void;
  /** Background recounts that failed since start (`sira_quota_recount_failures_total`). */
  failures = 0;
  #closed = false;

  constructor(store: Store, clock: Clock, opts: { recountMs?: number; max?: number; onError?: (err: unknown, tenant: string) => void } = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#recountMs = opts.recountMs ?? 60_000;
    this.#max = opts.max ?? 10_000;
    this.#onError = opts.onError ?? (() => {});
  }

  #entry(tenant: string): Entry {
    let e = this.#tenants.get(tenant);
    if (e === undefined) {
      e = { sessions: 0, bytes: 0, counted_at: null };
      this.#tenants.set(tenant, e);
      if (this.#tenants.size > this.#max) this.#tenants.delete(this.#tenants.keys().next().value as string);
      // First sight: count in the background; the request that brought the tenant here does not wait.
      this.#recount(tenant, e).catch((err: unknown) => {
        this.failures++;
        this.#onError(err, tenant);
      });
    }
    return e;
  }

  /** The tally now (no recount). */
  get(tenant: string): TenantUsage {
    const { sessions, bytes, counted_at } = this.#entry(tenant);
    return { sessions, bytes, counted_at };
  }

  /** Record an accepted write: `sessions` created (negative: deleted) and `bytes` stored. */
  add(tenant: string, delta: { sessions?: number; bytes?: number }): void {
    const e = this.#entry(tenant);
    e.sessions = Math.max(0, e.sessions + (delta.sessions ?? 0));
    e.bytes = Math.max(0, e.bytes + (delta.bytes ?? 0));
  }

  /**
   * The tally, recounted first when it is at or over `threshold` of a kind and the last recount is older than
   * `recountMs` (or never finished). Concurrent callers share one recount.
   */
  async check(tenant: string, over: (u: TenantUsage) => boolean): Promise<TenantUsage> {
    const e = this.#entry(tenant);
    if (!over(e)) return this.get(tenant);
    const fresh = e.counted_at !== null && this.#clock() - e.counted_at < this.#recountMs;
    if (!fresh || e.recount !== undefined) await this.#recount(tenant, e);
    return this.get(tenant);
  }

  #recount(tenant: string, e: Entry): Promise<void> {
    e.recount ??= (async () => {
      // Writes accepted while the count runs may or may not be in it: keep them (the tally errs high, never low).
      const before = { sessions: e.sessions, bytes: e.bytes };
      try {
        const c = await countUsage(this.#store, tenant, 1000, () => this.#closed);
        e.sessions = c.sessions + Math.max(0, e.sessions - before.sessions);
        e.bytes = c.bytes + Math.max(0, e.bytes - before.bytes);
        e.counted_at = this.#clock();
      } finally {
        e.recount = undefined;
      }
    })();
    return e.recount;
  }

  /** Stop recounts in flight (at their next session) and wait for them; the service calls it before closing the store. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  /** Wait for every recount in flight (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#tenants.values()].map((e) => e.recount));
  }
}
