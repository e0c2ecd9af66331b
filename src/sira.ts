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
import { join } from 'node:path';
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
  buildContextSync,
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
import { loadTokenizer, registerModel, type EncodingName } from './models/tokens.ts';
import { turnText } from './models/chat.ts';
import { ANALYSIS_MAX_CHARS, textHead, withTextHead } from './core/text-limits.ts';
import { checkTensorReferences, referencedTensors } from './core/parts.ts';
import { BlobStore, checkBlobReferences } from './storage/blob-store.ts';
import { budgetedTokenizer, prepareMessages, prepareTurns, WorkBudget } from './memory/context/prepare.ts';
import { RollingSummarizer } from './memory/rolling-summary.ts';
import { Enrichment, type EnrichmentStatus } from './memory/index.ts';
import { loadPreferenceClassifier, ProfileService, type ForgetReport, type ProfileChange, type StoredProfile } from './memory/profile/index.ts';
import { ActivityLog, ContextPolicy, contextKey, loadLearnedWeights, loadResumeModel, policyContext, Prefetcher, type FeedbackInput, type FeedbackResult } from './memory/policy/index.ts';
import type { EventPage, ListSessionsOptions, Store, StoreStats, TenantErasure } from './storage/store.ts';
import { eraseTenant, eraseUser, type ErasureParts, type UserErasure } from './erasure.ts';
import { sweepRetention, type RetentionSweep } from './memory/retention.ts';
import {
  type IntentAnswer,
  type IntentTrainInput,
  type TenantIntentModelInfo,
  classifyTenantIntent,
  classifyTenantSession,
  deleteTenantIntentModel,
  listTenantIntentModels,
  trainTenantIntentModel,
} from './memory/intents.ts';
import type { SessionClassifyOptions, SessionIntentResult } from './models/intent/index.ts';
import type { ExternalCandidate } from './memory/context/external.ts';
import { createHashingEmbedder, Experiences, LessonWriter, type Experience, type ExperienceGraph, type ExperienceQuery, type ExperienceSearchResult } from './memory/experiences/index.ts';
import { SessionRecall } from './memory/recall.ts';
import { VectorIndexes } from './memory/vector-index.ts';
import { EventHub, openStore, NatsStore, RedisStore, type EventSubscriber, type EventWakeSource, type Subscription } from './storage/index.ts';
import { WorkspaceService, isBackingId, type TenantWorkspaces, type WorkspaceOptions } from './memory/workspaces/index.ts';
import { SessionEvaluator, type QualityModel, type SessionEvaluation, type SessionIntentClassifier } from './memory/evaluate/index.ts';
import { backgroundError } from './core/background.ts';
import { traceEmbedder, traceStore, traceTenant } from './tracing.ts';
import { Quotas } from './memory/quotas/index.ts';
import { AuditLog, type AuditEntry, type AuditInput } from './memory/audit.ts';
import { placeholdersIn, redactMessages, redactText, redactTurns, type RedactionCounts } from './memory/redact/index.ts';
import type { RedactMode } from './core/quota-config.ts';

/** Collaborators that can be injected (tests, embedding gateways). */
export interface SiraDeps {
  /** A ready store; when absent the embedded LMDB store under `dataDir` is opened. */
  store?: Store;
  /** Workspace tunables (CRDT compaction thresholds, member limit, event inlining). @default DEFAULT_WORKSPACE_OPTIONS */
  workspaces?: Partial<WorkspaceOptions>;
  /** The clock (ms). @default Date.now */
  clock?: Clock;
  /** Context engine tunables (weights, recency half-life, summary, …). @default DEFAULT_CONTEXT_OPTIONS */
  context?: ContextOptionsInput;
  /** The embedder; when absent it is built from `options.embedder` (none by default). */
  embedder?: Embedder;
  /** The session intent classifier for `evaluateSession`; none: evaluations report `intent: null`. */
  intentClassifier?: SessionIntentClassifier;
  /** The session quality model; default: the newest data/models/quality artifact, else the hand-set fallback. */
  qualityModel?: QualityModel;
}

