/**
 * @module storage/lmdb/lmdb-store
 * The embedded default backend. One LMDB environment, one named database per record kind, keys laid out so
 * that "turns of a session by seq" is a range scan:
 *
 *   sessions  [tenant, id]                 → session record (codec v1)
 *   turns     [tenant, id, seq]            → turn record (codec v1, zstd body)
 *   state     [tenant, id]                 → state record
 *   tensors   [tenant, id, name]           → tensor record (raw bytes, aligned)
 *   by_time   [tenant, created_at, id]     → ''   (list a tenant's sessions, newest first)
 *   by_user   [tenant, user, created_at, id] → '' (list a user's sessions)
 *   expiry    [expires_at, tenant, id]     → ''   (the sweeper's range scan)
 *   events    [tenant, id, event id]       → event record (dense ids per session; the newest key is the counter)
 *   keys      hash                         → API key record
 *   docs      [tenant, collection, id]     → document record (storage/docs)
 *
 * Every multi-record change runs in one write transaction; writes queued in the same event turn share one
 * commit. Durability: `sync: 'os'` resolves once the commit is written to the OS (survives a killed process);
 * `sync: 'always'` resolves after fsync (survives power loss), with concurrent writes sharing the flush.
 */
import { statfs } from 'node:fs/promises';
import type { SyncMode } from '../../core/config.ts';
import { siraError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { mergePatch } from '../../core/merge-patch.ts';
import type { Clock } from '../../core/clock.ts';
import type {
  ApiKeyRecord,
  JsonObject,
  NewSession,
  NewTurn,
  Page,
  Session,
  SessionEvent,
  SessionEventType,
  SessionPatch,
  StateRecord,
  Tensor,
  TensorInfo,
  Turn,
  TurnRange,
} from '../../core/types.ts';
import {
  DEFAULT_EVENT_RETENTION,
  type DocRecord,
  type EventLogOptions,
  type EventPage,
  type ListDocsOptions,
  type ListSessionsOptions,
  type Store,
  type StoreStats,
  type TenantErasure,
} from '../store.ts';
import * as docs from './lmdb-docs.ts';
import { decodeEvent, decodeSession, decodeState, encodeEvent, encodeSession, encodeState } from '../codec/records.ts';
import { deleteApiKey, getApiKeyByHash, listApiKeys, lmdbStats, putApiKey } from './lmdb-admin.ts';
import { openLayout, type Key, type LmdbLayout } from './lmdb-open.ts';
import { decodeTurn, encodeTurn } from '../codec/turn.ts';
import { decodeTensorInfo, decodeTensorRecord, encodeTensorRecord } from '../codec/tensor-record.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { TailCache, tailVersion, type TailCacheOptions } from '../tail-cache.ts';
import type { DataKeyring } from '../crypto/keyring.ts';
import type { AtRestReport } from '../crypto/at-rest.ts';
import { putScoped, scopeOf, sealLayout, sessionRecordScope, type OpenedCacheBytes } from './lmdb-seal.ts';
import { eraseTenant, eraseUser, reseal, type ErasureDeps } from './lmdb-erase.ts';

/** Options of the LMDB backend. */
export interface LmdbStoreOptions extends EventLogOptions {
  /** Directory of the environment (created if missing). */
  path: string;
  /** @default 'os' */
  sync?: SyncMode;
  /** @default Date.now */
  clock?: Clock;
  /** Compress turn bodies at least this many bytes. @default 64 */
  compressMinBytes?: number;
  /** Secret (≥ 32 chars) for encryption at rest (ChaCha8 pages, lmdb-js). */
  encryptionKey?: string | undefined;
  /** Address space to map, bytes. @default 64 GiB */
  mapSize?: number;
  /** @default 1024 */
  maxTensorsPerSession?: number;
  /** Hot tier of decoded session tails; `false` turns it off. @default {} (64 turns per session, 64 MiB) */
  tailCache?: TailCacheOptions | false;
  /**
   * Data keys to seal every content value with (AES-256-GCM per user / per tenant, storage/lmdb/lmdb-seal);
   * erasing a user or tenant destroys its keys. Choose at creation: a store's values are all sealed or all plain.
   * @default undefined (values plain)
   */
  keyring?: DataKeyring | undefined;
  /** How the keyring's master key was found, for the start-up log. @default supplied with a keyring, else off */
  atRest?: AtRestReport;
  /** With a keyring: bytes of opened (deciphered) records kept in memory. @default {sessions: 8 MiB, turns: 32 MiB} */
  openedCache?: OpenedCacheBytes;
}

const cacheKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;
const EMPTY = new Uint8Array(0);

export class LmdbStore implements Store {
  readonly kind = 'lmdb';
  readonly #db: LmdbLayout;
  readonly #clock: Clock;
  readonly #compressMin: number;
  readonly #maxTensors: number;
  readonly #path: string;
  readonly #tail: TailCache | undefined;
  readonly #syncCommit: boolean;
  readonly #retention: number;
  /**
   * Newest event id per session written by this process, so an append does not pay a reverse cursor scan for
   * it (~20 µs). Filled inside write transactions only; cleared whenever a transaction fails, so an aborted
   * change can never leave a gap in the ids. Bounded: cleared wholesale past 262,144 entries. Other processes
   * on the environment (`serve --workers`, a CLI import) append too: an entry is only a guess, checked in the
   * write transaction (see #nextEventId).
   */
  readonly #eventIds = new Map<string, number>();
  readonly #keyring: DataKeyring | undefined;
  /** How values are kept at rest (sealed under a supplied or generated master key, or plain). */
  readonly atRest: AtRestReport;
  #closed = false;

  private constructor(opts: LmdbStoreOptions) {
    this.#clock = opts.clock ?? Date.now;
    this.#compressMin = opts.compressMinBytes ?? 64;
    this.#maxTensors = opts.maxTensorsPerSession ?? 1024;
    this.#path = opts.path;
    this.#tail = opts.tailCache === false ? undefined : new TailCache(opts.tailCache ?? {});
    this.#syncCommit = (opts.sync ?? 'os') === 'os';
    this.#retention = Math.max(1, opts.eventRetention ?? DEFAULT_EVENT_RETENTION);
    const raw = openLayout({ path: opts.path, sync: opts.sync ?? 'os', mapSize: opts.mapSize ?? 64 * 1024 ** 3, encryptionKey: opts.encryptionKey });
    this.#keyring = opts.keyring;
    this.atRest = opts.atRest ?? { mode: opts.keyring === undefined ? 'off' : 'supplied' };
    this.#db = opts.keyring === undefined ? raw : sealLayout(raw, opts.keyring, opts.openedCache);
  }

  /** Open (or create) the store under `opts.path`. */
  static async open(opts: LmdbStoreOptions): Promise<LmdbStore> {
    return new LmdbStore(opts);
  }

  /** The hot tier, when on (hit and miss counters for tests, metrics and the prefetcher's bench). */
  get tailCache(): TailCache | undefined {
    return this.#tail;
  }

  #check(): void {
    if (this.#closed) throw siraError('SIRA_ERR_STORE_CLOSED');
  }

  /** The live session or undefined (missing or expired); reads inside or outside a transaction. */
  #live(tenant: string, id: string, now = this.#clock()): Session | undefined {
    const raw = this.#db.sessions.getBinary([tenant, id]);
    if (raw === undefined) return undefined;
    const s = decodeSession(raw);
    return s.expires_at !== null && s.expires_at <= now ? undefined : s;
  }

  #txn<T>(fn: () => T): Promise<T> {
    this.#check();
    if (this.#syncCommit) {
      // 'os' mode: commit on the calling thread. Without fsync a commit is a few pwrite()s (tens of µs), cheaper
      // than handing the transaction to lmdb-js's write thread and back; the data is in the OS on return.
      try {
        return Promise.resolve(this.#db.env.transactionSync(fn));
      } catch (e) {
        this.#eventIds.clear();
        return Promise.reject(e as Error);
      }
    }
    // 'always' mode: fsync must not block the event loop; concurrent transactions share one flush.
    return this.#db.env.transaction(fn).catch((e: unknown) => {
      this.#eventIds.clear();
      throw e;
    });
  }

  /** Write `s` with its indexes moved from `prev` (inside a transaction). */
  /** A write transaction committed on lmdb-js's write thread whatever the sync mode (writes nobody waits on). */
  #txnBehind<T>(fn: () => T): Promise<T> {
    this.#check();
    return this.#db.env.transaction(fn);
  }

  #writeSession(s: Session, prev: Session | undefined): void {
    const t = s.tenant;
    if (prev !== undefined && prev.expires_at !== s.expires_at && prev.expires_at !== null) {
      this.#db.expiry.removeSync([prev.expires_at, t, s.id]);
    }
    if (s.expires_at !== null && prev?.expires_at !== s.expires_at) this.#db.expiry.putSync([s.expires_at, t, s.id], EMPTY);
    if (prev !== undefined && prev.user_id !== s.user_id && prev.user_id !== null) {
      this.#db.byUser.removeSync([t, prev.user_id, prev.created_at, s.id]);
    }
    if (s.user_id !== null && prev?.user_id !== s.user_id) this.#db.byUser.putSync([t, s.user_id, s.created_at, s.id], EMPTY);
    if (prev === undefined) this.#db.byTime.putSync([t, s.created_at, s.id], EMPTY);
    putScoped(this.#db.sessions, [t, s.id], encodeSession(s), sessionRecordScope(t, s));
  }

  /** Id of the session's newest event, 0 when none (reads inside or outside a transaction). */
  #lastEventId(t: string, id: string): number {
    for (const k of this.#db.events.getKeys({ start: [t, id, MAX_SEQ], end: [t, id, 0], reverse: true, limit: 1 })) return (k as Key)[2] as number;
    return 0;
  }

  /**
   * The id the session's next event takes (inside the write transaction). Ids are dense from the oldest retained
   * to the newest, so `cached` is still the newest when its event exists and the one after it does not: two point
   * reads instead of the scan. Otherwise another process appended (or deleted and re-created the session) since.
   */
  #nextEventId(t: string, id: string, cached: number | undefined): number {
    if (cached !== undefined && this.#db.events.doesExist([t, id, cached]) && !this.#db.events.doesExist([t, id, cached + 1])) return cached + 1;
    return this.#lastEventId(t, id) + 1;
  }

  /** Append the next event of a session and trim the log to the retention (inside the change's transaction). */
  #event(t: string, id: string, type: SessionEventType, at: number, data: JsonObject = {}): void {
    const ck = cacheKey(t, id);
    const next = this.#nextEventId(t, id, this.#eventIds.get(ck));
    this.#db.events.putSync([t, id, next], encodeEvent(type, at, data));
    if (this.#eventIds.size >= 262_144) this.#eventIds.clear();
    this.#eventIds.set(ck, next);
    const cut = next - this.#retention; // ids ≤ cut fall out of the window; normally exactly one
    if (cut >= 1) for (const k of this.#db.events.getKeys({ start: [t, id, 0], end: [t, id, cut + 1] })) this.#db.events.removeSync(k);
  }

  /** Remove a session and everything under it (inside a transaction); returns text bytes freed. */
  #purge(s: Session): void {
    const t = s.tenant;
    this.#eventIds.delete(cacheKey(t, s.id));
    for (const key of this.#db.turns.getKeys({ start: [t, s.id, 0], end: [t, s.id, MAX_SEQ] })) this.#db.turns.removeSync(key);
    for (const key of this.#db.tensors.getKeys({ start: [t, s.id, ''], end: [t, s.id, '\uffff'] })) this.#db.tensors.removeSync(key);
    for (const key of this.#db.events.getKeys({ start: [t, s.id, 0], end: [t, s.id, MAX_SEQ] })) this.#db.events.removeSync(key);
    this.#db.state.removeSync([t, s.id]);
    if (s.expires_at !== null) this.#db.expiry.removeSync([s.expires_at, t, s.id]);
    if (s.user_id !== null) this.#db.byUser.removeSync([t, s.user_id, s.created_at, s.id]);
    this.#db.byTime.removeSync([t, s.created_at, s.id]);
    this.#db.sessions.removeSync([t, s.id]);
    this.#tail?.drop(cacheKey(t, s.id));
  }

  #erasure(): ErasureDeps {
    return { db: this.#db, txn: (fn) => this.#txn(fn), purge: (s) => this.#purge(s), keyring: this.#keyring, deleteApiKey: (id) => this.deleteApiKey(id) };
  }

  async eraseUser(tenant: string, user: string): Promise<number> {
    this.#check();
    return eraseUser(this.#erasure(), tenant, user);
  }

  async eraseTenant(tenant: string): Promise<TenantErasure> {
    this.#check();
    return eraseTenant(this.#erasure(), tenant);
  }

  #slide(s: Session, now: number): Session {
    return { ...s, updated_at: now, expires_at: s.ttl_seconds === null ? null : now + s.ttl_seconds * 1000 };
  }

  async createSession(tenant: string, input: NewSession): Promise<Session> {
    const now = this.#clock();
    const ttl = input.ttl_seconds ?? null;
    const s: Session = {
      id: input.id ?? newId('s_', now),
      tenant,
      user_id: input.user_id ?? null,
      agent_id: input.agent_id ?? null,
      metadata: input.metadata ?? {},
      created_at: now,
      updated_at: now,
      expires_at: ttl === null ? null : now + ttl * 1000,
      ttl_seconds: ttl,
      turn_count: 0,
      state_version: 0,
    };
    return this.#txn(() => {
      const raw = this.#db.sessions.getBinary([tenant, s.id]);
      if (raw !== undefined) {
        const old = decodeSession(raw);
        if (old.expires_at === null || old.expires_at > now) throw siraError('SIRA_ERR_SESSION_EXISTS');
        this.#purge(old); // expired but not yet swept: its data must not leak into the new session
      }
      this.#writeSession(s, undefined);
      this.#event(tenant, s.id, 'session.created', now);
      return s;
    });
  }

  async getSession(tenant: string, id: string): Promise<Session | undefined> {
    this.#check();
    return this.#live(tenant, id);
  }

  async updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
    return this.#txn(() => {
      const now = this.#clock();
      const prev = this.#live(tenant, id, now);
      if (prev === undefined) return undefined;
      let s: Session = { ...prev };
      if (patch.user_id !== undefined) s.user_id = patch.user_id;
      if (patch.agent_id !== undefined) s.agent_id = patch.agent_id;
      if (patch.metadata !== undefined) s.metadata = patch.metadata;
      if (patch.ttl_seconds !== undefined) s.ttl_seconds = patch.ttl_seconds;
      s = this.#slide(s, now);
      this.#writeSession(s, prev);
      if (this.#keyring !== undefined && prev.user_id !== s.user_id) reseal(this.#db, tenant, id);
      this.#event(tenant, id, 'session.updated', now);
      return s;
    });
  }

  async deleteSession(tenant: string, id: string): Promise<boolean> {
    return this.#txn(() => {
      const raw = this.#db.sessions.getBinary([tenant, id]);
      if (raw === undefined) return false;
      const s = decodeSession(raw);
      const live = s.expires_at === null || s.expires_at > this.#clock();
      this.#purge(s);
      return live;
    });
  }

  async listSessions(tenant: string, opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    this.#check();
    const limit = opts.limit ?? 100;
    const now = this.#clock();
    const prefix: Key = opts.user_id === undefined ? [tenant] : [tenant, opts.user_id];
    const index = opts.user_id === undefined ? this.#db.byTime : this.#db.byUser;
    let start: Key = [...prefix, MAX_SEQ];
    if (opts.cursor !== undefined) {
      const c = decodeCursor(opts.cursor);
      if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'number' || typeof c[1] !== 'string') {
        throw siraError('SIRA_ERR_CURSOR_INVALID');
      }
      start = [...prefix, c[0], c[1]];
    }
    const items: Session[] = [];
    let last: Key | undefined;
    let more = false;
    for (const key of index.getKeys({ start, end: [...prefix, -1], reverse: true })) {
      const k = key as Key;
      const id = k[k.length - 1] as string;
      const createdAt = k[k.length - 2] as number;
      // The cursor names the last item of the previous page; the reverse scan starts on it inclusively.
      if (opts.cursor !== undefined && createdAt === start[start.length - 2] && id === start[start.length - 1]) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      const s = this.#live(tenant, id, now);
      last = [createdAt, id];
      if (s !== undefined) items.push(s);
    }
    return { items, cursor: more && last !== undefined ? encodeCursor(last) : null };
  }

  async appendTurns(tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
    const now = this.#clock();
    // Encode (and compress) outside the write transaction; only key assignment happens under the lock.
    const records = turns.map((t) => encodeTurn(t, now, this.#compressMin));
    let prevVersion = '';
    let version = '';
    const stored = await this.#txn(() => {
      const prev = this.#live(tenant, sessionId, now);
      if (prev === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
      const first = prev.turn_count + 1;
      const scope = scopeOf(tenant, prev);
      for (let i = 0; i < records.length; i++) putScoped(this.#db.turns, [tenant, sessionId, first + i], records[i]!, scope);
      const s = this.#slide({ ...prev, turn_count: prev.turn_count + records.length }, now);
      this.#writeSession(s, prev);
      this.#event(tenant, sessionId, 'turns.appended', now, { first_seq: first, count: records.length });
      prevVersion = tailVersion(prev.created_at, prev.turn_count);
      version = tailVersion(s.created_at, s.turn_count);
      return turns.map(
        (t, i): Turn => ({
          seq: first + i,
          role: t.role,
          parts: t.parts,
          name: t.name ?? null,
          agent_id: t.agent_id ?? null,
          metadata: t.metadata ?? null,
          created_at: now,
          importance: t.importance ?? null,
          pinned: t.pinned === true,
        }),
      );
    });
    // After the commit: the cache only ever holds acknowledged turns, as the records just written (it copies them).
    this.#tail?.appended(cacheKey(tenant, sessionId), prevVersion, version, stored[0]!.seq, records);
    return stored;
  }

  async getTurns(tenant: string, sessionId: string, range: TurnRange = {}): Promise<Turn[] | undefined> {
    this.#check();
    const s = this.#live(tenant, sessionId);
    if (s === undefined) return undefined;
    let from: number;
    let to: number; // inclusive
    if ('last' in range) {
      to = s.turn_count;
      from = Math.max(1, to - range.last + 1);
    } else {
      from = Math.max(1, (range.after_seq ?? 0) + 1);
      to = Math.min(s.turn_count, (range.before_seq ?? MAX_SEQ) - 1);
      if (range.limit !== undefined) to = Math.min(to, from + range.limit - 1);
    }
    if (from > to) return [];
    const key = cacheKey(tenant, sessionId);
    const version = tailVersion(s.created_at, s.turn_count);
    const cached = this.#tail?.range(key, version, from, to);
    if (cached !== undefined) return cached;
    const out: Turn[] = [];
    const records: Uint8Array[] = [];
    for (const { key: k, value } of this.#db.turns.getRange({ start: [tenant, sessionId, from], end: [tenant, sessionId, to + 1] })) {
      out.push(decodeTurn(value, (k as Key)[2] as number));
      records.push(value);
    }
    if (to === s.turn_count && out.length > 0) this.#tail?.filled(key, version, out[0]!.seq, records);
    return out;
  }

  #readState(tenant: string, id: string): StateRecord {
    const raw = this.#db.state.getBinary([tenant, id]);
    return raw === undefined ? { version: 0, value: {}, updated_at: 0 } : decodeState(raw);
  }

  async getState(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    this.#check();
    if (this.#live(tenant, sessionId) === undefined) return undefined;
    return this.#readState(tenant, sessionId);
  }

  #writeState(tenant: string, id: string, make: (cur: StateRecord) => JsonObject, expected?: number): Promise<StateRecord> {
    return this.#txn(() => {
      const now = this.#clock();
      const prev = this.#live(tenant, id, now);
      if (prev === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
      const cur = this.#readState(tenant, id);
      if (expected !== undefined && expected !== cur.version) {
        throw siraError('SIRA_ERR_STATE_VERSION_CONFLICT', `expected version ${expected}, current is ${cur.version}`, {
          details: { current_version: cur.version },
        });
      }
      const next: StateRecord = { version: cur.version + 1, value: make(cur), updated_at: now };
      this.#db.state.putSync([tenant, id], encodeState(next));
      this.#writeSession(this.#slide({ ...prev, state_version: next.version }, now), prev);
      this.#event(tenant, id, 'state.changed', now, { version: next.version });
      return next;
    });
  }

  async putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#writeState(tenant, sessionId, () => value, expectedVersion);
  }

  async patchState(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#writeState(tenant, sessionId, (cur) => mergePatch(cur.value, patch) as JsonObject, expectedVersion);
  }

  async putTensor(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    const now = this.#clock();
    const rec = encodeTensorRecord(tensor, now);
    // Names starting with '_' are the service's own (embedding chunks, written behind an acknowledged append): they
    // neither slide the TTL (the client's write already did) nor need a commit on the caller's thread, so they go to
    // lmdb-js's write thread, where writes queued together share one commit.
    const internal = name.startsWith('_');
    return (internal ? this.#txnBehind.bind(this) : this.#txn.bind(this))(() => {
      const prev = this.#live(tenant, sessionId, now);
      if (prev === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
      const key: Key = [tenant, sessionId, name];
      if (this.#db.tensors.getBinary(key) === undefined) {
        const count = this.#db.tensors.getKeysCount({ start: [tenant, sessionId, ''], end: [tenant, sessionId, '\uffff'] });
        if (count >= this.#maxTensors) throw siraError('SIRA_ERR_TENSOR_LIMIT', `at most ${this.#maxTensors} tensors per session`);
      }
      this.#db.tensors.putSync(key, rec);
      // The service's own tensors (clients cannot name them) write no event.
      if (!internal) {
        this.#writeSession(this.#slide(prev, now), prev);
        this.#event(tenant, sessionId, 'tensor.written', now, { name });
      }
      return { name, dtype: tensor.dtype, shape: [...tensor.shape], byte_length: tensor.data.byteLength, updated_at: now };
    });
  }

  async getTensor(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
    this.#check();
    if (this.#live(tenant, sessionId) === undefined) return undefined;
    const raw = this.#db.tensors.getBinary([tenant, sessionId, name]);
    return raw === undefined ? undefined : decodeTensorRecord(raw, { copy: false }).tensor;
  }

  async listTensors(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
    this.#check();
    if (this.#live(tenant, sessionId) === undefined) return undefined;
    const out: TensorInfo[] = [];
    for (const { key, value } of this.#db.tensors.getRange({ start: [tenant, sessionId, ''], end: [tenant, sessionId, '\uffff'] })) {
      out.push({ name: (key as Key)[2] as string, ...decodeTensorInfo(value) });
    }
    return out;
  }

  async deleteTensor(tenant: string, sessionId: string, name: string): Promise<boolean> {
    return this.#txn(() => {
      const now = this.#clock();
      const prev = this.#live(tenant, sessionId, now);
      if (prev === undefined) return false;
      const removed = this.#db.tensors.removeSync([tenant, sessionId, name]);
      if (removed) {
        this.#writeSession(this.#slide(prev, now), prev);
        this.#event(tenant, sessionId, 'tensor.deleted', now, { name });
      }
      return removed;
    });
  }

  async readEvents(tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined> {
    this.#check();
    if (this.#live(tenant, sessionId) === undefined) return undefined;
    {
      // Synchronous reads in one turn share lmdb-js's read snapshot: first, last and the page agree.
      const last = this.#lastEventId(tenant, sessionId);
      let first = last + 1;
      for (const k of this.#db.events.getKeys({ start: [tenant, sessionId, 0], end: [tenant, sessionId, MAX_SEQ], limit: 1 })) first = (k as Key)[2] as number;
      if (afterId + 1 < first) {
        throw siraError('SIRA_ERR_EVENTS_GAP', `events ${afterId + 1}..${first - 1} are no longer retained`, { details: { first_retained_id: first } });
      }
      const events: SessionEvent[] = [];
      for (const { key, value } of this.#db.events.getRange({ start: [tenant, sessionId, afterId + 1], end: [tenant, sessionId, MAX_SEQ], limit })) {
        events.push(decodeEvent(value, sessionId, (key as Key)[2] as number));
      }
      return { events, last_id: last };
    }
  }

  async sweepExpired(limit = 10_000): Promise<number> {
    this.#check();
    const now = this.#clock();
    const due: Key[] = [];
    for (const key of this.#db.expiry.getKeys({ start: [0], end: [now + 1], limit })) due.push(key as Key);
    if (due.length === 0) return 0;
    let removed = 0;
    // Bounded transactions so a large sweep never holds the write lock for long.
    for (let i = 0; i < due.length; i += 500) {
      const chunk = due.slice(i, i + 500);
      removed += await this.#txn(() => {
        let n = 0;
        for (const [exp, tenant, id] of chunk as [number, string, string][]) {
          const raw = this.#db.sessions.getBinary([tenant, id]);
          const s = raw === undefined ? undefined : decodeSession(raw);
          if (s !== undefined && s.expires_at === exp) {
            this.#purge(s);
            n++;
          } else {
            this.#db.expiry.removeSync([exp, tenant, id]); // stale index entry (moved or deleted)
          }
        }
        return n;
      });
    }
    return removed;
  }

  async putDoc(tenant: string, collection: string, id: string, value: Uint8Array, expectedVersion?: number, owner?: string): Promise<DocRecord> {
    this.#check();
    return docs.putDoc(this.#db, (fn) => this.#txn(fn), this.#clock(), { tenant, collection, id }, value, expectedVersion, owner);
  }

  async getDoc(tenant: string, collection: string, id: string): Promise<DocRecord | undefined> {
    this.#check();
    return docs.getDoc(this.#db, tenant, collection, id);
  }

  async deleteDoc(tenant: string, collection: string, id: string): Promise<boolean> {
    this.#check();
    return docs.deleteDoc(this.#db, (fn) => this.#txn(fn), tenant, collection, id);
  }

  async listDocs(tenant: string, collection: string, opts?: ListDocsOptions): Promise<Page<DocRecord>> {
    this.#check();
    return docs.listDocs(this.#db, tenant, collection, opts);
  }

  async deleteDocs(tenant: string, collection: string, prefix?: string): Promise<number> {
    this.#check();
    return docs.deleteDocs(this.#db, (fn) => this.#txn(fn), tenant, collection, prefix);
  }

  async putApiKey(record: ApiKeyRecord): Promise<void> {
    return putApiKey(this.#db, (fn) => this.#txn(fn), record);
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    this.#check();
    return getApiKeyByHash(this.#db, hash);
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    this.#check();
    return listApiKeys(this.#db, tenant);
  }

  async deleteApiKey(id: string): Promise<boolean> {
    this.#check();
    return deleteApiKey(this.#db, (fn) => this.#txn(fn), id);
  }

  async stats(): Promise<StoreStats> {
    this.#check();
    return lmdbStats(this.#db);
  }

  async ready(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await statfs(this.#path);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.env.close();
  }
}
