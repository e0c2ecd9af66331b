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
 */
import { eraseTenant, eraseUser } from './erase.ts';
import { RedisSealer } from './sealing.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import { Cluster } from 'ioredis';
import type { Clock } from '../../core/clock.ts';
import { isSiraError, siraError } from '../../core/errors.ts';
import { isValidId, newId } from '../../core/ids.ts';
import { mergePatch } from '../../core/merge-patch.ts';
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
import { decodeTensorInfoHeader, decodeTensorRecord, encodeTensorRecord, tensorRecordDataOffset } from '../codec/tensor-record.ts';
import { decodeTurn, encodeTurn, encodedTurnTextBytes } from '../codec/turn.ts';
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
import { TailCache, tailVersion, type TailCacheOptions } from '../tail-cache.ts';
import { connectRedis, parseRedisUrl, type RedisTarget } from './connect.ts';
import { RedisEventWakeups } from './event-wakeups.ts';
import type { EventWakeSource } from '../event-hub.ts';
import { RedisApiKeys } from './api-keys.ts';
import { RedisDocs } from './docs.ts';
import { RedisIndexes } from './indexes.ts';
import { KeySpace, parseExpiryMember, type SessionKeys } from './keys.ts';
import { pairs, purged, sessionFromHash, span, str, type Purged } from './replies.ts';
import * as S from './scripts.ts';
import type { RedisClient, Script, ScriptArg } from './scripts.ts';
import { backgroundError } from '../../core/background.ts';

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

const cacheKey = (tenant: string, id: string): string => `${tenant}\u0000${id}`;

const conflict = (current: number, expected: number | undefined) =>
  siraError('SIRA_ERR_STATE_VERSION_CONFLICT', `expected version ${String(expected)}, current is ${current}`, { details: { current_version: current } });

export class RedisStore implements Store {
  readonly kind: 'redis' | 'redis-cluster';
  readonly #r: RedisClient;
  readonly #k: KeySpace;
  readonly #clock: Clock;
  readonly #compressMin: number;
  readonly #maxTensors: number;
  readonly #grace: number;
  readonly #retention: string;
  readonly #tail: TailCache | undefined;
  readonly #ix: RedisIndexes;
  readonly #keys: RedisApiKeys;
  readonly #docs: RedisDocs;
  readonly #wait: S.ReplicaWait | undefined;
  readonly #target: RedisTarget;
  readonly #sealer: RedisSealer | undefined;
  #closed = false;

  private constructor(opts: RedisStoreOptions, client: RedisClient, target: RedisTarget, keys: KeySpace) {
    this.kind = target.kind === 'cluster' ? 'redis-cluster' : 'redis';
    this.#target = target;
    this.#wait = opts.durability === 'replicated' ? { replicas: opts.replicas ?? 1, timeoutMs: opts.replicaTimeoutMs ?? 1000 } : undefined;
    this.#r = client;
    this.#k = keys;
    this.#clock = opts.clock ?? Date.now;
    this.#compressMin = opts.compressMinBytes ?? 64;
    this.#maxTensors = opts.maxTensorsPerSession ?? 1024;
    this.#grace = opts.gcGraceMs ?? 60_000;
    this.#retention = String(Math.max(1, opts.eventRetention ?? DEFAULT_EVENT_RETENTION));
    this.#tail = opts.tailCache === false ? undefined : new TailCache(opts.tailCache ?? {});
    this.#sealer = (opts.masterKeys ?? []).length === 0 ? undefined : new RedisSealer(client, keys, opts.masterKeys!);
    this.#ix = new RedisIndexes(client, keys, this.#sealer === undefined ? undefined : (h) => this.#openHash(h));
    this.#keys = new RedisApiKeys(client, keys);
    this.#docs = new RedisDocs(client, keys, this.#clock, this.#wait, this.#sealer);
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
    return new RedisEventWakeups(this.#r, this.#target, this.#k.prefix);
  }

  /**
   * The fewest replicas connected to any master (INFO replication `connected_slaves`; each master of a Cluster):
   * below the required number, durability `replicated` fails every write to that shard.
   */
  async minReplicas(): Promise<number> {
    const masters = this.#r instanceof Cluster ? this.#r.nodes('master') : [this.#r];
    const counts = await this.#do(() => Promise.all(masters.map(async (m) => Number(/connected_slaves:(\d+)/.exec(await m.info('replication'))?.[1] ?? 0))));
    return counts.length === 0 ? 0 : Math.min(...counts);
  }

  /** The acknowledged-write policy in use. */
  get durability(): 'local' | 'replicated' {
    return this.#wait === undefined ? 'local' : 'replicated';
  }

  /** The client (for backend-only tests and tools); owned by the store. */
  get client(): RedisClient {
    return this.#r;
  }

  /** The hot tier, when on (hit and miss counters for tests and metrics). */
  get tailCache(): TailCache | undefined {
    return this.#tail;
  }

  /** The key layout in use. */
  get keys(): KeySpace {
    return this.#k;
  }

  #check(): void {
    if (this.#closed) throw siraError('SIRA_ERR_STORE_CLOSED');
  }

  /** Run a command, mapping driver failures to SIRA_ERR_STORE_FAILED (category system, cause kept). */
  async #do<T>(p: () => Promise<T>): Promise<T> {
    this.#check();
    try {
      return await p();
    } catch (err) {
      if (isSiraError(err)) throw err;
      throw siraError('SIRA_ERR_STORE_FAILED', `redis: ${(err as Error).message}`, { cause: err });
    }
  }