/** A session evaluation request (`POST /v1/sessions/:id/evaluate`). */
export interface EvaluateRequestInput {
  /** Evaluate the newest `last` turns (1..contextMaxTurns). @default contextMaxTurns */
  last?: number;
  /** Also classify the intent (when a classifier is configured). @default true */
  intent?: boolean;
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
  /** The agent making the call: its most useful past experiences for the query become candidates. */
  agent_id?: string;
  /** Offer turns of the session's user's earlier sessions. @default options.crossSessionRecall */
  cross_session?: boolean;
  /** Render reasoning parts into the window (they are left out otherwise). @default false */
  include_reasoning?: boolean;
}

/** The context engine a service shares across tenants: options and per-turn caches. */
interface ContextEngine {
  options: ContextOptions;
  caches: ContextCaches;
  /** Embedding enrichment, when an embedder is configured. */
  enrichment?: Enrichment;
  /** Abstractive rolling summaries, when a summary model is configured. */
  summarizer?: RollingSummarizer;
  /** Session intent and quality evaluation. */
  evaluator?: SessionEvaluator;
  /** User profiles (extraction queue, documents, the pinned block), unless `options.profiles` is false. */
  profiles?: ProfileService;
  /** The adaptive policy (strategy `adaptive`, feedback). */
  policy?: ContextPolicy;
  /** Recent activity, fed by appends when the prefetcher runs. */
  activity?: ActivityLog;
  /** Experiences (always: the lexical hashing embedder stands in when none is configured). */
  experiences?: Experiences;
  /** Content-addressed blobs that media parts reference (storage/blob-store). */
  blobs?: BlobStore;
  /** Cross-session recall, when an embedder is configured. */
  recall?: SessionRecall;
  /** The HNSW indexes behind both. */
  indexes?: VectorIndexes;
  /** Tenant policies (redaction mode) and quotas. */
  quotas?: Quotas;
}

/** What PII redaction did to a context window (the `redaction` field of a context result; counts, never values). */
export interface ContextRedaction {
  /** `store`: the turns were redacted when written (counts are the placeholders in the selected turns); `context`: in this window. */
  mode: Exclude<RedactMode, 'off'>;
  /** Values replaced, by kind (EMAIL, PHONE, CARD, IBAN, API_KEY, TOKEN). */
  counts: RedactionCounts;
}

/** Which profile entries a context window pinned (the `profile` field of a context result). */
export interface ContextProfileExplanation {
  user_id: string;
  /** Exact tokens of the block; 0 when it was left out. */
  tokens: number;
  /** False when the block did not fit the budget (it may take at most half of what the client's messages leave). */
  included: boolean;
  /** The entries in the block, most confident first. */
  entries: { id: string; slot: string; value: string; polarity: 'positive' | 'negative'; confidence: number }[];
  /** Current entries left out by the block's token cap. */
  omitted: number;
}

