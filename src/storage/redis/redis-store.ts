/**
 * @module storage/redis/redis-store
 * The Redis backend, standalone or Cluster (ioredis). Each session's keys share the hash tag `{<tenant>/<id>}`
 * (./keys.ts), so every change to a session is one Lua script on one shard (./scripts.ts): atomic, and
 * serialised with every other change to that session. Values are the same binary records as in LMDB (turn and
 * tensor codecs), sent and read as raw bytes.
 *
 * Time: liveness is decided from the session's `expires_at` against the injected clock, on every read, inside
 * the script. Native expiry (PEXPIREAT on all of a session's keys, set by every write) is only a garbage-collection
 * backstop, computed from the real clock (`Date.now() + ttl + gcGraceMs`), never from the injected one: a test
 * clock in the past must not make Redis drop keys at once, and the sweeper, which also cleans the indexes, should
 * normally get there first.
 *
 * Indexes that cross sessions (listing, expiry, API keys, counters) live in other slots and are updated in a
 * second step after the session script; readers tolerate entries whose session is gone. See docs/internals.md.
 *
 * This class is the facade: the shared machinery is ./redis-core.ts, the operations ./redis-sessions.ts,
 * ./redis-turns.ts, ./redis-values.ts, ./docs.ts, ./api-keys.ts and ./erase.ts.
 */
import { eraseTenant, eraseUser } from './erase.ts';
import { RedisSealer } from './sealing.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import { Cluster } from 'ioredis';
import type { Clock } from '../../core/clock.ts';
import { siraError } from '../../core/errors.ts';
import { isValidId } from '../../core/ids.ts';
import type { ApiKeyRecord, JsonObject, NewSession, NewTurn, Page, Session, SessionPatch, StateRecord, Tensor, TensorInfo, Turn, TurnRange } from '../../core/types.ts';
import { DEFAULT_EVENT_RETENTION, type DocRecord, type EventLogOptions, type EventPage, type ListDocsOptions, type ListSessionsOptions, type Store, type StoreStats, type TenantErasure } from '../store.ts';
import { TailCache, type TailCacheOptions } from '../tail-cache.ts';
import { connectRedis, parseRedisUrl, type RedisTarget } from './connect.ts';
import { RedisEventWakeups } from './event-wakeups.ts';
import type { EventWakeSource } from '../event-hub.ts';
import { RedisApiKeys } from './api-keys.ts';
import { RedisDocs } from './docs.ts';
import { KeySpace } from './keys.ts';
import type { RedisClient } from './scripts.ts';
import { backgroundError } from '../../core/background.ts';
import { RedisCore } from './redis-core.ts';
import * as sessions from './redis-sessions.ts';
import * as log from './redis-turns.ts';
import * as values from './redis-values.ts';

/** Options of the Redis backend. */
export interface RedisStoreOptions extends EventLogOptions {
  /** `redis://[user:pass@]host:port[/db]` (standalone) or `redis-cluster://host:port,host:port,…`. */
  url: string;
  /** Prefix of every key; must not hold `{` or `}`. @default 'sira:' */
  keyPrefix?: string;
  /** @default Date.now */
  clock?: Clock;
  /** Compress turn bodies at least this many bytes. @default 64 */
  compressMinBytes?: number;
  /** @default 1024 */
  maxTensorsPerSession?: number;
  /** Ms past a session's expiry (real clock) before Redis itself drops its keys. @default 60000 */
  gcGraceMs?: number;
  /**
   * Hot tier of decoded session tails (see tail-cache.ts); a read still asks Redis whether the cached version is
   * current, but skips the transfer and decoding. `false` turns it off. @default {}
   */
  tailCache?: TailCacheOptions | false;
  /**
   * When a write is acknowledged: `local` = applied on the master (replication is asynchronous: a failover can
   * lose the last writes); `replicated` = also acknowledged by `replicas` replicas within `replicaTimeoutMs`
   * (`WAIT`), else the call throws SIRA_ERR_STORE_NOT_REPLICATED. @default 'local'
   */
  durability?: 'local' | 'replicated';
  /** Replicas that must acknowledge each write under `replicated`. @default 1 */
  replicas?: number;
  /** Longest wait for them in ms. @default 1000 */
  replicaTimeoutMs?: number;
  /**
   * Master keys (current first): seal turn records, state, tensors, documents and session metadata under per-tenant
   * data keys kept in Redis (storage/redis/sealing). @default [] (values plain)
   */
  masterKeys?: MasterKey[];
}

