/**
 * @module sira/service
 * {@link SiraSession}, the library entry: it opens the store and the shared parts (context engine, enrichment,
 * profiles, policy, experiences, indexes, quotas, events), runs the background sweeps, holds API keys and hands out
 * each tenant's {@link TenantSessions}.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { isValidId, newId, resolveConfig, siraError, systemClock, type ApiKeyRecord, type Clock, type SiraOptions, type SiraOptionsInput } from '../core/index.ts';
import { backgroundError } from '../core/background.ts';
import type { TenantErasure } from '../storage/store.ts';
import { createContextCaches, resolveContextOptions, type ContextOptions } from '../memory/index.ts';
import { Enrichment } from '../memory/index.ts';
import { AuditLog, type AuditEntry, type AuditInput } from '../memory/audit.ts';
import { SessionEvaluator } from '../memory/evaluate/index.ts';
import { createHashingEmbedder, Experiences, LessonWriter, type ExperiencesOptions } from '../memory/experiences/index.ts';
import { ActivityLog, ContextPolicy, loadLearnedWeights, loadResumeModel, Prefetcher } from '../memory/policy/index.ts';
import { loadPreferenceClassifier, ProfileService } from '../memory/profile/index.ts';
import { Quotas } from '../memory/quotas/index.ts';
import { SessionRecall } from '../memory/recall.ts';
import { redactTurns } from '../memory/redact/index.ts';
import { sweepRetention, type RetentionSweep } from '../memory/retention.ts';
import { RollingSummarizer } from '../memory/rolling-summary.ts';
import { VectorIndexes } from '../memory/vector-index.ts';
import { WorkspaceService, type TenantWorkspaces, type WorkspaceOptions } from '../memory/workspaces/index.ts';
import { createEmbedder, type Embedder } from '../models/index.ts';
import { warmContextEngine } from '../memory/context/warmup.ts';
import { loadTokenizer, registerModel } from '../models/tokens.ts';
import { BlobStore } from '../storage/blob-store.ts';
import { EventHub, NatsStore, openStore, RedisStore, type EventWakeSource } from '../storage/index.ts';
import type { Store, StoreStats } from '../storage/store.ts';
import { traceEmbedder, traceStore, traceTenant } from '../tracing.ts';
import { TenantSessions } from './tenant.ts';
import type { ContextEngine, SiraDeps } from './types.ts';

/** The service as a library: open once, use {@link SiraSession.tenant}, close on shutdown. */
export class SiraSession {
  readonly options: SiraOptions;
  readonly store: Store;
  readonly clock: Clock;
  /** Content-addressed blobs of every tenant (`/v1/blobs`). */
  readonly blobs: BlobStore;
  /** In-process fan-out of session events (subscribers of this process). */
  readonly events: EventHub;
  #sweeper: NodeJS.Timeout | undefined;
  #tenants = new Map<string, TenantSessions>();
  #bootstrapHash: Buffer | undefined;
  #closed = false;
  readonly #context: ContextEngine;
  #prefetcher: Prefetcher | undefined;
  #lessons: LessonWriter | undefined;
  /** Tenant policies, quotas, rate limits and subscriber counts of this process. */
  readonly quotas: Quotas;
  /** The audit log of admin actions (see {@link SiraSession.audit}). */
  readonly auditLog: AuditLog;

