/**
 * @module test/helpers/memory-store
 * A small in-memory {@link Store} for tests: same contract as the LMDB store (tenancy, lazy expiry, dense seqs,
 * versioned state with merge patch, tensor bytes copied in and out), no persistence. Not tuned for speed.
 */
import { siraError } from '../../src/core/errors.ts';
import { newId } from '../../src/core/ids.ts';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { isJsonObject } from '../../src/core/validate.ts';
import type {
  ApiKeyRecord,
  Json,
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
} from '../../src/core/types.ts';
import { newSession } from '../../src/storage/session-records.ts';
import { decodeCursor, encodeCursor } from '../../src/storage/cursor.ts';
import { eraseUserByParts } from '../../src/storage/erase.ts';
import { checkDocKey, compareDocIds, docConflict, docCursor, docPageStart } from '../../src/storage/docs.ts';
import {
  DEFAULT_EVENT_RETENTION,
  type DocRecord,
  type EventPage,
  type ListDocsOptions,
  type ListSessionsOptions,
  type Store,
  type StoreStats,
  type TenantErasure,
} from '../../src/storage/store.ts';

interface Entry {
  session: Session;
  turns: Turn[];
  state: StateRecord;
  tensors: Map<string, Tensor & { updated_at: number }>;
  events: SessionEvent[];
  lastEvent: number;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** @default Date.now */
  clock?: Clock;
  /** @default 1024 */
  maxTensorsPerSession?: number;
  /** Events kept per session. @default DEFAULT_EVENT_RETENTION */
  eventRetention?: number;
}

