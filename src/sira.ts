/**
 * @module sira
 * The library entry: `SiraSession` wraps a Store with validation, tenancy, API keys and the expiry sweeper.
 * The HTTP API is a thin layer over exactly these operations.
 *
 * @example
 * const sira = await SiraSession.open({ dataDir: './.sira-data' });
 * const t = sira.tenant('acme');
 * const s = await t.createSession({ user_id: 'u1', ttl_seconds: 3600 });
 * await t.appendTurns(s.id, [{ role: 'user', content: 'hello' }]);
 * const last = await t.getTurns(s.id, { last: 20 });
 * await sira.close();
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  checkMetadata,
  checkState,
  checkTtl,
  isValidId,
  isValidTensorName,
  newId,
  normalizeTurns,
  resolveConfig,
  siraError,
  systemClock,
  validateTensor,
  type ApiKeyRecord,
  type Clock,
  type JsonObject,
  type NewSession,
  type Page,
  type Session,
  type SessionPatch,
  type SiraOptions,
  type SiraOptionsInput,
  type StateRecord,
  type Tensor,
  type TensorInfo,
  type Turn,
  type TurnInput,
  type TurnRange,
} from './core/index.ts';
import {
  buildContext,
  checkMessages,
  createContextCaches,
  resolveQuery,
  resolveBudget,
  resolveContextOptions,
  resolveStrategy,
  type ContextCaches,
  type ContextOptions,
  type ContextOptionsInput,
  type ContextResult,
} from './memory/index.ts';
import { createEmbedder, type Embedder } from './models/index.ts';
import { Enrichment, type EnrichmentStatus } from './memory/index.ts';
import type { EventPage, ListSessionsOptions, Store, StoreStats } from './storage/store.ts';
import { EventHub, openStore, RedisStore, type EventSubscriber, type EventWakeSource, type Subscription } from './storage/index.ts';

/** Collaborators that can be injected (tests, embedding gateways). */
export interface SiraDeps {
  /** A ready store; when absent the embedded LMDB store under `dataDir` is opened. */
  store?: Store;
  /** The clock (ms). @default Date.now */
  clock?: Clock;
  /** Context engine tunables (weights, recency half-life, summary, …). @default DEFAULT_CONTEXT_OPTIONS */
  context?: ContextOptionsInput;
  /** The embedder; when absent it is built from `options.embedder` (none by default). */
  embedder?: Embedder;
}

/** A context request (DESIGN §7 `POST /v1/sessions/:id/context`); give `budget_tokens` or `model`. */
export interface ContextRequestInput {
  /** What the next model call is about; default: the latest user message of `messages`. */
  query?: string;
  /** The client's new OpenAI chat messages: appended after the window and counted against the budget. */
  messages?: unknown[];
  /** Budget of the whole prompt in tokens (1..10,000,000). */
  budget_tokens?: number;
  /** Target model: its tokenizer, and its window less the reply reserve as the budget (the smaller one wins). */
  model?: string;
  /** Tokens kept for the reply when the budget comes from `model`. @default min(4096, max output, window / 4) */
  reply_reserve_tokens?: number;
  /** `relevance` or `recency`. @default 'relevance' */
  strategy?: string;
  /** Also return every dropped candidate with its scores and the reason. @default false */
  explain?: boolean;
}

/** The context engine a service shares across tenants: options and per-turn caches. */
interface ContextEngine {
  options: ContextOptions;
  caches: ContextCaches;
  /** Embedding enrichment, when an embedder is configured. */
  enrichment?: Enrichment;
}

/** Operations on one tenant's data; every id is scoped to the tenant. */
export class TenantSessions {
  readonly tenant: string;
  readonly #store: Store;
  readonly #opts: SiraOptions;
  readonly #context: ContextEngine;
  readonly #hub: EventHub | undefined;

  constructor(
    tenant: string,
    store: Store,
    opts: SiraOptions,
    context: ContextEngine = { options: resolveContextOptions(), caches: createContextCaches() },
    hub?: EventHub,
  ) {
    this.tenant = tenant;
    this.#store = store;
    this.#opts = opts;
    this.#context = context;
    this.#hub = hub;
  }

