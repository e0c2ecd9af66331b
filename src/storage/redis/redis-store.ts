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
  SessionPatch,
  StateRecord,
  Tensor,
  TensorInfo,
  Turn,
  TurnRange,
} from '../../core/types.ts';
import { decodeApiKey, encodeApiKey } from '../codec/records.ts';
import { decodeTensorInfoHeader, decodeTensorRecord, encodeTensorRecord, tensorRecordDataOffset } from '../codec/tensor-record.ts';
import { decodeTurn, encodeTurn, encodedTurnTextBytes } from '../codec/turn.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ListSessionsOptions, Store, StoreStats } from '../store.ts';
import { connectRedis, parseRedisUrl } from './connect.ts';
import { KeySpace, STATS_SHARDS, expiryMember, indexMember, parseExpiryMember, parseIndexMember, type SessionKeys } from './keys.ts';
import * as S from './scripts.ts';
import type { RedisClient, Script, ScriptArg } from './scripts.ts';

/** Options of the Redis backend. */
export interface RedisStoreOptions {
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
}

const noop = (): void => {};
const str = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : v === null || v === undefined ? '' : String(v));

/** What a purge reports (scripts.ts `purge()`): enough to clean the indexes and the counters. */
interface Purged {
  createdAt: number;
  userId: string | null;
  turns: number;
  tensors: number;
  rawBytes: number;
  storedBytes: number;
}

function purged(reply: unknown[], at: number): Purged {
  const uid = str(reply[at + 1]);
  return {
    createdAt: Number(str(reply[at])),
    userId: uid === '' ? null : uid,
    turns: Number(str(reply[at + 3])),
    tensors: Number(str(reply[at + 4])),
    rawBytes: Number(str(reply[at + 5])),
    storedBytes: Number(str(reply[at + 6])),
  };
}

