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
 *
 * This class is the facade: the shared machinery is ./lmdb-core.ts, the operations ./lmdb-sessions.ts,
 * ./lmdb-turns.ts, ./lmdb-values.ts, ./lmdb-docs.ts, ./lmdb-admin.ts and ./lmdb-erase.ts.
 */
import { statfs } from 'node:fs/promises';
import type { SyncMode } from '../../core/config.ts';
import type { Clock } from '../../core/clock.ts';
import type { ApiKeyRecord, JsonObject, NewSession, NewTurn, Page, Session, SessionPatch, StateRecord, Tensor, TensorInfo, Turn, TurnRange } from '../../core/types.ts';
import { DEFAULT_EVENT_RETENTION, type DocRecord, type EventLogOptions, type EventPage, type ListDocsOptions, type ListSessionsOptions, type Store, type StoreStats, type TenantErasure } from '../store.ts';
import * as docs from './lmdb-docs.ts';
import { deleteApiKey, getApiKeyByHash, listApiKeys, lmdbStats, putApiKey } from './lmdb-admin.ts';
import { openLayout } from './lmdb-open.ts';
import { TailCache, type TailCacheOptions } from '../tail-cache.ts';
import type { DataKeyring } from '../crypto/keyring.ts';
import type { AtRestReport } from '../crypto/at-rest.ts';
import { sealLayout, type OpenedCacheBytes } from './lmdb-seal.ts';
import { eraseTenant, eraseUser, type ErasureDeps } from './lmdb-erase.ts';
import { LmdbCore } from './lmdb-core.ts';
import * as sessions from './lmdb-sessions.ts';
import * as log from './lmdb-turns.ts';
import * as values from './lmdb-values.ts';

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

export class LmdbStore implements Store {
  readonly kind = 'lmdb';
  readonly #c: LmdbCore;
  readonly #path: string;
  /** How values are kept at rest (sealed under a supplied or generated master key, or plain). */
  readonly atRest: AtRestReport;

