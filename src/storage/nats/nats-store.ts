/**
 * @module storage/nats/nats-store
 * The NATS JetStream backend. Every session has a head (./head.ts) in a Raft-replicated KV bucket; every change
 * to the session is one compare-and-set of the head on its revision (JetStream's expected-last-subject-sequence),
 * so changes to one session are serialised and a change is acknowledged only once a quorum of replicas has it.
 * Turns, events and tensors live in a second bucket (./session-data.ts), rolled forward from the head's pending
 * commit; state and the tensor index live in the head itself, so a state CAS is a single linearizable write.
 *
 * Time: liveness is `expires_at` against the injected clock on every read (lazy expiry); the sweeper removes
 * expired heads and purges their data. See docs/internals.md for the commit protocol and its invariants.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Clock } from '../../core/clock.ts';
import { siraError } from '../../core/errors.ts';
import { isValidId, newId } from '../../core/ids.ts';
import type { ApiKeyRecord, JsonObject, NewSession, NewTurn, Page, Session, SessionPatch, StateRecord, Tensor, TensorInfo, Turn, TurnRange } from '../../core/types.ts';
import { encodeTurn } from '../codec/turn.ts';
import { appendedTurns, driverCall, eventsGap, newSession, patchedSession, turnTextBytes } from '../session-records.ts';
import type { EventWakeSource } from '../event-hub.ts';
import { span } from '../redis/replies.ts';
import { DEFAULT_EVENT_RETENTION, type DocRecord, type EventLogOptions, type EventPage, type ListDocsOptions, type ListSessionsOptions, type Store, type StoreStats } from '../store.ts';
import { NatsApiKeys } from './api-keys.ts';
import type { Bucket } from './blobs.ts';
import { NatsDocs } from './docs.ts';
import { NatsEventWakeups } from './event-wakeups.ts';
import { isLive, slide, withEvent, writeId } from './head.ts';
import { HeadCommitter, type Outcome } from './commit.ts';
import { openBuckets, type NatsParts } from './open.ts';
import { listSessions, scanHeads } from './scan.ts';
import { joinBatch, SessionData } from './session-data.ts';
import { NatsState } from './state.ts';
import { NatsTensors } from './tensors.ts';
import { NatsTurnReads } from './turn-reads.ts';
import type { TailCacheOptions } from '../tail-cache.ts';
import { eraseTenantByParts, eraseUserByParts } from '../erase.ts';
import type { TenantErasure } from '../store.ts';

/** Options of the NATS backend. */
export interface NatsStoreOptions extends EventLogOptions {
  /** `nats://[user:pass@]host:port[,host:port…]` (any seed nodes of a cluster). */
  url: string;
  /** Prefix of the bucket names (`<prefix>_heads` …), 1..40 of [A-Za-z0-9_-]. @default 'sira' */
  bucketPrefix?: string;
  /** Replicas of each bucket (1..5; 3 for Raft with one node allowed to fail); 0 = 3 on a cluster, else 1. @default 0 */
  replicas?: number;
  /** @default Date.now */
  clock?: Clock;
  /** Compress turn bodies at least this many bytes. @default 64 */
  compressMinBytes?: number;
  /** @default 1024 */
  maxTensorsPerSession?: number;
  /** The in-process tail cache of turns (./turn-reads.ts); false turns it off. @default {} */
  tailCache?: TailCacheOptions | false;
}

/** Pending turns up to this many bytes ride in the head itself (one write per append); larger ones in a blob. */
const INLINE_TURN_BYTES = 32 * 1024;
/** Reads that found a blob a concurrent writer had just replaced retry this often before reporting corruption. */
const READ_RETRIES = 5;

export class NatsStore implements Store {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #heads: Bucket;
  readonly #buckets: Pick<NatsParts, 'heads' | 'data' | 'docs' | 'keys'>;
  readonly #data: SessionData;
  readonly #docs: NatsDocs;
  readonly #keys: NatsApiKeys;
  readonly #clock: Clock;
  readonly #compressMin: number;
  readonly #prefix: string;
  readonly #replicas: number;
  readonly #c: HeadCommitter;
  readonly #turns: NatsTurnReads;
  readonly #tensors: NatsTensors;
  readonly #state: NatsState;
  #closed = false;