function pairs(a: readonly unknown[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (let i = 0; i + 1 < a.length; i += 2) m.set(str(a[i]), a[i + 1]);
  return m;
}

/** A session from its hash fields (strings), or undefined when the hash is empty. */
function sessionFromHash(h: Record<string, string>): Session | undefined {
  if (h.ca === undefined) return undefined;
  return {
    id: h.id ?? '',
    tenant: h.tenant ?? '',
    user_id: h.uid ?? null,
    agent_id: h.aid ?? null,
    metadata: JSON.parse(h.md ?? '{}') as JsonObject,
    created_at: Number(h.ca),
    updated_at: Number(h.ua),
    expires_at: h.exp === undefined ? null : Number(h.exp),
    ttl_seconds: h.ttl === undefined ? null : Number(h.ttl),
    turn_count: Number(h.tc),
    state_version: Number(h.sv),
  };
}

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
  #closed = false;

  private constructor(opts: RedisStoreOptions, client: RedisClient, kind: 'redis' | 'redis-cluster', keys: KeySpace) {
    this.kind = kind;
    this.#r = client;
    this.#k = keys;
    this.#clock = opts.clock ?? Date.now;
    this.#compressMin = opts.compressMinBytes ?? 64;
    this.#maxTensors = opts.maxTensorsPerSession ?? 1024;
    this.#grace = opts.gcGraceMs ?? 60_000;
  }

  /** Connect to the server or cluster `opts.url` names; throws SIRA_ERR_STORE_FAILED when it cannot. */
  static async open(opts: RedisStoreOptions): Promise<RedisStore> {
    const target = parseRedisUrl(opts.url);
    const keys = new KeySpace(opts.keyPrefix ?? 'sira:');
    const client = await connectRedis(target, opts.url);
    return new RedisStore(opts, client, target.kind === 'cluster' ? 'redis-cluster' : 'redis', keys);
  }

  /** The client (for backend-only tests and tools); owned by the store. */
  get client(): RedisClient {
    return this.#r;
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

  #sk(tenant: string, id: string): string[] {
    const k: SessionKeys = this.#k.session(tenant, id);
    return [k.session, k.turns, k.state, k.tensors, k.tinfo];
  }

  /** Base of PEXPIREAT: the real clock plus the grace (not the injected clock; see the module note). */
  #gc(): string {
    return String(Date.now() + this.#grace);
  }

  /** Add to the counters (best effort, not awaited): a random shard, so no one slot takes every write. */
  #count(deltas: Record<string, number>): void {
    const args: string[] = [];
    for (const [f, d] of Object.entries(deltas)) if (d !== 0) args.push(f, String(d));
    if (args.length === 0 || this.#closed) return;
    const shard = this.#k.stats(Math.floor(Math.random() * STATS_SHARDS));
    S.runScript(this.#r, S.HINCR_MANY, [shard], args).catch(noop);
  }

  /** Remove a purged session from the indexes and the counters. */
  async #unindex(tenant: string, id: string, p: Purged): Promise<void> {
    const member = indexMember(p.createdAt, id);
    const steps: Promise<unknown>[] = [this.#r.zrem(this.#k.byTime(tenant), member), this.#r.zrem(this.#k.expiry(), expiryMember(tenant, id, p.createdAt))];
    if (p.userId !== null) steps.push(this.#r.zrem(this.#k.byUser(tenant, p.userId), member));
    this.#count({ sessions: -1, turns: -p.turns, tensors: -p.tensors, text_raw: -p.rawBytes, text_stored: -p.storedBytes });
    await this.#do(() => Promise.all(steps));
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
    const reply = await this.#run(S.CREATE, this.#sk(tenant, s.id), [
      String(now),
      this.#gc(),
      s.id,
      tenant,
      JSON.stringify(s.metadata),
      s.user_id ?? '',
      s.agent_id ?? '',
      ttl === null ? '' : String(ttl),
    ]);
    if (str(reply[0]) === 'exists') throw siraError('SIRA_ERR_SESSION_EXISTS');
    // An expired, not yet swept session of this id was purged by the script: drop its index entries.
    if (reply.length > 1) await this.#unindex(tenant, s.id, purged(reply, 1));
    const member = indexMember(now, s.id);
    const steps: Promise<unknown>[] = [this.#r.zadd(this.#k.byTime(tenant), 0, member)];
    if (s.user_id !== null) steps.push(this.#r.zadd(this.#k.byUser(tenant, s.user_id), 0, member));
    if (s.expires_at !== null) steps.push(this.#r.zadd(this.#k.expiry(), s.expires_at, expiryMember(tenant, s.id, now)));
    this.#count({ sessions: 1 });
    await this.#do(() => Promise.all(steps));
    return s;
  }

  async getSession(tenant: string, id: string): Promise<Session | undefined> {
    const s = sessionFromHash(await this.#do(() => this.#r.hgetall(this.#k.session(tenant, id).session)));
    return s === undefined || (s.expires_at !== null && s.expires_at <= this.#clock()) ? undefined : s;
  }

  async updateSession(tenant: string, id: string, patch: SessionPatch): Promise<Session | undefined> {
    const op = (v: string | null | undefined): [string, string] => (v === undefined ? ['k', ''] : v === null ? ['d', ''] : ['s', v]);
    const reply = await this.#run(S.UPDATE, this.#sk(tenant, id), [
      String(this.#clock()),
      this.#gc(),
      ...op(patch.user_id),
      ...op(patch.agent_id),
      ...op(patch.metadata === undefined ? undefined : JSON.stringify(patch.metadata)),
      ...op(patch.ttl_seconds === undefined || patch.ttl_seconds === null ? patch.ttl_seconds : String(patch.ttl_seconds)),
    ]);
    if (str(reply[0]) === 'nf') return undefined;
    const oldUser = str(reply[1]) === '' ? null : str(reply[1]);
    const h: Record<string, string> = {};
    for (const [f, v] of pairs(reply.slice(2))) h[f] = str(v);
    const s = sessionFromHash(h)!;
    const member = indexMember(s.created_at, id);
    const steps: Promise<unknown>[] = [];
    if (oldUser !== s.user_id) {
      if (oldUser !== null) steps.push(this.#r.zrem(this.#k.byUser(tenant, oldUser), member));
      if (s.user_id !== null) steps.push(this.#r.zadd(this.#k.byUser(tenant, s.user_id), 0, member));
    }
    const em = expiryMember(tenant, id, s.created_at);
    steps.push(s.expires_at === null ? this.#r.zrem(this.#k.expiry(), em) : this.#r.zadd(this.#k.expiry(), s.expires_at, em));
    await this.#do(() => Promise.all(steps));
    return s;
  }

  async deleteSession(tenant: string, id: string): Promise<boolean> {
    const reply = await this.#run(S.DELETE, this.#sk(tenant, id), [String(this.#clock())]);
    if (str(reply[0]) === 'nf') return false;
    await this.#unindex(tenant, id, purged(reply, 2));
    return str(reply[1]) === '1';
  }

  async listSessions(tenant: string, opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    const limit = opts.limit ?? 100;
    const now = this.#clock();
    const user = opts.user_id;
    const index = user === undefined ? this.#k.byTime(tenant) : this.#k.byUser(tenant, user);
    let pos = '+';
    if (opts.cursor !== undefined) {
      const c = decodeCursor(opts.cursor);
      if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'number' || typeof c[1] !== 'string') {
        throw siraError('SIRA_ERR_CURSOR_INVALID');
      }
      pos = `(${indexMember(c[0], c[1])}`;
    }
    const items: Session[] = [];
    let last: [number, string] | undefined;
    let more = false;
    for (;;) {
      // Take the entries still needed plus one probe that tells whether there is a next page.
      const want = limit - items.length;
      const batch = await this.#do(() => this.#r.zrange(index, pos, '-', 'BYLEX', 'REV', 'LIMIT', 0, want + 1));
      const take = batch.slice(0, want);
      const entries = take.map(parseIndexMember);
      const hashes = await this.#do(() =>
        Promise.all(entries.map((e) => (e === undefined ? Promise.resolve({}) : this.#r.hgetall(this.#k.session(tenant, e.id).session)))),
      );
      for (let i = 0; i < take.length; i++) {
        const e = entries[i];
        if (e === undefined) continue;
        last = [e.createdAt, e.id];
        const s = sessionFromHash(hashes[i]!);
        if (s === undefined || s.created_at !== e.createdAt || (user !== undefined && s.user_id !== user)) {
          // The session is gone, re-created or moved to another user: a stale entry; drop it (best effort).
          this.#r.zrem(index, take[i]!).catch(noop);
          continue;
        }
        if (s.expires_at !== null && s.expires_at <= now) continue;
        items.push(s);
      }
      if (batch.length <= want) break;
      if (items.length === limit) {
        more = true;
        break;
      }
      pos = `(${take[take.length - 1]!}`;
    }
    return { items, cursor: more && last !== undefined ? encodeCursor(last) : null };
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
    const reply = await this.#run(S.APPEND, this.#sk(tenant, sessionId), [
      String(now),
      this.#gc(),
      String(records.length),
      String(raw),
      String(stored),
      ...records.map(S.buf),
    ]);
    if (str(reply[0]) === 'nf') throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    const first = Number(str(reply[1]));
    this.#count({ turns: records.length, text_raw: raw, text_stored: stored });
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
  }

  async getTurns(tenant: string, sessionId: string, range: TurnRange = {}): Promise<Turn[] | undefined> {
    const k = this.#k.session(tenant, sessionId);
    const opt = (n: number | undefined) => (n === undefined ? '' : String(n));
    const args =
      'last' in range
        ? [String(this.#clock()), 'last', String(range.last), '', '']
        : [String(this.#clock()), 'range', opt(range.after_seq), opt(range.before_seq), opt(range.limit)];
    const reply = await this.#run(S.GET_TURNS, [k.session, k.turns], args);
    if (str(reply[0]) === 'nf') return undefined;
    const first = Number(str(reply[1]));
    const out: Turn[] = [];
    for (let i = 4; i < reply.length; i++) {
      const rec = reply[i];
      const seq = first + i - 4;
      if (!Buffer.isBuffer(rec)) throw siraError('SIRA_ERR_CODEC_CORRUPT', `turn ${seq} of session ${sessionId} is missing`);
      out.push(decodeTurn(rec, seq));
    }
    return out;
  }

  async getState(tenant: string, sessionId: string): Promise<StateRecord | undefined> {
    const k = this.#k.session(tenant, sessionId);
    const reply = await this.#run(S.GET_STATE, [k.session, k.state], [String(this.#clock())]);
    if (str(reply[0]) === 'nf') return undefined;
    return { version: Number(str(reply[1])), updated_at: Number(str(reply[2])), value: JSON.parse(str(reply[3])) as JsonObject };
  }

  async putState(tenant: string, sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    const now = this.#clock();
    const json = JSON.stringify(value);
    const reply = await this.#run(S.PUT_STATE, this.#sk(tenant, sessionId), [String(now), this.#gc(), expectedVersion === undefined ? '' : String(expectedVersion), json]);
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
    const reply = await this.#run(S.PUT_TENSOR, this.#sk(tenant, sessionId), [
      String(now),
      this.#gc(),
      name,
      S.buf(rec),
      S.buf(header),
      String(this.#maxTensors),
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
    return str(reply[0]) === 'nf' || !Buffer.isBuffer(rec) ? undefined : decodeTensorRecord(rec).tensor;
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
    const reply = await this.#run(S.DELETE_TENSOR, this.#sk(tenant, sessionId), [String(this.#clock()), this.#gc(), name]);
    const removed = str(reply[0]) === 'ok' && str(reply[1]) === '1';
    if (removed) this.#count({ tensors: -1 });
    return removed;
  }

  async sweepExpired(limit = 10_000): Promise<number> {
    const now = this.#clock();
    const expiry = this.#k.expiry();
    const due = await this.#do(() => this.#r.zrange(expiry, '-inf', String(now), 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES'));
    let removed = 0;
    const one = async (member: string, score: string): Promise<void> => {
      const e = parseExpiryMember(member);
      if (e === undefined) {
        await this.#r.zrem(expiry, member);
        return;
      }
      const reply = await this.#run(S.SWEEP_ONE, this.#sk(e.tenant, e.id), [String(now), String(e.createdAt)]);
      const status = str(reply[0]);
      if (status === 'purged') {
        removed++;
        await this.#unindex(e.tenant, e.id, purged(reply, 1));
      } else if (status === 'gone') {
        // Deleted meanwhile, or dropped by Redis's own expiry: clean what the entry names (user entries go lazily).
        await Promise.all([this.#r.zrem(expiry, member), this.#r.zrem(this.#k.byTime(e.tenant), indexMember(e.createdAt, e.id))]);
      } else {
        // Writes slid the expiry forward (entries are a lower bound): re-score, or drop if the TTL was cleared.
        const exp = str(reply[1]);
        if (exp === '') await S.runScript(this.#r, S.ZREM_IF_SCORE, [expiry], [member, score]);
        else await this.#r.zadd(expiry, 'XX', exp, member);
      }
    };
    // Bounded concurrency: many sessions in flight at once, never the whole sweep.
    for (let i = 0; i < due.length; i += 128) {
      const chunk: Promise<void>[] = [];
      for (let j = i; j < Math.min(due.length, i + 128); j += 2) chunk.push(one(due[j]!, due[j + 1]!));
      await this.#do(() => Promise.all(chunk));
    }
    return removed;
  }

  async putApiKey(record: ApiKeyRecord): Promise<void> {
    if (!isValidId(record.tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
    await this.#run(S.API_KEY, [this.#k.apiKey(record.hash), this.#k.apiKeys()], [record.hash, S.buf(encodeApiKey(record))]);
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const raw = await this.#do(() => this.#r.getBuffer(this.#k.apiKey(hash)));
    return raw === null ? undefined : decodeApiKey(raw);
  }

  async listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    const hashes = (await this.#do(() => this.#r.smembers(this.#k.apiKeys()))).sort();
    const out: ApiKeyRecord[] = [];
    for (let i = 0; i < hashes.length; i += 500) {
      const keys = hashes.slice(i, i + 500).map((h) => this.#k.apiKey(h));
      const raws = await this.#do(() => this.#r.mgetBuffer(...keys));
      for (const raw of raws) {
        if (raw === null) continue;
        const r = decodeApiKey(raw);
        if (tenant === undefined || r.tenant === tenant) out.push(r);
      }
    }
    return out;
  }

  async deleteApiKey(id: string): Promise<boolean> {
    const match = (await this.listApiKeys()).find((r) => r.id === id);
    if (match === undefined) return false;
    const reply = await this.#do(() => S.runScript(this.#r, S.API_KEY, [this.#k.apiKey(match.hash), this.#k.apiKeys()], [match.hash, '']));
    return Number(reply) === 1;
  }

  async stats(): Promise<StoreStats> {
    const shards = await this.#do(() => Promise.all(Array.from({ length: STATS_SHARDS }, (_, n) => this.#r.hgetall(this.#k.stats(n)))));
    const sum = (f: string) => Math.max(0, shards.reduce((a, h) => a + Number(h[f] ?? 0), 0));
    const nodes = this.#r instanceof Cluster ? this.#r.nodes('master') : [this.#r];
    const infos = await this.#do(() => Promise.all(nodes.map((n) => n.info('memory'))));
    const bytes = infos.reduce((a, info) => a + Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0), 0);
    return {
      sessions: sum('sessions'),
      turns: sum('turns'),
      tensors: sum('tensors'),
      bytes,
      text_raw_bytes: sum('text_raw'),
      text_stored_bytes: sum('text_stored'),
    };
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
    try {
      await this.#r.quit();
    } catch {
      this.#r.disconnect();
    }
  }
}