export class RedisStore implements Store {
  readonly kind: 'redis' | 'redis-cluster';
  readonly #c: RedisCore;
  readonly #keys: RedisApiKeys;
  readonly #docs: RedisDocs;
  readonly #target: RedisTarget;

  private constructor(opts: RedisStoreOptions, client: RedisClient, target: RedisTarget, keys: KeySpace) {
    this.kind = target.kind === 'cluster' ? 'redis-cluster' : 'redis';
    this.#target = target;
    const wait = opts.durability === 'replicated' ? { replicas: opts.replicas ?? 1, timeoutMs: opts.replicaTimeoutMs ?? 1000 } : undefined;
    const clock = opts.clock ?? Date.now;
    const sealer = (opts.masterKeys ?? []).length === 0 ? undefined : new RedisSealer(client, keys, opts.masterKeys!);
    this.#c = new RedisCore({
      client,
      keys,
      clock,
      compressMin: opts.compressMinBytes ?? 64,
      maxTensors: opts.maxTensorsPerSession ?? 1024,
      grace: opts.gcGraceMs ?? 60_000,
      retention: String(Math.max(1, opts.eventRetention ?? DEFAULT_EVENT_RETENTION)),
      tail: opts.tailCache === false ? undefined : new TailCache(opts.tailCache ?? {}),
      wait,
      sealer,
    });
    this.#keys = new RedisApiKeys(client, keys);
    this.#docs = new RedisDocs(client, keys, clock, wait, sealer);
  }

  /** Connect to the server or cluster `opts.url` names; throws SIRA_ERR_STORE_FAILED when it cannot. */
  static async open(opts: RedisStoreOptions): Promise<RedisStore> {
    const target = parseRedisUrl(opts.url);
    const keys = new KeySpace(opts.keyPrefix ?? 'sira:');
    const client = await connectRedis(target, opts.url);
    return new RedisStore(opts, client, target, keys);
  }

  /**
   * A new wake-up source for an EventHub: a dedicated subscriber connection to the channel every session script
   * publishes its new event ids on (see ./event-wakeups.ts). The caller owns it (close it before the store).
   */
  eventWakeups(): EventWakeSource {
    return new RedisEventWakeups(this.#c.r, this.#target, this.#c.k.prefix);
  }

  /**
   * The fewest replicas connected to any master (INFO replication `connected_slaves`; each master of a Cluster):
   * below the required number, durability `replicated` fails every write to that shard.
   */
  async minReplicas(): Promise<number> {
    const r = this.#c.r;
    const masters = r instanceof Cluster ? r.nodes('master') : [r];
    const counts = await this.#do(() => Promise.all(masters.map(async (m) => Number(/connected_slaves:(\d+)/.exec(await m.info('replication'))?.[1] ?? 0))));
    return counts.length === 0 ? 0 : Math.min(...counts);
  }

  /** The acknowledged-write policy in use. */
  get durability(): 'local' | 'replicated' {
    return this.#c.wait === undefined ? 'local' : 'replicated';
  }

  /** The client (for backend-only tests and tools); owned by the store. */
  get client(): RedisClient {
    return this.#c.r;
  }

  /** The hot tier, when on (hit and miss counters for tests and metrics). */
  get tailCache(): TailCache | undefined {
    return this.#c.tail;
  }

  /** The key layout in use. */
  get keys(): KeySpace {
    return this.#c.k;
  }

  /** The sealer, when values are sealed (keys rotate, tenant erasure). */
  get sealer(): RedisSealer | undefined {
    return this.#c.sealer;
  }

  #do<T>(p: () => Promise<T>): Promise<T> {
    return this.#c.do(p);
  }

  createSession(tenant: string, input: NewSession): Promise<Session> {
    return sessions.createSession(this.#c, tenant, input);
  }

  getSession(tenant: string, id: string): Promise<Session | undefined> {
    return sessions.getSession(this.#c, tenant, id);
  }

  updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
    return sessions.updateSession(this.#c, tenant, id, patch);
  }

  deleteSession(tenant: string, id: string): Promise<boolean> {
    return sessions.deleteSession(this.#c, tenant, id);
  }

  listSessions(tenant: string, opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    return this.#do(() => this.#c.ix.list(tenant, opts, this.#c.clock()));
  }

  appendTurns(tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
    return log.appendTurns(this.#c, tenant, sessionId, turns);
  }

  getTurns(tenant: string, sessionId: string, range: TurnRange = {}): Promise<Turn[] | undefined> {
    return log.getTurns(this.#c, tenant, sessionId, range, true);
  }

  getState(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    return values.getState(this.#c, tenant, sessionId);
  }

  putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return values.putState(this.#c, tenant, sessionId, value, expectedVersion);
  }

  patchState(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return values.patchState(this.#c, tenant, sessionId, patch, expectedVersion);
  }

  putTensor(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    return values.putTensor(this.#c, tenant, sessionId, name, tensor);
  }

  getTensor(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
    return values.getTensor(this.#c, tenant, sessionId, name);
  }

  listTensors(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
    return values.listTensors(this.#c, tenant, sessionId);
  }

  deleteTensor(tenant: string, sessionId: string, name: string): Promise<boolean> {
    return values.deleteTensor(this.#c, tenant, sessionId, name);
  }

  readEvents(tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined> {
    return log.readEvents(this.#c, tenant, sessionId, afterId, limit);
  }

  sweepExpired(limit = 10_000): Promise<number> {
    return sessions.sweepExpired(this.#c, limit);
  }

  async putDoc(tenant: string, collection: string, id: string, value: Uint8Array, expectedVersion?: number): Promise<DocRecord> {
    return this.#do(() => this.#docs.put(tenant, collection, id, value, expectedVersion));
  }

  async getDoc(tenant: string, collection: string, id: string): Promise<DocRecord | undefined> {
    return this.#do(() => this.#docs.get(tenant, collection, id));
  }

  async deleteDoc(tenant: string, collection: string, id: string): Promise<boolean> {
    return this.#do(() => this.#docs.delete(tenant, collection, id));
  }

  async listDocs(tenant: string, collection: string, opts?: ListDocsOptions): Promise<Page<DocRecord>> {
    return this.#do(() => this.#docs.list(tenant, collection, opts));
  }

  async deleteDocs(tenant: string, collection: string, prefix?: string): Promise<number> {
    return this.#do(() => this.#docs.deleteAll(tenant, collection, prefix));
  }

  eraseUser(tenant: string, user: string): Promise<number> {
    return this.#do(() => eraseUser(this, this.#c.r, this.#c.k, tenant, user));
  }

  eraseTenant(tenant: string): Promise<TenantErasure> {
    return this.#do(async () => {
      const r = await eraseTenant(this, this.#c.r, this.#c.k, tenant);
      return { ...r, data_keys: (await this.#c.sealer?.destroy(tenant)) ?? 0 };
    });
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

  stats(): Promise<StoreStats> {
    return this.#do(() => this.#c.ix.stats());
  }

  async ready(): Promise<boolean> {
    if (this.#c.closed) return false;
    try {
      return (await this.#c.r.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#c.closed) return;
    this.#c.closed = true;
    await this.#c.ix.flush().catch(backgroundError('redis-index-flush'));
    try {
      await this.#c.r.quit();
    } catch {
      this.#c.r.disconnect();
    }
  }
}