  private constructor(opts: NatsStoreOptions, parts: NatsParts, prefix: string) {
    this.#nc = parts.nc;
    this.#js = parts.js;
    this.#jsm = parts.jsm;
    this.#heads = parts.heads;
    this.#buckets = { heads: parts.heads, data: parts.data, docs: parts.docs, keys: parts.keys };
    this.#replicas = parts.replicas;
    this.#prefix = prefix;
    this.#clock = opts.clock ?? Date.now;
    this.#compressMin = opts.compressMinBytes ?? 64;
    this.#data = new SessionData(parts.data, { retention: Math.max(1, opts.eventRetention ?? DEFAULT_EVENT_RETENTION) });
    this.#docs = new NatsDocs(parts.js, parts.docs, parts.data, this.#clock);
    this.#keys = new NatsApiKeys(parts.keys);
    this.#c = new HeadCommitter({ js: parts.js, jsm: parts.jsm, heads: parts.heads, dataBucket: parts.data, data: this.#data, clock: this.#clock, run: (p) => this.#do(p) });
    this.#turns = new NatsTurnReads(this.#data, opts.tailCache ?? {});
    const load = (tenant: string, id: string) => this.#c.load(tenant, id);
    this.#tensors = new NatsTensors({ committer: this.#c, data: this.#data, clock: this.#clock, maxTensors: opts.maxTensorsPerSession ?? 1024, run: (p) => this.#do(p), load });
    this.#state = new NatsState({ committer: this.#c, data: this.#data, run: (p) => this.#do(p), load });
  }

  /** Connect and open (or create) the buckets; throws SIRA_ERR_STORE_FAILED when it cannot. */
  static async open(opts: NatsStoreOptions): Promise<NatsStore> {
    const prefix = opts.bucketPrefix ?? 'sira';
    return new NatsStore(opts, await openBuckets(opts.url, prefix, opts.replicas ?? 0), prefix);
  }

  /** A wake-up source for an EventHub: an ordered consumer on the heads stream (the caller closes it first). */
  eventWakeups(): EventWakeSource {
    return new NatsEventWakeups(this.#js, this.#nc, this.#heads.name);
  }

  /** Replicas of each bucket. */
  get replicas(): number {
    return this.#replicas;
  }

  /** Bucket name prefix. */
  get bucketPrefix(): string {
    return this.#prefix;
  }

  /** The stream manager (tests and tools). */
  get manager(): JetStreamManager {
    return this.#jsm;
  }

  /** Background tasks that failed (each is safe to lose: see #spawn); for tests and metrics. */
  get backgroundErrors(): number {
    return this.#c.backgroundErrors;
  }

  /** Barriers (./fence.ts) acknowledged and given up on, per bucket; for tests and metrics. */
  get fenceStats(): Record<'heads' | 'data' | 'docs' | 'keys', { barriers: number; failures: number }> {
    const of = (b: Bucket) => ({ barriers: b.fence.barriers, failures: b.fence.failures });
    const { heads, data, docs, keys } = this.#buckets;
    return { heads: of(heads), data: of(data), docs: of(docs), keys: of(keys) };
  }

  /** Wait for the background work begun so far (roll-forwards, garbage removal); for tests and tools. */
  drainBackground(): Promise<void> {
    return this.#c.drain();
  }

  #check(): void {
    if (this.#closed) throw siraError('SIRA_ERR_STORE_CLOSED');
  }

  /** Run a call, mapping driver failures to SIRA_ERR_STORE_FAILED (category system, cause kept). */
  async #do<T>(p: () => Promise<T>): Promise<T> {
    this.#check();
    return driverCall('nats', p);
  }