  private constructor(options: SiraOptions, store: Store, clock: Clock, context: ContextOptions, embedder: Embedder | undefined, vectorIndexDir: string, experiences: Partial<ExperiencesOptions> = {}) {
    this.options = options;
    this.store = store;
    this.clock = clock;
    this.quotas = new Quotas(store, options, clock);
    this.auditLog = new AuditLog(store, clock);
    this.#context = { options: context, caches: createContextCaches(), policy: new ContextPolicy(store, { clock }), quotas: this.quotas };
    if (options.profiles) this.#context.profiles = new ProfileService(store, clock, { weights: loadPreferenceClassifier() });
    const resume = options.prefetchIntervalMs > 0 ? loadResumeModel() : undefined;
    if (resume !== undefined) {
      this.#context.activity = new ActivityLog();
      this.#prefetcher = new Prefetcher(store, this.#context.activity, resume.model, { top: options.prefetchTop, horizonMs: resume.horizonMs, clock });
      this.#prefetcher.start(options.prefetchIntervalMs);
    }
    if (embedder !== undefined) {
      this.#context.enrichment = new Enrichment(store, embedder, {
        batchSize: options.embedBatchSize,
        maxDelayMs: options.embedMaxDelayMs,
        maxQueued: options.embedQueueMax,
      });
    }
    if (options.summaryModel !== undefined) {
      this.#context.summarizer = new RollingSummarizer(store, {
        url: (options.summaryUrl ?? options.upstreamUrl)!,
        model: options.summaryModel,
        apiKey: options.summaryApiKey ?? options.upstreamApiKey,
        everyTurns: options.summaryEveryTurns,
        clock,
      });
    }
    this.#context.indexes = new VectorIndexes(store, { dir: vectorIndexDir });
    this.blobs = this.#context.blobs = new BlobStore(store, clock, { maxBlobBytes: options.limits.maxBlobBytes, maxTenantBlobBytes: options.limits.maxTenantBlobBytes });
    const writer =
      options.upstreamUrl !== undefined && options.lessonsModel !== undefined
        ? new LessonWriter(store, { url: options.upstreamUrl, apiKey: options.upstreamApiKey, model: options.lessonsModel, timeoutMs: options.upstreamTimeoutMs, clock })
        : undefined;
    this.#context.experiences = new Experiences(store, embedder ?? createHashingEmbedder(), this.#context.indexes, clock, writer, experiences);
    this.#lessons = writer;
    if (this.#context.enrichment !== undefined) this.#context.recall = new SessionRecall(store, this.#context.enrichment, this.#context.indexes);
    this.events = new EventHub(store, { pollIntervalMs: options.eventPollIntervalMs, clock });
    if (options.bootstrapKey !== undefined) this.#bootstrapHash = Buffer.from(hashApiKey(options.bootstrapKey), 'hex');
    if (options.sweepIntervalMs > 0) {
      this.#sweeper = setInterval(() => {
        this.store.sweepExpired(10_000).catch(backgroundError('ttl-sweep'));
        // Blobs of expired sessions and never-referenced uploads: a full pass, so at most every 10 minutes.
        if (clock() - this.#blobSweptAt >= 600_000) {
          this.#blobSweptAt = clock();
          this.blobs.sweepAll().catch(backgroundError('blob-sweep'));
        }
      }, options.sweepIntervalMs);
      this.#sweeper.unref();
    }
    if (Object.keys(options.retention).length > 0 && options.retentionSweepMs > 0) {
      this.#retentionSweeper = setInterval(() => {
        // A failed sweep loses nothing (what it did not delete is still due at the next tick), but it is logged.
        this.sweepRetention().catch(backgroundError('retention-sweep'));
      }, options.retentionSweepMs);
      this.#retentionSweeper.unref();
    }
  }

  #retentionSweeper: NodeJS.Timeout | undefined;
  #blobSweptAt = 0;

  /**
   * Apply the configured retention policies once (the background sweep calls this every `retentionSweepMs`):
   * delete sessions and experiences older than their tenant's maximum age, at most `limit` items.
   */
  sweepRetention(limit = 1000): Promise<RetentionSweep> {
    return sweepRetention(this.store, this.#context.experiences, this.options.retention, this.clock, limit, (tenant, id) => {
      this.#context.caches.turns.drop(tenant, id);
      this.events.ended(tenant, id);
    });
  }

  /** The abstractive rolling summarizer, when `summaryModel` is configured (stats, `idle()` for tests). */
  get summarizer(): RollingSummarizer | undefined {
    return this.#context.summarizer;
  }

  /** Open the service: validate options, open (or take) the store, start the expiry sweeper. */
  static async open(input: SiraOptionsInput = {}, deps: SiraDeps = {}): Promise<SiraSession> {
    const options = resolveConfig(input);
    // Models with their own tokenizer.json: registered and loaded now, so a bad path fails at start, not per request.
    for (const m of options.models) await loadTokenizer(registerModel(m).encoding);
    // The default encoding's tables take ~200-600 ms to load: at start, not inside the first request (issue 11).
    await loadTokenizer(resolveContextOptions(deps.context).defaultEncoding);
    const learned = options.contextWeights === 'learned' ? loadLearnedWeights().weights : undefined;
    const context = resolveContextOptions(learned === undefined ? deps.context : { ...deps.context, scorer: { ...deps.context?.scorer, weights: { ...learned, ...deps.context?.scorer?.weights } } });
    // The engine's one-time costs (code compiled on first call, ~10-20 ms) at start, not inside the first request (issue 11).
    await warmContextEngine(context, await loadTokenizer(context.defaultEncoding));
    const clock = deps.clock ?? systemClock;
    const rawEmbedder = deps.embedder ?? embedderFromOptions(options);
    const embedder = options.tracing && rawEmbedder !== undefined ? traceEmbedder(rawEmbedder) : rawEmbedder;
    const rawStore = deps.store ?? (await openStore(options, clock));
    const store = options.tracing ? traceStore(rawStore, options.store) : rawStore;
    const sira = new SiraSession(options, store, clock, context, embedder, deps.vectorIndexDir ?? join(options.dataDir, 'vector-index'), deps.experiences);
    if (deps.workspaces !== undefined) sira.workspaceOptions = deps.workspaces;
    sira.#context.evaluator = new SessionEvaluator({ intent: deps.intentClassifier, quality: deps.qualityModel });
    sira.#attachWakeups(deps.wakeups);
    return sira;
  }

  #wakeups: EventWakeSource | undefined;

  /**
   * Redis or NATS with `eventWakeups: 'pubsub'` (or a source given in deps): events written through other
   * instances reach this one's subscribers at once (Redis pub/sub; on NATS an ordered consumer on the heads stream).
   */
  #attachWakeups(given: EventWakeSource | undefined): void {
    if (given !== undefined) {
      this.#wakeups = given;
      this.events.attachWakeSource(given, this.options.eventFallbackPollMs);
      return;
    }
    if (!(this.store instanceof RedisStore || this.store instanceof NatsStore) || this.options.eventWakeups !== 'pubsub') return;
    this.#wakeups = this.store.eventWakeups();
    this.events.attachWakeSource(this.#wakeups, this.options.eventFallbackPollMs);
  }

  /**
   * Erase a tenant: every user (as {@link TenantSessions.eraseUser}), every other session, document and API key,
   * then its data keys. Throws SIRA_ERR_REQUEST_INVALID for a malformed tenant id. Idempotent.
   */
  eraseTenant(tenant: string): Promise<TenantErasure & { users: number }> {
    return this.tenant(tenant).eraseTenant();
  }

  /** Operations scoped to `tenant`. */
  tenant(tenant: string): TenantSessions {
    if (!isValidId(tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
    let t = this.#tenants.get(tenant);
    if (t === undefined) {
      t = new TenantSessions({ tenant, store: this.store, opts: this.options, context: this.#context, hub: this.events, clock: this.clock });
      if (this.options.tracing) t = traceTenant(t, tenant);
      if (this.#tenants.size < 10_000) this.#tenants.set(tenant, t);
    }
    return t;
  }

  /** Create an API key for `tenant`; the key is returned once and only its hash is stored. Audited as `key.create` by `actor`. */
  async createApiKey(tenant: string, name = 'default', actor = 'library'): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!isValidId(tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
    const key = `sira_${randomBytes(24).toString('base64url')}`;
    const record: ApiKeyRecord = { id: newId('key_', this.clock()), tenant, name, hash: hashApiKey(key), created_at: this.clock() };
    await this.store.putApiKey(record);
    await this.audit('key.create', { actor, tenant, target: record.id, details: { name } });
    return { key, record };
  }

  /**
   * Record an admin action in the durable audit log, e.g.
   * `await sira.audit('user.delete', { actor: 'admin', tenant, target: userId, details: { sessions: 3 } })`.
   * Never pass secrets: secret-named detail fields are dropped and keys/tokens in strings are redacted anyway.
   */
  audit(action: string, input: AuditInput): Promise<AuditEntry> {
    return this.auditLog.record(action, input);
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

  /** Revoke a key by id; false when missing. Audited as `key.revoke` by `actor` (with the key's tenant). */
  async revokeApiKey(id: string, actor = 'library'): Promise<boolean> {
    const tenant = (await this.store.listApiKeys()).find((r) => r.id === id)?.tenant ?? null;
    if (!(await this.store.deleteApiKey(id))) return false;
    await this.audit('key.revoke', { actor, tenant, target: id });
    return true;
  }

  /** Store counters. */
  stats(): Promise<StoreStats> {
    return this.store.stats();
  }

  /** The prefetcher, when `prefetchIntervalMs` > 0 and a resume model is present (`tick()` runs a round now). */
  get prefetcher(): Prefetcher | undefined {
    return this.#prefetcher;
  }

  /** The embedding enrichment pipeline, when an embedder is configured (its queue's stats, `drain()` in tests). */
  get enrichment(): Enrichment | undefined {
    return this.#context.enrichment;
  }

  #workspaces: WorkspaceService | undefined;

  /**
   * Workspaces of `tenant`: contexts shared by agents and sessions (members, shared turns, CAS state, Yjs CRDT
   * docs, events). See memory/workspaces.
   */
  workspaces(tenant: string): TenantWorkspaces {
    if (!isValidId(tenant)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'tenant is not a valid id');
    this.#workspaces ??= new WorkspaceService({
      store: this.store,
      hub: this.events,
      limits: this.options.limits,
      defaultTtlSeconds: this.options.defaultTtlSeconds,
      clock: this.clock,
      options: this.workspaceOptions,
      prepareTurns: async (tenant, turns) => ((await this.quotas.policy(tenant)).redact === 'store' ? redactTurns(turns, {}) : turns),
    });
    return this.#workspaces.tenant(tenant);
  }

  /** Workspace tunables given at open (see {@link SiraDeps.workspaces}). */
  workspaceOptions: Partial<WorkspaceOptions> = {};

  /** Profile extraction and storage (its queue's stats, `drain()` in tests), unless `options.profiles` is false. */
  get profiles(): ProfileService | undefined {
    return this.#context.profiles;
  }

  /** The written-lessons queue, when `lessonsModel` is configured (`drain()` in tests). */
  get lessons(): LessonWriter | undefined {
    return this.#lessons;
  }

  /** The HNSW indexes of experiences and cross-session recall (`flush()` in tests). */
  get vectorIndexes(): VectorIndexes | undefined {
    return this.#context.indexes;
  }

  /** Stop the sweeper and the embed queue (its batch in flight finishes; queued turns stay pending), close the store (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    if (this.#retentionSweeper !== undefined) clearInterval(this.#retentionSweeper);
    this.#prefetcher?.stop();
    await this.#context.enrichment?.close();
    await this.#context.summarizer?.close();
    await this.#workspaces?.idle(); // background CRDT compactions
    await this.#context.profiles?.close();
    await this.#lessons?.close();
    await this.#context.indexes?.close();
    await this.quotas.usage.close(); // usage recounts read the store
    this.events.close();
    await this.#wakeups?.close();
    await this.store.close();
  }
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

/** SHA-256 hex of an API key (keys are stored hashed). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