  private constructor(opts: LmdbStoreOptions) {
    this.#path = opts.path;
    const raw = openLayout({ path: opts.path, sync: opts.sync ?? 'os', mapSize: opts.mapSize ?? 64 * 1024 ** 3, encryptionKey: opts.encryptionKey });
    this.atRest = opts.atRest ?? { mode: opts.keyring === undefined ? 'off' : 'supplied' };
    this.#c = new LmdbCore({
      db: opts.keyring === undefined ? raw : sealLayout(raw, opts.keyring, opts.openedCache),
      clock: opts.clock ?? Date.now,
      syncCommit: (opts.sync ?? 'os') === 'os',
      retention: Math.max(1, opts.eventRetention ?? DEFAULT_EVENT_RETENTION),
      tail: opts.tailCache === false ? undefined : new TailCache(opts.tailCache ?? {}),
      keyring: opts.keyring,
      compressMin: opts.compressMinBytes ?? 64,
      maxTensors: opts.maxTensorsPerSession ?? 1024,
    });
  }

  /** Open (or create) the store under `opts.path`. */
  static async open(opts: LmdbStoreOptions): Promise<LmdbStore> {
    return new LmdbStore(opts);
  }

  /** The hot tier, when on (hit and miss counters for tests, metrics and the prefetcher's bench). */
  get tailCache(): TailCache | undefined {
    return this.#c.tail;
  }

  #txn<T>(fn: () => T): Promise<T> {
    return this.#c.txn(fn);
  }

  #erasure(): ErasureDeps {
    const c = this.#c;
    return { db: c.db, txn: (fn) => c.txn(fn), purge: (s) => c.purge(s), keyring: c.keyring, deleteApiKey: (id) => this.deleteApiKey(id) };
  }

  async eraseUser(tenant: string, user: string): Promise<number> {
    this.#c.check();
    return eraseUser(this.#erasure(), tenant, user);
  }

  async eraseTenant(tenant: string): Promise<TenantErasure> {
    this.#c.check();
    return eraseTenant(this.#erasure(), tenant);
  }

  async createSession(tenant: string, input: NewSession): Promise<Session> {
    return sessions.createSession(this.#c, tenant, input);
  }

  async getSession(tenant: string, id: string): Promise<Session | undefined> {
    this.#c.check();
    return this.#c.live(tenant, id);
  }

  async updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
    return sessions.updateSession(this.#c, tenant, id, patch);
  }

  async deleteSession(tenant: string, id: string): Promise<boolean> {
    return sessions.deleteSession(this.#c, tenant, id);
  }

  async listSessions(tenant: string, opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    return sessions.listSessions(this.#c, tenant, opts);
  }

  async appendTurns(tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
    return log.appendTurns(this.#c, tenant, sessionId, turns);
  }

  async getTurns(tenant: string, sessionId: string, range: TurnRange = {}): Promise<Turn[] | undefined> {
    return log.getTurns(this.#c, tenant, sessionId, range);
  }

  async getState(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    return values.getState(this.#c, tenant, sessionId);
  }

  async putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return values.putState(this.#c, tenant, sessionId, value, expectedVersion);
  }

  async patchState(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return values.patchState(this.#c, tenant, sessionId, patch, expectedVersion);
  }

  async putTensor(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    return values.putTensor(this.#c, tenant, sessionId, name, tensor);
  }

  async getTensor(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
    return values.getTensor(this.#c, tenant, sessionId, name);
  }

  async listTensors(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
    return values.listTensors(this.#c, tenant, sessionId);
  }

  async deleteTensor(tenant: string, sessionId: string, name: string): Promise<boolean> {
    return values.deleteTensor(this.#c, tenant, sessionId, name);
  }

  async readEvents(tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined> {
    return log.readEvents(this.#c, tenant, sessionId, afterId, limit);
  }

  async sweepExpired(limit = 10_000): Promise<number> {
    return sessions.sweepExpired(this.#c, limit);
  }

  async putDoc(tenant: string, collection: string, id: string, value: Uint8Array, expectedVersion?: number, owner?: string): Promise<DocRecord> {
    this.#c.check();
    return docs.putDoc(this.#c.db, (fn) => this.#txn(fn), this.#c.clock(), { tenant, collection, id }, value, expectedVersion, owner);
  }

  async getDoc(tenant: string, collection: string, id: string): Promise<DocRecord | undefined> {
    this.#c.check();
    return docs.getDoc(this.#c.db, tenant, collection, id);
  }

  async deleteDoc(tenant: string, collection: string, id: string): Promise<boolean> {
    this.#c.check();
    return docs.deleteDoc(this.#c.db, (fn) => this.#txn(fn), tenant, collection, id);
  }

  async listDocs(tenant: string, collection: string, opts?: ListDocsOptions): Promise<Page<DocRecord>> {
    this.#c.check();
    return docs.listDocs(this.#c.db, tenant, collection, opts);
  }

  async deleteDocs(tenant: string, collection: string, prefix?: string): Promise<number> {
    this.#c.check();
    return docs.deleteDocs(this.#c.db, (fn) => this.#txn(fn), tenant, collection, prefix);
  }

  async putApiKey(record: ApiKeyRecord): Promise<void> {
    return putApiKey(this.#c.db, (fn) => this.#txn(fn), record);
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    this.#c.check();
    return getApiKeyByHash(this.#c.db, hash);
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    this.#c.check();
    return listApiKeys(this.#c.db, tenant);
  }

  async deleteApiKey(id: string): Promise<boolean> {
    this.#c.check();
    return deleteApiKey(this.#c.db, (fn) => this.#txn(fn), id);
  }

  async stats(): Promise<StoreStats> {
    this.#c.check();
    return lmdbStats(this.#c.db);
  }

  async ready(): Promise<boolean> {
    if (this.#c.closed) return false;
    try {
      await statfs(this.#path);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#c.closed) return;
    this.#c.closed = true;
    await this.#c.db.env.close();
  }
}