/** What the adaptive policy adds to a context response. */
export interface ContextPolicyInfo {
  /** This response's id: give it to `POST /v1/sessions/:id/feedback` as `context_id`. */
  id: string;
  /** With strategy `adaptive`: the arm chosen, its context and why. */
  policy?: { arm: string; context: string; reason: string; samples: Record<string, number> };
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
    const user = this.#context.profiles === undefined ? undefined : (await this.#store.getSession(this.tenant, id))?.user_id;
    if (!(await this.#store.deleteSession(this.tenant, id))) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    this.#hub?.ended(this.tenant, id);
    await this.#context.blobs?.dropSessions(this.tenant, [id]);
    // What the profile learned from this session's turns goes with them.
    if (user !== undefined && user !== null) await this.#context.profiles!.forgetSession(this.tenant, user, id);
  }

  /** Live sessions, newest first, paged with an opaque cursor. */
  async listSessions(opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    const limit = opts.limit ?? Math.min(100, this.#opts.limits.maxPageSize);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.#opts.limits.maxPageSize) {
      throw siraError('SIRA_ERR_REQUEST_INVALID', `limit must be 1..${this.#opts.limits.maxPageSize}`);
    }
    // A user id is an id (1-128 chars of [A-Za-z0-9_.:-]); a longer one would overflow the index key (found by the fuzz run).
    if (opts.user_id !== undefined && !isValidId(opts.user_id)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'user_id is not a valid id (1-128 characters of A-Z a-z 0-9 _ . : -)');
    const page = await this.#store.listSessions(this.tenant, { ...opts, limit });
    // Workspaces are backed by sessions with reserved ids (memory/workspaces/model.ts): not the client's sessions.
    return { ...page, items: page.items.filter((s) => !isBackingId(s.id)) };
  }

  /**
   * Append turns atomically; returns them with their seqs. Throws on bad input before storing anything, including
   * SIRA_ERR_TURN_TENSOR_NOT_FOUND for a `tensor` or `time_series` part naming a tensor the session does not hold, and
   * SIRA_ERR_TURN_INVALID for a time series whose tensor is not [channels, samples] (checked just
   * before the append: a tensor deleted concurrently can still leave a dangling reference, rendered by name).
   */
  async appendTurns(sessionId: string, turns: TurnInput[]): Promise<Turn[]> {
    let normalized = normalizeTurns(turns, this.#opts.limits);
    if ((await this.#redactMode()) === 'store') normalized = redactTurns(normalized, {});
    if (referencedTensors(normalized).size > 0) {
      checkTensorReferences(normalized, new Map(found(await this.#store.listTensors(this.tenant, sessionId)).map((t) => [t.name, t])));
    }
    const blobs = this.#context.blobs;
    const blobRefs = blobs === undefined ? [] : await checkBlobReferences(blobs, this.tenant, normalized);
    const stored = await this.#store.appendTurns(this.tenant, sessionId, normalized);
    // After the append: a ref lost to a crash here leaves the blob to the orphan sweep, never a turn without its blob.
    if (blobRefs.length > 0) await blobs!.addRefs(this.tenant, sessionId, blobRefs);
    // After the append is durable: embedding never delays or fails it.
    this.#context.enrichment?.enqueue(this.tenant, sessionId, stored);
    // Profile extraction likewise runs after the acknowledgement, in its own queue.
    this.#context.profiles?.enqueue(this.tenant, sessionId, stored);
    const activity = this.#context.activity;
    if (activity !== undefined && stored.length > 0) {
      // Prefetch on: whose session this is, for the user's rhythm (one session read after the durable append).
      const last = stored.at(-1)!;
      // Best effort: without the record the rhythm is keyed by the session id (prefetch quality only, never the append).
      const sess = await this.#store.getSession(this.tenant, sessionId).catch(() => undefined);
      activity.touch(this.tenant, sess?.user_id ?? sessionId, sessionId, last.created_at, last.role === 'user');
    }
    return this.#changed(sessionId, stored);
  }

  /** This tenant's redaction mode (its policy, cached). */
  async #redactMode(): Promise<RedactMode> {
    return this.#context.quotas === undefined ? this.#opts.redact : (await this.#context.quotas.policy(this.tenant)).redact;
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
  async buildContext(sessionId: string, request: ContextRequestInput): Promise<ContextResult & ContextPolicyInfo & { profile?: ContextProfileExplanation; redaction?: ContextRedaction }> {
    const policy = this.#context.policy;
    if (request.strategy === 'adaptive' && policy !== undefined) return this.#adaptiveContext(sessionId, request, policy);
    const r = await this.#buildContext(sessionId, request, this.#context.options);
    const id = newId('ctx_', Date.now());
    policy?.served(this.tenant, id, sessionId, r.strategy === 'recency' ? 'recency' : 'balanced', contextKey(policyContext(r.usage.candidates, r.query)), false);
    return Object.assign(r, { id });
  }

  /** Strategy `adaptive`: the tenant's bandit picks an arm for the request's context. */
  async #adaptiveContext(
    sessionId: string,
    request: ContextRequestInput,
    policy: ContextPolicy,
  ): Promise<ContextResult & ContextPolicyInfo & { profile?: ContextProfileExplanation }> {
    const session = found(await this.#store.getSession(this.tenant, sessionId));
    const query = resolveQuery(request.query, Array.isArray(request.messages) ? checkMessages(request.messages) : []);
    const ctx = contextKey(policyContext(Math.min(session.turn_count, this.#opts.contextMaxTurns), query));
    const choice = await policy.choose(this.tenant, ctx);
    const arm = policy.arm(choice.arm)!;
    const base = this.#context.options;
    const opts = arm.weights === undefined ? base : { ...base, scorer: { ...base.scorer, weights: { ...base.scorer.weights, ...arm.weights } } };
    const r = await this.#buildContext(sessionId, { ...request, strategy: arm.strategy }, opts, session);
    const id = newId('ctx_', Date.now());
    policy.served(this.tenant, id, sessionId, arm.name, ctx, true);
    return Object.assign(r, { id, policy: { arm: arm.name, context: ctx, reason: `${arm.name} (${arm.description}): ${choice.reason}`, samples: choice.samples } });
  }

  /**
   * Feedback on a context response of this session (thumbs, task success or a score in [0, 1]); updates the
   * tenant's bandit statistics for the arm that served it. Throws SIRA_ERR_SESSION_NOT_FOUND,
   * SIRA_ERR_REQUEST_INVALID, SIRA_ERR_POLICY_CONTEXT_NOT_FOUND or SIRA_ERR_POLICY_FEEDBACK_EXISTS.
   */
  async feedback(sessionId: string, input: FeedbackInput): Promise<FeedbackResult> {
    const policy = this.#context.policy;
    found(await this.#store.getSession(this.tenant, sessionId));
    if (policy === undefined) throw siraError('SIRA_ERR_POLICY_CONTEXT_NOT_FOUND', 'the adaptive policy is not enabled');
    return policy.feedback(this.tenant, sessionId, input);
  }

  async #buildContext(
    sessionId: string,
    request: ContextRequestInput,
    options: ContextOptions,
    known?: Session,
  ): Promise<ContextResult & { profile?: ContextProfileExplanation; redaction?: ContextRedaction }> {
    const mode = await this.#redactMode();
    if (mode !== 'context') {
      const { turns, ...r } = await this.#buildWindow(sessionId, request, options, known);
      if (mode === 'off') return r;
      const selected = new Set(r.selected.map((t) => t.seq));
      return { ...r, redaction: { mode, counts: placeholdersIn(turns.filter((t) => selected.has(t.seq))) } };
    }
    // Redacted copies of everything the window is built from; the stored turns stay as they were sent.
    const counts: RedactionCounts = {};
    const redacted: ContextRequestInput = {
      ...request,
      ...(request.query === undefined ? {} : { query: redactText(request.query, counts) }),
      ...(Array.isArray(request.messages) ? { messages: redactMessages(request.messages, counts) } : {}),
    };
    const { turns: _turns, ...r } = await this.#buildWindow(sessionId, redacted, options, known, counts);
    return { ...r, redaction: { mode, counts } };
  }

  /** {@link #buildContext} for one set of inputs; with `counts`, stored turns, summaries and the profile block are redacted into it. */
  async #buildWindow(
    sessionId: string,
    request: ContextRequestInput,
    options: ContextOptions,
    known?: Session,
    counts?: RedactionCounts,
  ): Promise<ContextResult & { profile?: ContextProfileExplanation; turns: Turn[] }> {
    resolveStrategy(request.strategy);
    const { encoding } = resolveBudget(request.budget_tokens, request.model, request.reply_reserve_tokens, this.#context.options.defaultEncoding);
    if (request.messages !== undefined && !Array.isArray(request.messages)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'messages must be an array');
    const query = resolveQuery(request.query, Array.isArray(request.messages) ? checkMessages(request.messages) : []);
    const stored = found(await this.#store.getTurns(this.tenant, sessionId, { last: this.#opts.contextMaxTurns }));
    const turns = counts === undefined ? stored : redactTurns(stored, counts);
    const summarizer = request.strategy === 'recency' ? undefined : this.#context.summarizer;
    const storedSummary = summarizer === undefined ? undefined : await summarizer.get(this.tenant, sessionId);
    const rolling = storedSummary === undefined || counts === undefined ? storedSummary : { ...storedSummary, content: redactText(storedSummary.content, counts) };
    // The session record (its user) is read once, and only when the profile block or cross-session recall needs it.
    const crossSession = request.cross_session ?? this.#opts.crossSessionRecall;
    const wantsUser = (this.#context.profiles !== undefined && this.#opts.profileBlockMaxTokens > 0) || crossSession;
    const session = known ?? (wantsUser ? await this.#store.getSession(this.tenant, sessionId) : undefined);
    const profile = session === undefined ? undefined : await this.#profileBlock(session, encoding);
    const external = await this.#externalCandidates(session, request, query, crossSession);
    const enrichment = this.#context.enrichment;
    const scores =
      enrichment === undefined || request.strategy === 'recency'
        ? undefined
        : await enrichment.dense(this.tenant, sessionId, turns, query);
    // Bounded work (issue 11): per-turn analyses and counts are warmed a slice at a time under the request's time
    // budget, then the synchronous engine runs on warm caches with a tokenizer that stops it once the budget is spent.
    const budget = new WorkBudget(this.#opts.contextTimeBudgetMs);
    const exact = await loadTokenizer(encoding);
    await prepareTurns(turns, exact, this.#context.caches, { tenant: this.tenant, session: sessionId }, budget);
    if (Array.isArray(request.messages)) await prepareMessages(checkMessages(request.messages), exact, budget);
    await budget.pace('engine');
    const tok = budgetedTokenizer(exact, budget);
    const result = buildContextSync(
      {
        turns,
        query: request.query,
        messages: request.messages,
        budgetTokens: request.budget_tokens,
        model: request.model,
        replyReserveTokens: request.reply_reserve_tokens,
        strategy: request.strategy,
        explain: request.explain,
        includeReasoning: request.include_reasoning === true,
        // Redacted windows keep their own per-turn cache entries (their text differs from the stored turns').
        scope: { tenant: this.tenant, session: counts === undefined ? sessionId : `${sessionId}\u0000redacted` },
        dense: scores?.dense,
        ...(rolling === undefined ? {} : { rollingSummary: rolling }),
        ...(profile === undefined ? {} : { pinnedBlocks: [{ title: profile.block.title, content: counts === undefined ? profile.block.content : redactText(profile.block.content, counts) }] }),
        ...(external === undefined ? {} : { external }),
      },
      options,
      tok,
      this.#context.caches,
    );
    // Off the request path: when older turns were left out and the session outgrew its summary, refresh it.
    if (summarizer !== undefined && result.summary !== undefined && turns.length > 0) summarizer.maybeRefresh(this.tenant, sessionId, turns.at(-1)!.seq, storedSummary);
    if (scores !== undefined) result.usage.embedding = scores.usage;
    if (profile === undefined) return Object.assign(result, { turns });
    const included = result.pinned?.[0]?.included === true;
    return {
      ...result,
      turns,
      profile: {
        user_id: profile.user,
        tokens: included ? profile.block.tokens : 0,
        included,
        entries: included ? profile.block.included.map((e) => ({ id: e.id, slot: e.slot, value: e.value, polarity: e.polarity, confidence: e.confidence })) : [],
        omitted: included ? profile.block.omitted : profile.block.included.length + profile.block.omitted,
      },
    };
  }

  /** Candidates from outside the session: the agent's experiences, the user's earlier sessions (undefined: none asked). */
  async #externalCandidates(session: Session | undefined, request: ContextRequestInput, query: string, crossSession: boolean): Promise<ExternalCandidate[] | undefined> {
    if (request.agent_id === undefined && !crossSession) return undefined;
    if (request.agent_id !== undefined && !isValidId(request.agent_id)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'agent_id is not a valid id');
    const out: ExternalCandidate[] = [];
    if (request.agent_id !== undefined && this.#context.experiences !== undefined) out.push(...(await this.#context.experiences.candidates(this.tenant, request.agent_id, query)));
    if (crossSession && this.#context.recall !== undefined && session !== undefined && session.user_id !== null) {
      out.push(...(await this.#context.recall.candidates(this.tenant, session.user_id, session, query)));
    }
    return out;
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

  /**
   * Intent and quality of the session's newest `last` turns: resolution, repetition, frustration and sentiment
   * trend, each a score 0..1 with the seqs of its evidence. Throws SIRA_ERR_REQUEST_INVALID (`last`) or
   * SIRA_ERR_SESSION_NOT_FOUND.
   */
  async evaluateSession(sessionId: string, request: EvaluateRequestInput = {}): Promise<SessionEvaluation> {
    const max = this.#opts.contextMaxTurns;
    const last = request.last ?? max;
    if (!Number.isSafeInteger(last) || last < 1 || last > max) throw siraError('SIRA_ERR_REQUEST_INVALID', `last must be an integer 1..${max}`);
    const turns = found(await this.#store.getTurns(this.tenant, sessionId, { last }));
    this.#context.evaluator ??= new SessionEvaluator();
    // Quality features read each turn's first ANALYSIS_MAX_CHARS characters (bounded work per turn, issue 11).
    return this.#context.evaluator.evaluate(turns.map((t) => withTextHead(t, ANALYSIS_MAX_CHARS)), { intent: request.intent !== false, classifier: this.#intentClassifier() });
  }

  /**
   * The session intent classifier for this tenant: its own `default` model (POST /v1/intents/train), else the
   * built-in CLINC150 one. With neither (no artifact), classifying throws, so the evaluation reports
   * `intent: null` with `intent_error` and still scores quality.
   */
  #intentClassifier(): SessionIntentClassifier {
    const store = this.#store;
    const tenant = this.tenant;
    const c: { model?: { name: string; version: string }; classifySession: SessionIntentClassifier['classifySession'] } = {
      async classifySession(turns) {
        const r = await classifyTenantSession(store, tenant, turns.map((t) => ({ role: t.role, text: textHead(turnText(t), ANALYSIS_MAX_CHARS) })));
        if (r.model === null || r.fallback) throw siraError('SIRA_ERR_INTENT_MODEL_NOT_FOUND', 'no intent model is available (no tenant model and no built-in artifact)');
        c.model = { name: r.builtin ? `builtin:${r.model}` : r.model, version: r.builtin ? 'v1' : 'tenant' };
        return { label: r.label, confidence: r.confidence, distribution: r.distribution, out_of_scope: r.out_of_scope };
      },
    };
    return c;
  }

  /** The pinned profile block for a context request on this session, when its user has a profile. */
  async #profileBlock(session: Session, encoding: EncodingName) {
    const profiles = this.#context.profiles;
    if (profiles === undefined || this.#opts.profileBlockMaxTokens === 0 || session.user_id === null) return undefined;
    const block = await profiles.block(this.tenant, session.user_id, await loadTokenizer(encoding), this.#opts.profileBlockMaxTokens);
    return block === undefined ? undefined : { user: session.user_id, block };
  }

  /** The user's profile (current entries and history); throws SIRA_ERR_USER_ID_INVALID / SIRA_ERR_PROFILE_NOT_FOUND. */
  async getProfile(userId: string): Promise<StoredProfile> {
    const p = await this.#profiles(userId).get(this.tenant, userId);
    if (p === undefined) throw siraError('SIRA_ERR_PROFILE_NOT_FOUND');
    return p;
  }

  /**
   * Set or forget profile slots explicitly (explicit entries win over extracted ones); with `expectedVersion`, only
   * at that version (else SIRA_ERR_DOC_VERSION_CONFLICT). Throws SIRA_ERR_PROFILE_CHANGE_INVALID on a bad change.
   */
  async patchProfile(userId: string, change: ProfileChange, expectedVersion?: number): Promise<StoredProfile> {
    const profiles = this.#profiles(userId);
    checkProfileChange(change);
    return profiles.change(this.tenant, userId, change, expectedVersion);
  }

  /**
   * Forget a user's profile: the document (entries, history, evidence quotes) and the user's turns still queued
   * for extraction; with `sessions`, also delete every session of the user (their turns are the source the profile
   * was learned from). Idempotent.
   */
  async deleteProfile(userId: string, opts: { sessions?: boolean } = {}): Promise<ForgetReport & { sessions_deleted: number }> {
    const profiles = this.#profiles(userId);
    const ids = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.#store.listSessions(this.tenant, { user_id: userId, limit: this.#opts.limits.maxPageSize, ...(cursor === undefined ? {} : { cursor }) });
      for (const s of page.items) ids.add(s.id);
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    const report = await profiles.forget(this.tenant, userId, ids);
    let deleted = 0;
    if (opts.sessions === true) {
      for (const id of ids) {
        if (await this.#store.deleteSession(this.tenant, id)) {
          deleted++;
          this.#hub?.ended(this.tenant, id);
        }
      }
    }
    return { ...report, sessions_deleted: deleted };
  }

  /**
   * Erase a user everywhere: every session (turns, state, tensors, embeddings, summaries, events), the profile
   * (facts, evidence quotes, queued extraction), experiences whose metadata names the user or one of their
   * sessions, the user's recall index files, and in-process caches; with a master key, the user's data key is
   * destroyed so copies in freed pages are unreadable. Throws SIRA_ERR_USER_ID_INVALID. Idempotent.
   */
  async eraseUser(userId: string): Promise<UserErasure> {
    if (!isValidId(userId)) throw siraError('SIRA_ERR_USER_ID_INVALID', 'user ids are 1-128 chars of [A-Za-z0-9_.:-]');
    return eraseUser(this.#erasureParts(), this.tenant, userId);
  }

  #erasureParts(): ErasureParts {
    const c = this.#context;
    return { store: this.#store, profiles: c.profiles, experiences: c.experiences, recall: c.recall, activity: c.activity, turnCache: c.caches.turns, hub: this.#hub, blobs: c.blobs };
  }

  /** Erase this whole tenant (see {@link SiraSession.eraseTenant}). */
  eraseTenant(): Promise<TenantErasure & { users: number }> {
    return eraseTenant(this.#erasureParts(), this.tenant);
  }

  #profiles(userId: string): ProfileService {
    if (!isValidId(userId)) throw siraError('SIRA_ERR_USER_ID_INVALID', 'user ids are 1-128 chars of [A-Za-z0-9_.:-]');
    const p = this.#context.profiles;
    if (p === undefined) throw siraError('SIRA_ERR_PROFILE_NOT_FOUND', 'profiles are disabled on this service');
    return p;
  }

  /**
   * Train an intent model on labelled examples and store it as `name` (default `default`), replacing one of that
   * name. Throws SIRA_ERR_INTENT_EXAMPLES_INVALID (too few labels or examples per label, too many examples) or
   * SIRA_ERR_REQUEST_INVALID (bad name). Trained in-process; trainings run one at a time.
   */
  trainIntentModel(input: IntentTrainInput): Promise<TenantIntentModelInfo> {
    // Trained-at stamps use the wall clock: TenantSessions is not given the service clock.
    return trainTenantIntentModel(this.#store, this.tenant, input, Date.now);
  }

  /** This tenant's intent models, ascending by name. */
  listIntentModels(): Promise<TenantIntentModelInfo[]> {
    return listTenantIntentModels(this.#store, this.tenant);
  }

  /** Delete an intent model; throws SIRA_ERR_INTENT_MODEL_NOT_FOUND when there is none of that name. */
  async deleteIntentModel(name: string): Promise<void> {
    if (!(await deleteTenantIntentModel(this.#store, this.tenant, name))) throw siraError('SIRA_ERR_INTENT_MODEL_NOT_FOUND', `no intent model named ${name}`);
  }

  /**
   * Classify a text: with the tenant model `model`, else the built-in of that name (`clinc150`, `banking77`); with
   * no `model`, the tenant's `default` model, else built-in `clinc150`. `fallback: true` when no model is loaded.
   */
  classifyIntent(text: string, model?: string, topK?: number): Promise<IntentAnswer> {
    return classifyTenantIntent(this.#store, this.tenant, text, model, topK);
  }

  /** The session-level intent of a session's turns (user turns; recent ones weigh more); model as in {@link classifyIntent}. */
  async classifySessionIntent(sessionId: string, model?: string, opts?: SessionClassifyOptions): Promise<SessionIntentResult & { model: string | null; builtin: boolean }> {
    const turns = await this.getTurns(sessionId, { last: 50 });
    const texts = turns.map((t) => ({ role: t.role, text: t.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n') }));
    return classifyTenantSession(this.#store, this.tenant, texts, model, opts);
  }

  #experiences(): Experiences {
    if (this.#context.experiences === undefined) throw siraError('SIRA_ERR_INTERNAL', 'experiences are not enabled');
    return this.#context.experiences;
  }

  /** Store an agent trajectory; throws SIRA_ERR_EXPERIENCE_INVALID / SIRA_ERR_EXPERIENCE_EXISTS. */
  putExperience(input: unknown): Promise<Experience> {
    return this.#experiences().put(this.tenant, input);
  }

  /** An experience; throws SIRA_ERR_EXPERIENCE_NOT_FOUND. */
  getExperience(id: string): Promise<Experience> {
    return this.#experiences().get(this.tenant, id);
  }

  /** Delete an experience (and its index entry); throws SIRA_ERR_EXPERIENCE_NOT_FOUND. */
  deleteExperience(id: string): Promise<void> {
    return this.#experiences().delete(this.tenant, id);
  }

  /** The most useful past runs for a task, its cluster's statistics and lessons. */
  searchExperiences(query: ExperienceQuery): Promise<ExperienceSearchResult> {
    return this.#experiences().search(this.tenant, query);
  }

  /** Task clusters → strategies → outcomes, with counts. */
  experienceGraph(opts: { agent_id?: string; threshold?: number; limit?: number } = {}): Promise<ExperienceGraph> {
    return this.#experiences().graph(this.tenant, opts);
  }
}

/** A resume id past the newest event: the log it came from is gone (the session was deleted and re-created). */
function resumedPastEnd(afterId: number, lastId: number) {
  return siraError('SIRA_ERR_EVENTS_GAP', `event ${afterId} is past the newest event (${lastId}): the session was re-created`, {
    details: { first_retained_id: 1, last_id: lastId },
  });
}

const ATTRIBUTE_RE = /^[a-z][a-z_]{0,31}(?:\/[a-z][a-z_ -]{0,63})?$/;

/** Check an explicit profile change; throws SIRA_ERR_PROFILE_CHANGE_INVALID naming the first bad part. */
function checkProfileChange(change: ProfileChange): void {
  const bad = (what: string) => siraError('SIRA_ERR_PROFILE_CHANGE_INVALID', what);
  const set = change.set ?? [];
  const remove = change.remove ?? [];
  if (set.length === 0 && remove.length === 0) throw bad('give set or remove');
  if (set.length + remove.length > 100) throw bad('at most 100 changes at once');
  set.forEach((e, i) => {
    if (typeof e.attribute !== 'string' || !ATTRIBUTE_RE.test(e.attribute)) throw bad(`set[${i}].attribute must be like "diet" or "people/daughter"`);
    if (typeof e.value !== 'string' || e.value.trim() === '' || e.value.length > 200) throw bad(`set[${i}].value must be 1-200 characters`);
    if (e.polarity !== undefined && e.polarity !== 'positive' && e.polarity !== 'negative') throw bad(`set[${i}].polarity must be positive or negative`);
  });
  remove.forEach((slot, i) => {
    if (typeof slot !== 'string' || slot.length < 1 || slot.length > 300) throw bad(`remove[${i}] must be a slot name`);
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

  private constructor(options: SiraOptions, store: Store, clock: Clock, context: ContextOptions, embedder: Embedder | undefined) {
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
    this.#context.indexes = new VectorIndexes(store, { dir: join(options.dataDir, 'vector-index') });
    this.blobs = this.#context.blobs = new BlobStore(store, clock, { maxBlobBytes: options.limits.maxBlobBytes, maxTenantBlobBytes: options.limits.maxTenantBlobBytes });
    const writer =
      options.upstreamUrl !== undefined && options.lessonsModel !== undefined
        ? new LessonWriter(store, { url: options.upstreamUrl, apiKey: options.upstreamApiKey, model: options.lessonsModel, timeoutMs: options.upstreamTimeoutMs, clock })
        : undefined;
    this.#context.experiences = new Experiences(store, embedder ?? createHashingEmbedder(), this.#context.indexes, clock, writer);
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
        // A failed sweep loses nothing: what it did not delete is still due at the next tick.
        this.sweepRetention().catch(() => {});
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
    const clock = deps.clock ?? systemClock;
    const rawEmbedder = deps.embedder ?? embedderFromOptions(options);
    const embedder = options.tracing && rawEmbedder !== undefined ? traceEmbedder(rawEmbedder) : rawEmbedder;
    const rawStore = deps.store ?? (await openStore(options, clock));
    const store = options.tracing ? traceStore(rawStore, options.store) : rawStore;
    const sira = new SiraSession(options, store, clock, context, embedder);
    if (deps.workspaces !== undefined) sira.workspaceOptions = deps.workspaces;
    sira.#context.evaluator = new SessionEvaluator({ intent: deps.intentClassifier, quality: deps.qualityModel });
    sira.#attachWakeups();
    return sira;
  }

  #wakeups: EventWakeSource | undefined;

  /**
   * Redis or NATS with `eventWakeups: 'pubsub'`: events written through other instances reach this one's
   * subscribers at once (Redis pub/sub; on NATS an ordered consumer on the heads stream).
   */
  #attachWakeups(): void {
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
      t = new TenantSessions(tenant, this.store, this.options, this.#context, this.events);
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