const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7396 JSON merge patch of `patch` onto `target` (returns a new value). */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return clone(patch);
  const out: JsonObject = isJsonObject(target ?? null) ? { ...(target as JsonObject) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The in-memory store. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly #clock: Clock;
  readonly #maxTensors: number;
  readonly #tenants = new Map<string, Map<string, Entry>>();
  readonly #keys = new Map<string, ApiKeyRecord>();
  readonly #docs = new Map<string, Map<string, DocRecord>>();
  #closed = false;

  readonly #retention: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#maxTensors = opts.maxTensorsPerSession ?? 1024;
    this.#retention = opts.eventRetention ?? DEFAULT_EVENT_RETENTION;
  }

  #open(): void {
    if (this.#closed) throw siraError('SIRA_ERR_STORE_CLOSED');
  }

  #sessions(tenant: string): Map<string, Entry> {
    let m = this.#tenants.get(tenant);
    if (m === undefined) this.#tenants.set(tenant, (m = new Map()));
    return m;
  }

  #live(tenant: string, id: string): Entry | undefined {
    this.#open();
    const e = this.#tenants.get(tenant)?.get(id);
    if (e === undefined) return undefined;
    if (e.session.expires_at !== null && e.session.expires_at <= this.#clock()) return undefined;
    return e;
  }

  #must(tenant: string, id: string): Entry {
    const e = this.#live(tenant, id);
    if (e === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    return e;
  }

  /** A write slides the expiry to now + ttl. */
  #touch(e: Entry): void {
    const now = this.#clock();
    e.session.updated_at = now;
    if (e.session.ttl_seconds !== null) e.session.expires_at = now + e.session.ttl_seconds * 1000;
  }

  async createSession(tenant: string, input: NewSession): Promise<Session> {
    this.#open();
    const now = this.#clock();
    const id = input.id ?? newId('s_', now);
    if (this.#live(tenant, id) !== undefined) throw siraError('SIRA_ERR_SESSION_EXISTS');
    // The record the real backends build (storage/session-records), with its metadata copied.
    const made = newSession(tenant, id, input, now);
    const session: Session = { ...made, metadata: clone(made.metadata) };
    this.#sessions(tenant).set(id, { session, turns: [], state: { version: 0, value: {}, updated_at: now }, tensors: new Map(), events: [], lastEvent: 0 });
    this.#event(this.#sessions(tenant).get(id)!, 'session.created');
    return clone(session);
  }

  async getSession(tenant: string, id: string): Promise<Session | undefined> {
    const e = this.#live(tenant, id);
    return e && clone(e.session);
  }

  async updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
    const e = this.#live(tenant, id);
    if (e === undefined) return undefined;
    if (patch.user_id !== undefined) e.session.user_id = patch.user_id;
    if (patch.agent_id !== undefined) e.session.agent_id = patch.agent_id;
    if (patch.metadata !== undefined) e.session.metadata = clone(patch.metadata);
    if (patch.ttl_seconds !== undefined) {
      e.session.ttl_seconds = patch.ttl_seconds;
      if (patch.ttl_seconds === null) e.session.expires_at = null;
    }
    this.#touch(e);
    this.#event(e, 'session.updated');
    return clone(e.session);
  }

  async deleteSession(tenant: string, id: string): Promise<boolean> {
    if (this.#live(tenant, id) === undefined) return false;
    return this.#sessions(tenant).delete(id);
  }

  async listSessions(tenant: string, opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    this.#open();
    const limit = opts.limit ?? 100;
    let after: [number, string] | undefined;
    if (opts.cursor !== undefined) {
      const c = decodeCursor(opts.cursor);
      if (!Array.isArray(c) || typeof c[0] !== 'number' || typeof c[1] !== 'string') throw siraError('SIRA_ERR_CURSOR_INVALID');
      after = [c[0], c[1]];
    }
    // Newest first: created_at descending, then id descending.
    const all = [...this.#sessions(tenant).keys()]
      .map((id) => this.#live(tenant, id)?.session)
      .filter((s): s is Session => s !== undefined && (opts.user_id === undefined || s.user_id === opts.user_id))
      .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const start = after === undefined ? 0 : all.findIndex((s) => s.created_at < after[0] || (s.created_at === after[0] && s.id < after[1]));
    const items = start < 0 ? [] : all.slice(start, start + limit);
    const last = items.at(-1);
    const more = start >= 0 && start + limit < all.length;
    return { items: items.map(clone), cursor: more && last ? encodeCursor([last.created_at, last.id]) : null };
  }

  async appendTurns(tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
    const e = this.#must(tenant, sessionId);
    const now = this.#clock();
    const stored = turns.map(
      (t, i): Turn => ({
        seq: e.turns.length + i + 1,
        role: t.role,
        parts: clone(t.parts),
        name: t.name ?? null,
        agent_id: t.agent_id ?? null,
        metadata: t.metadata === undefined || t.metadata === null ? null : clone(t.metadata),
        created_at: now,
        importance: t.importance ?? null,
        pinned: t.pinned ?? false,
      }),
    );
    e.turns.push(...stored);
    e.session.turn_count = e.turns.length;
    this.#touch(e);
    this.#event(e, 'turns.appended', { first_seq: stored[0]!.seq, count: stored.length });
    return stored.map(clone);
  }

  async getTurns(tenant: string, sessionId: string, range: TurnRange = {}): Promise<Turn[] | undefined> {
    const e = this.#live(tenant, sessionId);
    if (e === undefined) return undefined;
    if ('last' in range) return e.turns.slice(Math.max(0, e.turns.length - range.last)).map(clone);
    const lo = range.after_seq ?? 0;
    const hi = range.before_seq ?? Number.MAX_SAFE_INTEGER;
    const out = e.turns.filter((t) => t.seq > lo && t.seq < hi);
    return (range.limit === undefined ? out : out.slice(0, range.limit)).map(clone);
  }

  async getState(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    const e = this.#live(tenant, sessionId);
    return e && clone(e.state);
  }

  #writeState(e: Entry, value: JsonObject, expectedVersion: number | undefined): StateRecord {
    if (expectedVersion !== undefined && expectedVersion !== e.state.version) {
      throw siraError('SIRA_ERR_STATE_VERSION_CONFLICT', `expected version ${expectedVersion}, current is ${e.state.version}`, {
        details: { current_version: e.state.version },
      });
    }
    this.#touch(e);
    e.state = { version: e.state.version + 1, value: clone(value), updated_at: this.#clock() };
    e.session.state_version = e.state.version;
    this.#event(e, 'state.changed', { version: e.state.version });
    return clone(e.state);
  }

  async putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#writeState(this.#must(tenant, sessionId), value, expectedVersion);
  }

  async patchState(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    const e = this.#must(tenant, sessionId);
    return this.#writeState(e, mergePatch(e.state.value, patch) as JsonObject, expectedVersion);
  }

  async putTensor(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    const e = this.#must(tenant, sessionId);
    if (!e.tensors.has(name) && e.tensors.size >= this.#maxTensors) {
      throw siraError('SIRA_ERR_TENSOR_LIMIT', `at most ${this.#maxTensors} tensors per session`);
    }
    const now = this.#clock();
    e.tensors.set(name, { dtype: tensor.dtype, shape: [...tensor.shape], data: tensor.data.slice(), updated_at: now });
    this.#touch(e);
    if (!name.startsWith('_')) this.#event(e, 'tensor.written', { name });
    return { name, dtype: tensor.dtype, shape: [...tensor.shape], byte_length: tensor.data.byteLength, updated_at: now };
  }

  async getTensor(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
    const t = this.#live(tenant, sessionId)?.tensors.get(name);
    return t && { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() };
  }

  async listTensors(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
    const e = this.#live(tenant, sessionId);
    if (e === undefined) return undefined;
    return [...e.tensors.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape], byte_length: t.data.byteLength, updated_at: t.updated_at }));
  }

  async deleteTensor(tenant: string, sessionId: string, name: string): Promise<boolean> {
    const e = this.#live(tenant, sessionId);
    if (e === undefined || !e.tensors.delete(name)) return false;
    this.#touch(e);
    this.#event(e, 'tensor.deleted', { name });
    return true;
  }

  #event(e: Entry, type: SessionEventType, data: JsonObject = {}): void {
    e.events.push({ id: ++e.lastEvent, type, session_id: e.session.id, at: this.#clock(), data });
    if (e.events.length > this.#retention) e.events.shift();
  }

  async readEvents(tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined> {
    const e = this.#live(tenant, sessionId);
    if (e === undefined) return undefined;
    const first = e.events[0]?.id ?? e.lastEvent + 1;
    if (afterId + 1 < first) throw siraError('SIRA_ERR_EVENTS_GAP', undefined, { details: { first_retained_id: first } });
    return { events: e.events.filter((ev) => ev.id > afterId).slice(0, limit).map(clone), last_id: e.lastEvent };
  }

  async sweepExpired(limit = Number.MAX_SAFE_INTEGER): Promise<number> {
    this.#open();
    const now = this.#clock();
    let n = 0;
    for (const sessions of this.#tenants.values()) {
      for (const [id, e] of sessions) {
        if (n >= limit) return n;
        if (e.session.expires_at !== null && e.session.expires_at <= now) {
          sessions.delete(id);
          n++;
        }
      }
    }
    return n;
  }

  eraseUser(tenant: string, user: string): Promise<number> {
    return eraseUserByParts(this, tenant, user);
  }

  async eraseTenant(tenant: string): Promise<TenantErasure> {
    this.#open();
    const sessions = [...(this.#tenants.get(tenant)?.values() ?? [])].filter((e) => this.#live(tenant, e.session.id) !== undefined).length;
    this.#tenants.delete(tenant);
    let docs = 0;
    for (const [k, m] of this.#docs) {
      if (!k.startsWith(`${tenant}\0`)) continue;
      docs += m.size;
      this.#docs.delete(k);
    }
    let apiKeys = 0;
    for (const [hash, r] of this.#keys) {
      if (r.tenant !== tenant) continue;
      this.#keys.delete(hash);
      apiKeys++;
    }
    return { sessions, docs, api_keys: apiKeys, data_keys: 0 };
  }

  #collection(tenant: string, collection: string): Map<string, DocRecord> {
    const k = `${tenant}\0${collection}`;
    let m = this.#docs.get(k);
    if (m === undefined) this.#docs.set(k, (m = new Map()));
    return m;
  }

  async putDoc(tenant: string, collection: string, id: string, value: Uint8Array, expectedVersion?: number): Promise<DocRecord> {
    this.#open();
    checkDocKey(collection, id);
    const m = this.#collection(tenant, collection);
    const current = m.get(id)?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== current) throw docConflict(expectedVersion, current);
    const rec: DocRecord = { id, version: current + 1, updated_at: this.#clock(), value: Uint8Array.from(value) };
    m.set(id, rec);
    return { ...rec, value: Uint8Array.from(rec.value) };
  }

  async getDoc(tenant: string, collection: string, id: string): Promise<DocRecord | undefined> {
    this.#open();
    checkDocKey(collection, id);
    const rec = this.#collection(tenant, collection).get(id);
    return rec === undefined ? undefined : { ...rec, value: Uint8Array.from(rec.value) };
  }

  async deleteDoc(tenant: string, collection: string, id: string): Promise<boolean> {
    this.#open();
    checkDocKey(collection, id);
    return this.#collection(tenant, collection).delete(id);
  }

  async listDocs(tenant: string, collection: string, opts?: ListDocsOptions): Promise<Page<DocRecord>> {
    this.#open();
    checkDocKey(collection);
    const { limit, after } = docPageStart(opts);
    const prefix = opts?.prefix ?? '';
    const ids = [...this.#collection(tenant, collection).keys()]
      .filter((id) => id.startsWith(prefix) && (after === undefined || compareDocIds(id, after) > 0))
      .sort(compareDocIds);
    const page = ids.slice(0, limit);
    const m = this.#collection(tenant, collection);
    return {
      items: page.map((id) => ({ ...m.get(id)!, value: Uint8Array.from(m.get(id)!.value) })),
      cursor: ids.length > limit ? docCursor(page[page.length - 1]!) : null,
    };
  }

  async deleteDocs(tenant: string, collection: string, prefix?: string): Promise<number> {
    this.#open();
    checkDocKey(collection);
    const m = this.#collection(tenant, collection);
    let n = 0;
    for (const id of [...m.keys()]) {
      if (prefix === undefined || id.startsWith(prefix)) {
        m.delete(id);
        n++;
      }
    }
    return n;
  }

  async putApiKey(record: ApiKeyRecord): Promise<void> {
    this.#open();
    this.#keys.set(record.hash, { ...record });
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    this.#open();
    const r = this.#keys.get(hash);
    return r && { ...r };
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    this.#open();
    return [...this.#keys.values()].filter((r) => tenant === undefined || r.tenant === tenant).map((r) => ({ ...r }));
  }

  async deleteApiKey(id: string): Promise<boolean> {
    this.#open();
    for (const [hash, r] of this.#keys) {
      if (r.id === id) return this.#keys.delete(hash);
    }
    return false;
  }

  async stats(): Promise<StoreStats> {
    this.#open();
    const s: StoreStats = { sessions: 0, turns: 0, tensors: 0, bytes: 0, text_raw_bytes: 0, text_stored_bytes: 0 };
    for (const sessions of this.#tenants.values()) {
      for (const e of sessions.values()) {
        s.sessions++;
        s.turns += e.turns.length;
        s.tensors += e.tensors.size;
        for (const t of e.tensors.values()) s.bytes += t.data.byteLength;
        for (const turn of e.turns) {
          for (const p of turn.parts) {
            if (p.type === 'text') s.text_raw_bytes += Buffer.byteLength(p.text, 'utf8');
          }
        }
      }
    }
    s.text_stored_bytes = s.text_raw_bytes;
    return s;
  }

  async ready(): Promise<boolean> {
    return !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