  /** Tell this process's subscribers of `sessionId` that an acknowledged write appended events. */
  #changed<T>(sessionId: string, result: T): T {
    this.#hub?.notify(this.tenant, sessionId);
    return result;
  }

  /** Create a session; throws SIRA_ERR_SESSION_EXISTS / SIRA_ERR_SESSION_ID_INVALID / SIRA_ERR_REQUEST_INVALID. */
  async createSession(input: NewSession = {}): Promise<Session> {
    if (input.id !== undefined && !isValidId(input.id)) throw siraError('SIRA_ERR_SESSION_ID_INVALID', 'session id must be 1-128 chars of [A-Za-z0-9_.:-]');
    for (const k of ['user_id', 'agent_id'] as const) {
      const v = input[k];
      if (v !== undefined && v !== null && !isValidId(v)) throw siraError('SIRA_ERR_REQUEST_INVALID', `${k} is not a valid id`);
    }
    const ttl = input.ttl_seconds === undefined ? this.#opts.defaultTtlSeconds : checkTtl(input.ttl_seconds);
    const s = await this.#store.createSession(this.tenant, {
      ...input,
      ttl_seconds: ttl,
      metadata: input.metadata === undefined ? {} : checkMetadata(input.metadata, this.#opts.limits),
    });
    return this.#changed(s.id, s);
  }

  /** The session; throws SIRA_ERR_SESSION_NOT_FOUND when missing or expired. */
  async getSession(id: string): Promise<Session> {
    return found(await this.#store.getSession(this.tenant, id));
  }

  /** Patch user_id, agent_id, ttl_seconds (null clears, sliding from now) or metadata (replaced). */
  async updateSession(id: string, patch: SessionPatch): Promise<Session> {
    const p: SessionPatch = {};
    for (const k of ['user_id', 'agent_id'] as const) {
      const v = patch[k];
      if (v !== undefined) {
        if (v !== null && !isValidId(v)) throw siraError('SIRA_ERR_REQUEST_INVALID', `${k} is not a valid id`);
        p[k] = v;
      }
    }
    if (patch.ttl_seconds !== undefined) p.ttl_seconds = checkTtl(patch.ttl_seconds);
    if (patch.metadata !== undefined) p.metadata = checkMetadata(patch.metadata, this.#opts.limits);
    return this.#changed(id, found(await this.#store.updateSession(this.tenant, id, p)));
  }

  /** Delete a session and everything in it; throws SIRA_ERR_SESSION_NOT_FOUND. */
  async deleteSession(id: string): Promise<void> {
    if (!(await this.#store.deleteSession(this.tenant, id))) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    this.#hub?.ended(this.tenant, id);
  }

  /** Live sessions, newest first, paged with an opaque cursor. */
  async listSessions(opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    const limit = opts.limit ?? Math.min(100, this.#opts.limits.maxPageSize);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.#opts.limits.maxPageSize) {
      throw siraError('SIRA_ERR_REQUEST_INVALID', `limit must be 1..${this.#opts.limits.maxPageSize}`);
    }
    return this.#store.listSessions(this.tenant, { ...opts, limit });
  }

  /** Append turns atomically; returns them with their seqs. Throws on bad input before storing anything. */
  async appendTurns(sessionId: string, turns: TurnInput[]): Promise<Turn[]> {
    const normalized = normalizeTurns(turns, this.#opts.limits);
    const stored = await this.#store.appendTurns(this.tenant, sessionId, normalized);
    // After the append is durable: embedding never delays or fails it.
    this.#context.enrichment?.enqueue(this.tenant, sessionId, stored);
    return this.#changed(sessionId, stored);
  }

  /**
   * Which of the session's newest `contextMaxTurns` turns are embedded (`done`, searchable by meaning) and which
   * are still `pending`. Throws SIRA_ERR_SESSION_NOT_FOUND.
   */
  async enrichmentStatus(sessionId: string): Promise<EnrichmentStatus> {
    const turns = found(await this.#store.getTurns(this.tenant, sessionId, { last: this.#opts.contextMaxTurns }));
    const seqs = turns.map((t) => t.seq);
    const e = this.#context.enrichment;
    if (e === undefined) return { embedder: null, done: 0, pending: seqs.length, pending_seqs: seqs.slice(0, 1000) };
    return e.status(this.tenant, sessionId, seqs);
  }

  /** Turns ascending; `{last: N}` gives the newest N in chronological order. Throws SIRA_ERR_SESSION_NOT_FOUND. */
  async getTurns(sessionId: string, range: TurnRange = {}): Promise<Turn[]> {
    const max = this.#opts.limits.maxPageSize;
    if ('last' in range) {
      if (!Number.isSafeInteger(range.last) || range.last < 1 || range.last > max) throw siraError('SIRA_ERR_TURN_RANGE_INVALID', `last must be 1..${max}`);
    } else {
      const { after_seq, before_seq, limit } = range;
      for (const [k, v] of Object.entries({ after_seq, before_seq })) {
        if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw siraError('SIRA_ERR_TURN_RANGE_INVALID', `${k} must be an integer ≥ 0`);
      }
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > max)) throw siraError('SIRA_ERR_TURN_RANGE_INVALID', `limit must be 1..${max}`);
    }
    return found(await this.#store.getTurns(this.tenant, sessionId, range));
  }

  /**
   * The context window for the session's next model call: its newest `contextMaxTurns` turns scored, selected under
   * the budget, compressed and summarised, as OpenAI messages with an explanation. Throws
   * SIRA_ERR_CONTEXT_BUDGET_INVALID / _BUDGET_TOO_SMALL / _MODEL_UNKNOWN, SIRA_ERR_REQUEST_INVALID (strategy,
   * messages) or SIRA_ERR_SESSION_NOT_FOUND.
   */
  async buildContext(sessionId: string, request: ContextRequestInput): Promise<ContextResult> {
    resolveStrategy(request.strategy);
    resolveBudget(request.budget_tokens, request.model, request.reply_reserve_tokens, this.#context.options.defaultEncoding);
    if (request.messages !== undefined && !Array.isArray(request.messages)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'messages must be an array');
    const turns = found(await this.#store.getTurns(this.tenant, sessionId, { last: this.#opts.contextMaxTurns }));
    const enrichment = this.#context.enrichment;
    const scores =
      enrichment === undefined || request.strategy === 'recency'
        ? undefined
        : await enrichment.dense(this.tenant, sessionId, turns, resolveQuery(request.query, Array.isArray(request.messages) ? checkMessages(request.messages) : []));
    const result = await buildContext(
      {
        turns,
        query: request.query,
        messages: request.messages,
        budgetTokens: request.budget_tokens,
        model: request.model,
        replyReserveTokens: request.reply_reserve_tokens,
        strategy: request.strategy,
        explain: request.explain,
        scope: { tenant: this.tenant, session: sessionId },
        dense: scores?.dense,
      },
      this.#context.options,
      this.#context.caches,
    );
    if (scores !== undefined) result.usage.embedding = scores.usage;
    return result;
  }

  /** The state and its version (version 0 and `{}` when never written). */
  async getState(sessionId: string): Promise<StateRecord> {
    return found(await this.#store.getState(this.tenant, sessionId));
  }

  /** Replace the state; with `expectedVersion`, only if it is current (else SIRA_ERR_STATE_VERSION_CONFLICT). */
  async putState(sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#changed(sessionId, await this.#store.putState(this.tenant, sessionId, checkState(value, this.#opts.limits), expectedVersion));
  }

  /** JSON merge-patch (RFC 7396) the state under the same version rule. */
  async patchState(sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#changed(sessionId, await this.#store.patchState(this.tenant, sessionId, checkState(patch, this.#opts.limits), expectedVersion));
  }

  /** Store a named tensor after checking dtype, shape and byte length. */
  async putTensor(sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    if (!isValidTensorName(name)) throw siraError('SIRA_ERR_TENSOR_NAME_INVALID', 'tensor names are 1-128 chars of [A-Za-z0-9_.:/-]');
    validateTensor(tensor, this.#opts.limits);
    return this.#changed(sessionId, await this.#store.putTensor(this.tenant, sessionId, name, tensor));
  }

  /** The tensor (bytes are a copy the caller owns); throws SIRA_ERR_TENSOR_NOT_FOUND / SIRA_ERR_SESSION_NOT_FOUND. */
  async getTensor(sessionId: string, name: string): Promise<Tensor> {
    const t = await this.#store.getTensor(this.tenant, sessionId, name);
    if (t === undefined) {
      await this.getSession(sessionId);
      throw siraError('SIRA_ERR_TENSOR_NOT_FOUND');
    }
    return t;
  }

  /** Tensor metadata of a session. */
  async listTensors(sessionId: string): Promise<TensorInfo[]> {
    // Names starting with '_' are the service's own (embeddings); clients cannot create them and do not see them.
    return found(await this.#store.listTensors(this.tenant, sessionId)).filter((t) => !t.name.startsWith('_'));
  }

  /** Delete a tensor; throws SIRA_ERR_TENSOR_NOT_FOUND when it (or the session) is missing. */
  async deleteTensor(sessionId: string, name: string): Promise<void> {
    if (!(await this.#store.deleteTensor(this.tenant, sessionId, name))) {
      await this.getSession(sessionId);
      throw siraError('SIRA_ERR_TENSOR_NOT_FOUND');
    }
    this.#hub?.notify(this.tenant, sessionId);
  }

  /**
   * A page of the session's event log after `afterId` (1..limits.maxPageSize events). Throws
   * SIRA_ERR_EVENTS_AFTER_INVALID, SIRA_ERR_EVENTS_GAP (trimmed, or `afterId` past the newest event: a re-created
   * session) or SIRA_ERR_SESSION_NOT_FOUND.
   */
  async readEvents(sessionId: string, afterId: number, limit = 100): Promise<EventPage> {
    const max = this.#opts.limits.maxPageSize;
    if (!Number.isSafeInteger(afterId) || afterId < 0) throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', 'after must be an integer ≥ 0');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', `limit must be 1..${max}`);
    const page = found(await this.#store.readEvents(this.tenant, sessionId, afterId, limit));
    if (afterId > page.last_id) throw resumedPastEnd(afterId, page.last_id);
    return page;
  }

  /**
   * Subscribe to the session's events after `afterId` (undefined: only events from now on). Checks first that the
   * session exists and the id is retained, throwing as {@link readEvents} does; then the subscriber gets the missed
   * events from the log followed by live ones, with no gap and no duplicate.
   */
  async subscribe(sessionId: string, afterId: number | undefined, subscriber: EventSubscriber): Promise<Subscription> {
    if (this.#hub === undefined) throw siraError('SIRA_ERR_INTERNAL', 'events are not enabled');
    const page = await this.readEvents(sessionId, afterId ?? 0, 1);
    return this.#hub.subscribe(this.tenant, sessionId, afterId ?? page.last_id, subscriber);
  }
}

/** A resume id past the newest event: the log it came from is gone (the session was deleted and re-created). */
function resumedPastEnd(afterId: number, lastId: number) {
  return siraError('SIRA_ERR_EVENTS_GAP', `event ${afterId} is past the newest event (${lastId}): the session was re-created`, {
    details: { first_retained_id: 1, last_id: lastId },
  });
}

/** The embedder the options name (none is loaded yet: providers load lazily). */
function embedderFromOptions(o: SiraOptions): Embedder | undefined {
  if (o.embedder === 'openai') {
    return createEmbedder({ provider: 'openai', baseUrl: o.embedderUrl!, model: o.embedderModel!, dim: o.embedderDim!, apiKey: o.embedderApiKey });
  }
  if (o.embedder === 'onnx') {
    return createEmbedder({ provider: 'onnx', model: o.embedderModel!, dim: o.embedderDim, device: o.embedderDevice, allowRemote: o.embedderAllowRemote });
  }
  return createEmbedder({ provider: o.embedder });
}

function found<T>(v: T | undefined): T {
  if (v === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
  return v;
}

/** SHA-256 hex of an API key (keys are stored hashed). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The service as a library: open once, use {@link SiraSession.tenant}, close on shutdown. */
export class SiraSession {
  readonly options: SiraOptions;
  readonly store: Store;
  readonly clock: Clock;
  /** In-process fan-out of session events (subscribers of this process). */
  readonly events: EventHub;
  #sweeper: NodeJS.Timeout | undefined;
  #tenants = new Map<string, TenantSessions>();
  #bootstrapHash: Buffer | undefined;
  #closed = false;
  readonly #context: ContextEngine;

  private constructor(options: SiraOptions, store: Store, clock: Clock, context: ContextOptions, embedder: Embedder | undefined) {
    this.options = options;
    this.store = store;
    this.clock = clock;
    this.#context = { options: context, caches: createContextCaches() };
    if (embedder !== undefined) {
      this.#context.enrichment = new Enrichment(store, embedder, {
        batchSize: options.embedBatchSize,
        maxDelayMs: options.embedMaxDelayMs,
        maxQueued: options.embedQueueMax,
      });
    }
    this.events = new EventHub(store, { pollIntervalMs: options.eventPollIntervalMs, clock });
    if (options.bootstrapKey !== undefined) this.#bootstrapHash = Buffer.from(hashApiKey(options.bootstrapKey), 'hex');
    if (options.sweepIntervalMs > 0) {
      this.#sweeper = setInterval(() => {
        this.store.sweepExpired(10_000).catch(() => {});
      }, options.sweepIntervalMs);
      this.#sweeper.unref();
    }
  }

  /** Open the service: validate options, open (or take) the store, start the expiry sweeper. */
  static async open(input: SiraOptionsInput = {}, deps: SiraDeps = {}): Promise<SiraSession> {
    const options = resolveConfig(input);
    const context = resolveContextOptions(deps.context);
    const clock = deps.clock ?? systemClock;
    const embedder = deps.embedder ?? embedderFromOptions(options);
    const store = deps.store ?? (await openStore(options, clock));
    const sira = new SiraSession(options, store, clock, context, embedder);
    sira.#attachWakeups();
    return sira;
  }

  #wakeups: EventWakeSource | undefined;

  /** Redis with `eventWakeups: 'pubsub'`: events written through other instances reach this one's subscribers at once. */
  #attachWakeups(): void {
    if (!(this.store instanceof RedisStore) || this.options.eventWakeups !== 'pubsub') return;
    this.#wakeups = this.store.eventWakeups();
    this.events.attachWakeSource(this.#wakeups, this.options.eventFallbackPollMs);
  }

  /** Operations scoped to `tenant`. */
  tenant(tenant: string): TenantSessions {
    if (!isValidId(tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
    let t = this.#tenants.get(tenant);
    if (t === undefined) {
      t = new TenantSessions(tenant, this.store, this.options, this.#context, this.events);
      if (this.#tenants.size < 10_000) this.#tenants.set(tenant, t);
    }
    return t;
  }

  /** Create an API key for `tenant`; the key is returned once and only its hash is stored. */
  async createApiKey(tenant: string, name = 'default'): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!isValidId(tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
    const key = `sira_${randomBytes(24).toString('base64url')}`;
    const record: ApiKeyRecord = { id: newId('key_', this.clock()), tenant, name, hash: hashApiKey(key), created_at: this.clock() };
    await this.store.putApiKey(record);
    return { key, record };
  }

  /** The tenant an API key belongs to, or undefined when the key is unknown. */
  async authenticate(key: string): Promise<string | undefined> {
    const hash = hashApiKey(key);
    if (this.#bootstrapHash !== undefined && timingSafeEqual(Buffer.from(hash, 'hex'), this.#bootstrapHash)) return 'default';
    return (await this.store.getApiKeyByHash(hash))?.tenant;
  }

  /** API key records (hashes only) of one tenant, or of all. */
  listApiKeys(tenant?: string): Promise<ApiKeyRecord[]> {
    return this.store.listApiKeys(tenant);
  }

  /** Revoke a key by id; false when missing. */
  revokeApiKey(id: string): Promise<boolean> {
    return this.store.deleteApiKey(id);
  }

  /** Store counters. */
  stats(): Promise<StoreStats> {
    return this.store.stats();
  }

  /** The embedding enrichment pipeline, when an embedder is configured (its queue's stats, `drain()` in tests). */
  get enrichment(): Enrichment | undefined {
    return this.#context.enrichment;
  }

  /** Stop the sweeper and the embed queue (its batch in flight finishes; queued turns stay pending), close the store (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    await this.#context.enrichment?.close();
    this.events.close();
    await this.#wakeups?.close();
    await this.store.close();
  }
}