  async createSession(tenant: string, input: NewSession): Promise<Session> {
    const id = input.id ?? newId('s_', this.#clock());
    return this.#c.commit(tenant, id, ({ live, now }) => {
      if (live !== undefined) throw siraError('SIRA_ERR_SESSION_EXISTS');
      const s = newSession(tenant, id, input, now);
      return { value: s, next: withEvent({ v: 1, g: writeId(), s, ev: 0, st: { at: 0, val: {} }, tx: {}, tr: 0, ts: 0 }, 'session.created', now) };
    });
  }

  async getSession(tenant: string, id: string): Promise<Session | undefined> {
    return (await this.#do(() => this.#c.load(tenant, id))).live?.s;
  }

  async updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
    return this.#c.commit(tenant, id, ({ live, now }): Outcome<Session | undefined> => {
      if (live === undefined) return { value: undefined };
      const next = slide(patchedSession(live.s, patch), now);
      return { value: next, next: withEvent({ ...live, s: next }, 'session.updated', now) };
    });
  }

  async deleteSession(tenant: string, id: string): Promise<boolean> {
    this.#turns.forget(tenant, id);
    // An expired head is removed too (it is garbage), but reported as not existing, as the other backends do.
    return this.#c.commit(tenant, id, ({ head, live }): Outcome<boolean> => (head === undefined ? { value: false } : { value: live !== undefined, next: null }));
  }

  listSessions(tenant: string, opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    return this.#do(() => listSessions(this.#heads, tenant, opts, this.#clock()));
  }

  async appendTurns(tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
    const now = this.#clock();
    const records = turns.map((t) => encodeTurn(t, now, this.#compressMin));
    const { raw, stored } = turnTextBytes(records);
    const inline = stored <= INLINE_TURN_BYTES;
    const uploads: string[] = [];
    const cache = new Map<string, string>();
    const { first, gen } = await this.#c.commit(
      tenant,
      sessionId,
      async ({ live }): Promise<Outcome<{ first: number; gen: string }>> => {
        if (live === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
        const from = live.s.turn_count + 1;
        const pending = inline
          ? { first: from, count: records.length, recs: records.map((r) => Buffer.from(r).toString('base64')) }
          : { first: from, count: records.length, b: await this.#c.upload(tenant, sessionId, live, 'batch', joinBatch(records), uploads, cache) };
        const s = { ...slide(live.s, now), turn_count: live.s.turn_count + records.length };
        const next = withEvent({ ...live, s, tr: live.tr + raw, ts: live.ts + stored }, 'turns.appended', now, { first_seq: from, count: records.length }, pending);
        return { value: { first: from, gen: live.g }, next };
      },
      uploads,
    );
    const out = appendedTurns(turns, first, now);
    this.#turns.appended(tenant, sessionId, gen, first - 1, records);
    return out;
  }

  async getTurns(tenant: string, sessionId: string, range: TurnRange = {}): Promise<Turn[] | undefined> {
    for (let attempt = 0; ; attempt++) {
      const { live } = await this.#do(() => this.#c.load(tenant, sessionId));
      if (live === undefined) return undefined;
      const [lo, hi] = span(range, live.s.turn_count);
      const turns = await this.#do(() => this.#turns.read(tenant, sessionId, live, lo, hi));
      if (turns !== undefined) return turns;
      if (attempt >= READ_RETRIES) throw siraError('SIRA_ERR_CODEC_CORRUPT', `turns ${lo}..${hi} of session ${sessionId} are missing`);
    }
  }

  getState(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    return this.#state.get(tenant, sessionId);
  }

  putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#state.put(tenant, sessionId, value, expectedVersion);
  }

  patchState(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#state.patch(tenant, sessionId, patch, expectedVersion);
  }

  putTensor(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    return this.#tensors.put(tenant, sessionId, name, tensor);
  }

  getTensor(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
    return this.#tensors.get(tenant, sessionId, name);
  }

  listTensors(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
    return this.#tensors.list(tenant, sessionId);
  }

  deleteTensor(tenant: string, sessionId: string, name: string): Promise<boolean> {
    return this.#tensors.delete(tenant, sessionId, name);
  }

  async readEvents(tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined> {
    for (let attempt = 0; ; attempt++) {
      const { live } = await this.#do(() => this.#c.load(tenant, sessionId));
      if (live === undefined) return undefined;
      const first = this.#data.firstRetained(live);
      if (afterId < first - 1) throw eventsGap(afterId, first);
      const events = await this.#do(() => this.#data.events(tenant, sessionId, live, afterId, limit));
      if (events !== undefined) return { events, last_id: live.ev };
      if (attempt >= READ_RETRIES) throw siraError('SIRA_ERR_CODEC_CORRUPT', `events after ${afterId} of session ${sessionId} are missing`);
    }
  }

  async sweepExpired(limit = 10_000): Promise<number> {
    const now = this.#clock();
    const due = (await this.#do(() => scanHeads(this.#heads, '>'))).filter((x) => !isLive(x.head, now)).slice(0, limit);
    let removed = 0;
    // Each removal is a compare-and-set on a head still expired when it is read again: a session written (and so
    // slid forward) meanwhile stays.
    await Promise.all(
      due.map(async ({ tenant, id }) => {
        const gone = await this.#c.commit(tenant, id, ({ head, live }): Outcome<boolean> => (head === undefined || live !== undefined ? { value: false } : { value: true, next: null }));
        if (gone) removed++;
      }),
    );
    return removed;
  }

  putDoc(tenant: string, collection: string, id: string, value: Uint8Array, expectedVersion?: number): Promise<DocRecord> {
    return this.#do(() => this.#docs.put(tenant, collection, id, value, expectedVersion));
  }

  getDoc(tenant: string, collection: string, id: string): Promise<DocRecord | undefined> {
    return this.#do(() => this.#docs.get(tenant, collection, id));
  }

  deleteDoc(tenant: string, collection: string, id: string): Promise<boolean> {
    return this.#do(() => this.#docs.delete(tenant, collection, id));
  }

  listDocs(tenant: string, collection: string, opts?: ListDocsOptions): Promise<Page<DocRecord>> {
    return this.#do(() => this.#docs.list(tenant, collection, opts));
  }

  deleteDocs(tenant: string, collection: string, prefix?: string): Promise<number> {
    return this.#do(() => this.#docs.deleteAll(tenant, collection, prefix));
  }

  /** A user's sessions and user documents, deleted (a deleted KV key is purged from the stream: physical). */
  eraseUser(tenant: string, user: string): Promise<number> {
    return eraseUserByParts(this, tenant, user);
  }

  /** Every session, document and API key of `tenant`. */
  async eraseTenant(tenant: string): Promise<TenantErasure> {
    return eraseTenantByParts(this, tenant, await this.#do(() => this.#docs.collections(tenant)));
  }

  async putApiKey(record: ApiKeyRecord): Promise<void> {
    if (!isValidId(record.tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
    await this.#do(() => this.#keys.put(record));
  }

  getApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#do(() => this.#keys.byHash(hash));
  }

  listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    return this.#do(() => this.#keys.list(tenant));
  }

  deleteApiKey(id: string): Promise<boolean> {
    return this.#do(() => this.#keys.delete(id));
  }

  async stats(): Promise<StoreStats> {
    const now = this.#clock();
    const heads = (await this.#do(() => scanHeads(this.#heads, '>'))).filter((x) => isLive(x.head, now));
    const infos = await this.#do(() => Promise.all(['heads', 'data', 'docs', 'keys'].map((b) => this.#jsm.streams.info(`KV_${this.#prefix}_${b}`))));
    const st: StoreStats = { sessions: heads.length, turns: 0, tensors: 0, bytes: 0, text_raw_bytes: 0, text_stored_bytes: 0 };
    for (const { head } of heads) {
      st.turns += head.s.turn_count;
      st.tensors += Object.keys(head.tx).length;
      st.text_raw_bytes += head.tr;
      st.text_stored_bytes += head.ts;
    }
    for (const i of infos) st.bytes += i.state.bytes;
    return st;
  }

  async ready(): Promise<boolean> {
    if (this.#closed || this.#nc.isClosed()) return false;
    try {
      // Account info is answered by the meta leader: no answer means no JetStream quorum.
      await this.#jsm.getAccountInfo();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#c.drain();
    await this.#nc.drain().catch(() => this.#nc.close()); // a drain that fails (connection already lost) still closes
  }
}