  #run(s: Script, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown[]> {
    return this.#do(() => S.runScript(this.#r, s, keys, args));
  }

  /** {@link #run} for a script that changes data: under durability `replicated`, followed by WAIT. */
  #write(s: Script, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown[]> {
    return this.#do(() => S.runScript(this.#r, s, keys, args, this.#wait));
  }

  #sk(tenant: string, id: string): string[] {
    const k: SessionKeys = this.#k.session(tenant, id);
    return [k.session, k.turns, k.state, k.tensors, k.tinfo, k.events];
  }

  /** Base of PEXPIREAT: the real clock plus the grace (not the injected clock; see the module note). */
  #gc(): string {
    return String(Date.now() + this.#grace);
  }

  /** Index and counter clean-up after a purge; forgets the cached tail. */
  #purged(tenant: string, id: string, p: Purged): Promise<void> {
    this.#tail?.drop(cacheKey(tenant, id));
    this.#sealer?.forgetOpened();
    return this.#do(() => this.#ix.removed(tenant, id, p));
  }

  /** Add to the counters unless closed (best effort). */
  #count(deltas: Record<string, number>): void {
    if (!this.#closed) this.#ix.count(deltas);
  }

  /** The sealer, when values are sealed (keys rotate, tenant erasure). */
  get sealer(): RedisSealer | undefined {
    return this.#sealer;
  }

  /** A session hash with its metadata opened; empty (a missing session) when its key was destroyed. */
  async #openHash(h: Record<string, string>): Promise<Record<string, string>> {
    if (this.#sealer === undefined || h.md === undefined || !h.md.startsWith('~')) return h;
    const md = await this.#sealer.openText('sessions', h.md);
    return md === undefined ? {} : { ...h, md };
  }

  #sealMd(tenant: string, json: string): Promise<string> {
    return this.#sealer === undefined ? Promise.resolve(json) : this.#sealer.sealText(tenant, 'sessions', json);
  }

  /** Bytes sealed under the tenant's key when sealing is on (else as they are). */
  #seal(tenant: string, what: string, b: Uint8Array): Promise<Uint8Array> {
    return this.#sealer === undefined ? Promise.resolve(b) : this.#sealer.seal(tenant, what, b);
  }

  /** A stored value opened (as it is when sealing is off); undefined when its key was destroyed. */
  async #open(what: string, b: Buffer): Promise<Buffer | undefined> {
    return this.#sealer === undefined ? b : this.#sealer.open(what, b);
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
    const reply = await this.#write(S.CREATE, this.#sk(tenant, s.id), [
      String(now),
      this.#gc(),
      s.id,
      tenant,
      await this.#sealMd(tenant, JSON.stringify(s.metadata)),
      s.user_id ?? '',
      s.agent_id ?? '',
      ttl === null ? '' : String(ttl),
      this.#retention,
    ]);
    if (str(reply[0]) === 'exists') throw siraError('SIRA_ERR_SESSION_EXISTS');
    // An expired, not yet swept session of this id was purged by the script: drop its index entries.
    if (reply.length > 1) await this.#purged(tenant, s.id, purged(reply, 1));
    await this.#do(() => this.#ix.added(s));
    return s;
  }

  async getSession(tenant: string, id: string): Promise<Session | undefined> {
    const s = sessionFromHash(await this.#do(async () => this.#openHash(await this.#r.hgetall(this.#k.session(tenant, id).session))));
    return s === undefined || (s.expires_at !== null && s.expires_at <= this.#clock()) ? undefined : s;
  }

  async updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
    const op = (v: string | null | undefined): [string, string] => (v === undefined ? ['k', ''] : v === null ? ['d', ''] : ['s', v]);
    const md = patch.metadata === undefined ? undefined : await this.#sealMd(tenant, JSON.stringify(patch.metadata));
    const reply = await this.#write(S.UPDATE, this.#sk(tenant, id), [
      String(this.#clock()),
      this.#gc(),
      ...op(patch.user_id),
      ...op(patch.agent_id),
      ...op(md),
      ...op(patch.ttl_seconds === undefined || patch.ttl_seconds === null ? patch.ttl_seconds : String(patch.ttl_seconds)),
      this.#retention,
    ]);
    if (str(reply[0]) === 'nf') return undefined;
    const oldUser = str(reply[1]) === '' ? null : str(reply[1]);
    const h: Record<string, string> = {};
    for (const [f, v] of pairs(reply.slice(2))) h[f] = str(v);
    const s = sessionFromHash(await this.#openHash(h));
    if (s === undefined) return undefined;
    await this.#do(() => this.#ix.updated(s, oldUser));
    return s;
  }

  async deleteSession(tenant: string, id: string): Promise<boolean> {
    const reply = await this.#write(S.DELETE, this.#sk(tenant, id), [String(this.#clock())]);
    if (str(reply[0]) === 'nf') return false;
    await this.#purged(tenant, id, purged(reply, 2));
    return str(reply[1]) === '1';
  }

  listSessions(tenant: string, opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    return this.#do(() => this.#ix.list(tenant, opts, this.#clock()));
  }

  async appendTurns(tenant: string, sessionId: string, turns: NewTurn[]): Promise<Turn[]> {
    const now = this.#clock();
    const records = turns.map((t) => encodeTurn(t, now, this.#compressMin));
    let raw = 0;
    let stored = 0;
    for (const r of records) {
      raw += encodedTurnTextBytes(r);
      stored += r.byteLength;
    }
    const reply = await this.#write(S.APPEND, this.#sk(tenant, sessionId), [
      String(now),
      this.#gc(),
      String(records.length),
      String(raw),
      String(stored),
      ...(await Promise.all(records.map((r) => this.#seal(tenant, 'turns', r)))).map(S.buf),
      this.#retention,
    ]);
    if (str(reply[0]) === 'nf') throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    const first = Number(str(reply[1]));
    const createdAt = Number(str(reply[2]));
    this.#count({ turns: records.length, text_raw: raw, text_stored: stored });
    const out = turns.map(
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
    // After the script: the cache only ever holds acknowledged turns, as their plain records (it copies them).
    this.#tail?.appended(cacheKey(tenant, sessionId), tailVersion(createdAt, first - 1), tailVersion(createdAt, first - 1 + out.length), first, records);
    return out;
  }

  getTurns(tenant: string, sessionId: string, range: TurnRange = {}): Promise<Turn[] | undefined> {
    return this.#getTurns(tenant, sessionId, range, true);
  }

  async #getTurns(tenant: string, sessionId: string, range: TurnRange, useCache: boolean): Promise<Turn[] | undefined> {
    const k = this.#k.session(tenant, sessionId);
    const key = cacheKey(tenant, sessionId);
    // Offer the cached version when the cache would cover the range at that version; Redis says whether it is current.
    const entry = useCache ? this.#tail?.peek(key) : undefined;
    let hint = '';
    let want: [number, number] = [0, -1];
    if (entry !== undefined) {
      want = span(range, Number(entry.version.slice(entry.version.indexOf(':') + 1)));
      if (want[0] <= want[1] && want[0] >= entry.first) hint = entry.version;
    }
    const opt = (n: number | undefined) => (n === undefined ? '' : String(n));
    const args =
      'last' in range
        ? [String(this.#clock()), 'last', String(range.last), '', '', hint]
        : [String(this.#clock()), 'range', opt(range.after_seq), opt(range.before_seq), opt(range.limit), hint];
    const reply = await this.#run(S.GET_TURNS, [k.session, k.turns], args);
    const status = str(reply[0]);
    if (status === 'nf') return undefined;
    if (status === 'cached') {
      // Another call of this process may have moved the entry meanwhile: then read through.
      return this.#tail?.range(key, hint, want[0], want[1]) ?? this.#getTurns(tenant, sessionId, range, false);
    }
    const first = Number(str(reply[1]));
    const turnCount = Number(str(reply[3]));
    const out: Turn[] = [];
    const records: Uint8Array[] = [];
    for (let i = 4; i < reply.length; i++) {
      const rec = reply[i];
      const seq = first + i - 4;
      if (!Buffer.isBuffer(rec)) throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq} of session ${sessionId} is missing`);
      const plain = this.#sealer?.openedTurn(rec) ?? (await this.#open('turns', rec));
      if (plain === undefined) return undefined; // the tenant's key was destroyed: erased
      out.push(decodeTurn(plain, seq));
      records.push(plain);
    }
    if (out.length > 0 && first + out.length - 1 === turnCount) this.#tail?.filled(key, tailVersion(Number(str(reply[2])), turnCount), first, records);
    return out;
  }

  async getState(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    const k = this.#k.session(tenant, sessionId);
    const reply = await this.#run(S.GET_STATE, [k.session, k.state], [String(this.#clock())]);
    if (str(reply[0]) === 'nf') return undefined;
    const raw = reply[3];
    const value = Buffer.isBuffer(raw) ? await this.#open('state', raw) : Buffer.from(str(raw));
    if (value === undefined) return undefined;
    return { version: Number(str(reply[1])), updated_at: Number(str(reply[2])), value: JSON.parse(value.toString('utf8')) as JsonObject };
  }

  async putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    const now = this.#clock();
    const json = JSON.stringify(value);
    const stored = this.#sealer === undefined ? json : await this.#sealer.seal(tenant, 'state', Buffer.from(json, 'utf8'));
    const reply = await this.#write(S.PUT_STATE, this.#sk(tenant, sessionId), [String(now), this.#gc(), expectedVersion === undefined ? '' : String(expectedVersion), stored, this.#retention]);
    const status = str(reply[0]);
    if (status === 'nf') throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    if (status === 'conflict') throw conflict(Number(str(reply[1])), expectedVersion);
    return { version: Number(str(reply[1])), value, updated_at: now };
  }

  async patchState(tenant: string, sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    // Read, merge here, write only if the version is still the one read. Without an expected version a lost race
    // is retried: some writer succeeds on every round, so this ends.
    for (;;) {
      const cur = await this.getState(tenant, sessionId);
      if (cur === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
      if (expectedVersion !== undefined && expectedVersion !== cur.version) throw conflict(cur.version, expectedVersion);
      try {
        return await this.putState(tenant, sessionId, mergePatch(cur.value, patch) as JsonObject, cur.version);
      } catch (err) {
        if (expectedVersion !== undefined || !isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT')) throw err;
      }
    }
  }

  async putTensor(tenant: string, sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    const now = this.#clock();
    const rec = encodeTensorRecord(tensor, now);
    const header = rec.subarray(0, tensorRecordDataOffset(tensor.shape.length));
    const reply = await this.#write(S.PUT_TENSOR, this.#sk(tenant, sessionId), [
      String(now),
      this.#gc(),
      name,
      S.buf(await this.#seal(tenant, 'tensors', rec)),
      S.buf(header),
      String(this.#maxTensors),
      this.#retention,
    ]);
    const status = str(reply[0]);
    if (status === 'nf') throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    if (status === 'limit') throw siraError('SIRA_ERR_TENSOR_LIMIT', `at most ${this.#maxTensors} tensors per session`);
    if (str(reply[1]) === '1') this.#count({ tensors: 1 });
    return { name, dtype: tensor.dtype, shape: [...tensor.shape], byte_length: tensor.data.byteLength, updated_at: now };
  }

  async getTensor(tenant: string, sessionId: string, name: string): Promise<Tensor | undefined> {
    const k = this.#k.session(tenant, sessionId);
    const reply = await this.#run(S.GET_FIELD, [k.session, k.tensors], [String(this.#clock()), name]);
    const rec = reply[1];
    // The reply buffer is this call's own: the tensor views it without another copy.
    if (str(reply[0]) === 'nf' || !Buffer.isBuffer(rec)) return undefined;
    const plain = await this.#open('tensors', rec);
    return plain === undefined ? undefined : decodeTensorRecord(plain).tensor;
  }

  async listTensors(tenant: string, sessionId: string): Promise<TensorInfo[] | undefined> {
    const k = this.#k.session(tenant, sessionId);
    const reply = await this.#run(S.GET_ALL, [k.session, k.tinfo], [String(this.#clock())]);
    if (str(reply[0]) === 'nf') return undefined;
    const out: TensorInfo[] = [];
    for (const [name, header] of pairs(reply[1] as unknown[])) out.push({ name, ...decodeTensorInfoHeader(header as Buffer) });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deleteTensor(tenant: string, sessionId: string, name: string): Promise<boolean> {
    const reply = await this.#write(S.DELETE_TENSOR, this.#sk(tenant, sessionId), [String(this.#clock()), this.#gc(), name, this.#retention]);
    const removed = str(reply[0]) === 'ok' && str(reply[1]) === '1';
    if (removed) this.#count({ tensors: -1 });
    return removed;
  }

  async readEvents(tenant: string, sessionId: string, afterId: number, limit: number): Promise<EventPage | undefined> {
    const k = this.#k.session(tenant, sessionId);
    const reply = await this.#run(S.READ_EVENTS, [k.session, k.events], [String(this.#clock()), String(afterId), String(limit)]);
    const status = str(reply[0]);
    if (status === 'nf') return undefined;
    if (status === 'gap') {
      const first = Number(str(reply[1]));
      throw siraError('SIRA_ERR_EVENTS_GAP', `events ${afterId + 1}..${first - 1} are no longer retained`, { details: { first_retained_id: first } });
    }
    const events: SessionEvent[] = [];
    for (let i = 2; i + 3 < reply.length; i += 4) {
      events.push({
        id: Number(str(reply[i])),
        type: str(reply[i + 1]) as SessionEventType,
        session_id: sessionId,
        at: Number(str(reply[i + 2])),
        data: JSON.parse(str(reply[i + 3])) as JsonObject,
      });
    }
    return { events, last_id: Number(str(reply[1])) };
  }

  async sweepExpired(limit = 10_000): Promise<number> {
    const now = this.#clock();
    const due = await this.#do(() => this.#ix.due(now, limit));
    let removed = 0;
    const one = async ([member, score]: [string, string]): Promise<void> => {
      const e = parseExpiryMember(member);
      if (e === undefined) return this.#ix.drop(member);
      const reply = await this.#run(S.SWEEP_ONE, this.#sk(e.tenant, e.id), [String(now), String(e.createdAt)]);
      const status = str(reply[0]);
      if (status === 'purged') {
        removed++;
        await this.#purged(e.tenant, e.id, purged(reply, 1));
      } else if (status === 'gone') {
        await this.#ix.gone(member, e.tenant, e.id, e.createdAt);
      } else {
        await this.#ix.rescore(member, score, str(reply[1]));
      }
    };
    // Bounded concurrency: many sessions in flight at once, never the whole sweep.
    for (let i = 0; i < due.length; i += 64) await this.#do(() => Promise.all(due.slice(i, i + 64).map(one)));
    return removed;
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
    return this.#do(() => eraseUser(this, this.#r, this.#k, tenant, user));
  }

  eraseTenant(tenant: string): Promise<TenantErasure> {
    return this.#do(async () => {
      const r = await eraseTenant(this, this.#r, this.#k, tenant);
      return { ...r, data_keys: (await this.#sealer?.destroy(tenant)) ?? 0 };
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
    return this.#do(() => this.#ix.stats());
  }

  async ready(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      return (await this.#r.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ix.flush().catch(backgroundError('redis-index-flush'));
    try {
      await this.#r.quit();
    } catch {
      this.#r.disconnect();
    }
  }
}
