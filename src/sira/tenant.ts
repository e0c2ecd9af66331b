/**
 * @module sira/tenant
 * {@link TenantSessions}: one tenant's operations. Sessions, turns, state, tensors and events are here; context
 * building (sira/context), users' profiles and erasure (sira/people), evaluation, intents and experiences
 * (sira/learning) live in their own files and are reached through the same object.
 */
import {
  checkMetadata,
  checkState,
  checkTtl,
  isValidId,
  isValidTensorName,
  normalizeTurns,
  siraError,
  validateTensor,
  type JsonObject,
  type NewSession,
  type Page,
  type Session,
  type SessionPatch,
  type StateRecord,
  type Tensor,
  type TensorInfo,
  type Turn,
  type TurnInput,
  type TurnRange,
} from '../core/index.ts';
import { checkTensorReferences, referencedTensors } from '../core/parts.ts';
import type { UserErasure } from '../erasure.ts';
import { checkBlobReferences } from '../storage/blob-store.ts';
import type { EnrichmentStatus } from '../memory/index.ts';
import type { SessionEvaluation } from '../memory/evaluate/index.ts';
import type { Experience, ExperienceGraph, ExperienceQuery, ExperienceSearchResult } from '../memory/experiences/index.ts';
import type { IntentAnswer, IntentTrainInput, TenantIntentModelInfo } from '../memory/intents.ts';
import type { FeedbackInput, FeedbackResult } from '../memory/policy/index.ts';
import type { ForgetReport, ProfileChange, StoredProfile } from '../memory/profile/index.ts';
import { redactTurns } from '../memory/redact/index.ts';
import { isBackingId } from '../memory/workspaces/index.ts';
import type { SessionClassifyOptions, SessionIntentResult } from '../models/intent/index.ts';
import type { EventSubscriber, Subscription } from '../storage/index.ts';
import type { EventPage, ListSessionsOptions, TenantErasure } from '../storage/store.ts';
import { buildContext, contextFeedback, redactMode, type ContextResponse } from './context.ts';
import { classifyIntent, classifyTurnsIntent, deleteIntentModel, evaluateSession, experiencesOf, listIntentModels, trainIntentModel } from './learning.ts';
import { deleteProfile, eraseTenantUser, eraseWholeTenant, getProfile, patchProfile } from './people.ts';
import { found, type ContextRequestInput, type EvaluateRequestInput, type TenantScope } from './types.ts';

/** Operations on one tenant's data; every id is scoped to the tenant. */
export class TenantSessions {
  readonly tenant: string;
  readonly #s: TenantScope;

  constructor(scope: TenantScope) {
    this.tenant = scope.tenant;
    this.#s = scope;
  }

  /** Tell this process's subscribers of `sessionId` that an acknowledged write appended events. */
  #changed<T>(sessionId: string, result: T): T {
    this.#s.hub?.notify(this.tenant, sessionId);
    return result;
  }

  /** Create a session; throws SIRA_ERR_SESSION_EXISTS / SIRA_ERR_SESSION_ID_INVALID / SIRA_ERR_REQUEST_INVALID. */
  async createSession(input: NewSession = {}): Promise<Session> {
    if (input.id !== undefined && !isValidId(input.id)) throw siraError('SIRA_ERR_SESSION_ID_INVALID', 'session id must be 1-128 chars of [A-Za-z0-9_.:-]');
    for (const k of ['user_id', 'agent_id'] as const) {
      const v = input[k];
      if (v !== undefined && v !== null && !isValidId(v)) throw siraError('SIRA_ERR_REQUEST_INVALID', `${k} is not a valid id`);
    }
    const ttl = input.ttl_seconds === undefined ? this.#s.opts.defaultTtlSeconds : checkTtl(input.ttl_seconds);
    const s = await this.#s.store.createSession(this.tenant, {
      ...input,
      ttl_seconds: ttl,
      metadata: input.metadata === undefined ? {} : checkMetadata(input.metadata, this.#s.opts.limits),
    });
    return this.#changed(s.id, s);
  }

  /** The session; throws SIRA_ERR_SESSION_NOT_FOUND when missing or expired. */
  async getSession(id: string): Promise<Session> {
    return found(await this.#s.store.getSession(this.tenant, id));
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
    if (patch.metadata !== undefined) p.metadata = checkMetadata(patch.metadata, this.#s.opts.limits);
    return this.#changed(id, found(await this.#s.store.updateSession(this.tenant, id, p)));
  }

  /** Delete a session and everything in it; throws SIRA_ERR_SESSION_NOT_FOUND. */
  async deleteSession(id: string): Promise<void> {
    const user = this.#s.context.profiles === undefined ? undefined : (await this.#s.store.getSession(this.tenant, id))?.user_id;
    if (!(await this.#s.store.deleteSession(this.tenant, id))) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
    this.#s.hub?.ended(this.tenant, id);
    await this.#s.context.blobs?.dropSessions(this.tenant, [id]);
    // What the profile learned from this session's turns goes with them.
    if (user !== undefined && user !== null) await this.#s.context.profiles!.forgetSession(this.tenant, user, id);
  }

  /** Live sessions, newest first, paged with an opaque cursor. */
  async listSessions(opts: ListSessionsOptions = {}): Promise<Page<Session>> {
    const limit = opts.limit ?? Math.min(100, this.#s.opts.limits.maxPageSize);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.#s.opts.limits.maxPageSize) {
      throw siraError('SIRA_ERR_REQUEST_INVALID', `limit must be 1..${this.#s.opts.limits.maxPageSize}`);
    }
    // A user id is an id (1-128 chars of [A-Za-z0-9_.:-]); a longer one would overflow the index key (found by the fuzz run).
    if (opts.user_id !== undefined && !isValidId(opts.user_id)) throw siraError('SIRA_ERR_REQUEST_INVALID', 'user_id is not a valid id (1-128 characters of A-Z a-z 0-9 _ . : -)');
    const page = await this.#s.store.listSessions(this.tenant, { ...opts, limit });
    // Workspaces are backed by sessions with reserved ids (memory/workspaces/model.ts): not the client's sessions.
    return { ...page, items: page.items.filter((s) => !isBackingId(s.id)) };
  }

  /**
   * Append turns atomically; returns them with their seqs. Throws on bad input before storing anything, including
   * SIRA_ERR_TURN_TENSOR_NOT_FOUND for a `tensor` or `time_series` part naming a tensor the session does not hold, and
   * SIRA_ERR_TURN_INVALID for a time series whose tensor is not [channels, samples] (checked just before the append: a
   * tensor deleted concurrently can still leave a dangling reference, rendered by name).
   */
  async appendTurns(sessionId: string, turns: TurnInput[]): Promise<Turn[]> {
    let normalized = normalizeTurns(turns, this.#s.opts.limits);
    if ((await redactMode(this.#s)) === 'store') normalized = redactTurns(normalized, {});
    if (referencedTensors(normalized).size > 0) {
      checkTensorReferences(normalized, new Map(found(await this.#s.store.listTensors(this.tenant, sessionId)).map((t) => [t.name, t])));
    }
    const blobs = this.#s.context.blobs;
    const blobRefs = blobs === undefined ? [] : await checkBlobReferences(blobs, this.tenant, normalized);
    const stored = await this.#s.store.appendTurns(this.tenant, sessionId, normalized);
    // After the append: a ref lost to a crash here leaves the blob to the orphan sweep, never a turn without its blob.
    if (blobRefs.length > 0) await blobs!.addRefs(this.tenant, sessionId, blobRefs);
    // After the append is durable: embedding never delays or fails it.
    this.#s.context.enrichment?.enqueue(this.tenant, sessionId, stored);
    // Profile extraction likewise runs after the acknowledgement, in its own queue.
    this.#s.context.profiles?.enqueue(this.tenant, sessionId, stored);
    const activity = this.#s.context.activity;
    if (activity !== undefined && stored.length > 0) {
      // Prefetch on: whose session this is, for the user's rhythm (one session read after the durable append).
      const last = stored.at(-1)!;
      // Best effort: without the record the rhythm is keyed by the session id (prefetch quality only, never the append).
      const sess = await this.#s.store.getSession(this.tenant, sessionId).catch(() => undefined);
      activity.touch(this.tenant, sess?.user_id ?? sessionId, sessionId, last.created_at, last.role === 'user');
    }
    return this.#changed(sessionId, stored);
  }

  /**
   * Which of the session's newest `contextMaxTurns` turns are embedded (`done`, searchable by meaning) and which
   * are still `pending`. Throws SIRA_ERR_SESSION_NOT_FOUND.
   */
  async enrichmentStatus(sessionId: string): Promise<EnrichmentStatus> {
    const turns = found(await this.#s.store.getTurns(this.tenant, sessionId, { last: this.#s.opts.contextMaxTurns }));
    const seqs = turns.map((t) => t.seq);
    const e = this.#s.context.enrichment;
    if (e === undefined) return { embedder: null, done: 0, pending: seqs.length, pending_seqs: seqs.slice(0, 1000) };
    return e.status(this.tenant, sessionId, seqs);
  }

  /** Turns ascending; `{last: N}` gives the newest N in chronological order. Throws SIRA_ERR_SESSION_NOT_FOUND. */
  async getTurns(sessionId: string, range: TurnRange = {}): Promise<Turn[]> {
    const max = this.#s.opts.limits.maxPageSize;
    if ('last' in range) {
      if (!Number.isSafeInteger(range.last) || range.last < 1 || range.last > max) throw siraError('SIRA_ERR_TURN_RANGE_INVALID', `last must be 1..${max}`);
    } else {
      const { after_seq, before_seq, limit } = range;
      for (const [k, v] of Object.entries({ after_seq, before_seq })) {
        if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw siraError('SIRA_ERR_TURN_RANGE_INVALID', `${k} must be an integer ≥ 0`);
      }
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > max)) throw siraError('SIRA_ERR_TURN_RANGE_INVALID', `limit must be 1..${max}`);
    }
    return found(await this.#s.store.getTurns(this.tenant, sessionId, range));
  }


  /** The state and its version (version 0 and `{}` when never written). */
  async getState(sessionId: string): Promise<StateRecord> {
    return found(await this.#s.store.getState(this.tenant, sessionId));
  }

  /** Replace the state; with `expectedVersion`, only if it is current (else SIRA_ERR_STATE_VERSION_CONFLICT). */
  async putState(sessionId: string, value: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#changed(sessionId, await this.#s.store.putState(this.tenant, sessionId, checkState(value, this.#s.opts.limits), expectedVersion));
  }

  /** JSON merge-patch (RFC 7396) the state under the same version rule. */
  async patchState(sessionId: string, patch: JsonObject, expectedVersion?: number): Promise<StateRecord> {
    return this.#changed(sessionId, await this.#s.store.patchState(this.tenant, sessionId, checkState(patch, this.#s.opts.limits), expectedVersion));
  }

  /** Store a named tensor after checking dtype, shape and byte length. */
  async putTensor(sessionId: string, name: string, tensor: Tensor): Promise<TensorInfo> {
    if (!isValidTensorName(name)) throw siraError('SIRA_ERR_TENSOR_NAME_INVALID', 'tensor names are 1-128 chars of [A-Za-z0-9_.:/-]');
    validateTensor(tensor, this.#s.opts.limits);
    return this.#changed(sessionId, await this.#s.store.putTensor(this.tenant, sessionId, name, tensor));
  }

  /** The tensor (bytes are a copy the caller owns); throws SIRA_ERR_TENSOR_NOT_FOUND / SIRA_ERR_SESSION_NOT_FOUND. */
  async getTensor(sessionId: string, name: string): Promise<Tensor> {
    const t = await this.#s.store.getTensor(this.tenant, sessionId, name);
    if (t === undefined) {
      await this.getSession(sessionId);
      throw siraError('SIRA_ERR_TENSOR_NOT_FOUND');
    }
    return t;
  }

  /** Tensor metadata of a session. */
  async listTensors(sessionId: string): Promise<TensorInfo[]> {
    // Names starting with '_' are the service's own (embeddings); clients cannot create them and do not see them.
    return found(await this.#s.store.listTensors(this.tenant, sessionId)).filter((t) => !t.name.startsWith('_'));
  }

  /** Delete a tensor; throws SIRA_ERR_TENSOR_NOT_FOUND when it (or the session) is missing. */
  async deleteTensor(sessionId: string, name: string): Promise<void> {
    if (!(await this.#s.store.deleteTensor(this.tenant, sessionId, name))) {
      await this.getSession(sessionId);
      throw siraError('SIRA_ERR_TENSOR_NOT_FOUND');
    }
    this.#s.hub?.notify(this.tenant, sessionId);
  }

  /**
   * A page of the session's event log after `afterId` (1..limits.maxPageSize events). Throws
   * SIRA_ERR_EVENTS_AFTER_INVALID, SIRA_ERR_EVENTS_GAP (trimmed, or `afterId` past the newest event: a re-created
   * session) or SIRA_ERR_SESSION_NOT_FOUND.
   */
  async readEvents(sessionId: string, afterId: number, limit = 100): Promise<EventPage> {
    const max = this.#s.opts.limits.maxPageSize;
    if (!Number.isSafeInteger(afterId) || afterId < 0) throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', 'after must be an integer ≥ 0');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) throw siraError('SIRA_ERR_EVENTS_AFTER_INVALID', `limit must be 1..${max}`);
    const page = found(await this.#s.store.readEvents(this.tenant, sessionId, afterId, limit));
    if (afterId > page.last_id) throw resumedPastEnd(afterId, page.last_id);
    return page;
  }

  /**
   * Subscribe to the session's events after `afterId` (undefined: only events from now on). Checks first that the
   * session exists and the id is retained, throwing as {@link readEvents} does; then the subscriber gets the missed
   * events from the log followed by live ones, with no gap and no duplicate.
   */
  async subscribe(sessionId: string, afterId: number | undefined, subscriber: EventSubscriber): Promise<Subscription> {
    if (this.#s.hub === undefined) throw siraError('SIRA_ERR_INTERNAL', 'events are not enabled');
    const page = await this.readEvents(sessionId, afterId ?? 0, 1);
    return this.#s.hub.subscribe(this.tenant, sessionId, afterId ?? page.last_id, subscriber);
  }

  /**
   * The context window for the session's next model call: its newest `contextMaxTurns` turns scored, selected under
   * the budget, compressed and summarised, as OpenAI messages with an explanation. The request is resolved once,
   * here. Throws SIRA_ERR_CONTEXT_BUDGET_INVALID / _BUDGET_TOO_SMALL / _MODEL_UNKNOWN / _TIME_EXCEEDED,
   * SIRA_ERR_REQUEST_INVALID (strategy, messages, agent_id) or SIRA_ERR_SESSION_NOT_FOUND.
   */
  buildContext(sessionId: string, request: ContextRequestInput): Promise<ContextResponse> {
    return buildContext(this.#s, sessionId, request);
  }

  /**
   * Feedback on a context response of this session (thumbs, task success or a score in [0, 1]); updates the
   * tenant's bandit statistics for the arm that served it. Throws SIRA_ERR_SESSION_NOT_FOUND,
   * SIRA_ERR_REQUEST_INVALID, SIRA_ERR_POLICY_CONTEXT_NOT_FOUND or SIRA_ERR_POLICY_FEEDBACK_EXISTS.
   */
  feedback(sessionId: string, input: FeedbackInput): Promise<FeedbackResult> {
    return contextFeedback(this.#s, sessionId, input);
  }

  /**
   * Intent and quality of the session's newest `last` turns: resolution, repetition, frustration and sentiment
   * trend, each a score 0..1 with the seqs of its evidence. Throws SIRA_ERR_REQUEST_INVALID (`last`) or
   * SIRA_ERR_SESSION_NOT_FOUND.
   */
  evaluateSession(sessionId: string, request: EvaluateRequestInput = {}): Promise<SessionEvaluation> {
    return evaluateSession(this.#s, sessionId, request);
  }

  /** The user's profile (current entries and history); throws SIRA_ERR_USER_ID_INVALID / SIRA_ERR_PROFILE_NOT_FOUND. */
  getProfile(userId: string): Promise<StoredProfile> {
    return getProfile(this.#s, userId);
  }

  /**
   * Set or forget profile slots explicitly (explicit entries win over extracted ones); with `expectedVersion`, only
   * at that version (else SIRA_ERR_DOC_VERSION_CONFLICT). Throws SIRA_ERR_PROFILE_CHANGE_INVALID on a bad change.
   */
  patchProfile(userId: string, change: ProfileChange, expectedVersion?: number): Promise<StoredProfile> {
    return patchProfile(this.#s, userId, change, expectedVersion);
  }

  /**
   * Forget a user's profile (document, evidence quotes, queued extraction); with `sessions`, also delete every
   * session of the user. Idempotent.
   */
  deleteProfile(userId: string, opts: { sessions?: boolean } = {}): Promise<ForgetReport & { sessions_deleted: number }> {
    return deleteProfile(this.#s, userId, opts);
  }

  /**
   * Erase a user everywhere: every session (turns, state, tensors, embeddings, summaries, events), the profile
   * (facts, evidence quotes, queued extraction), experiences whose metadata names the user or one of their
   * sessions, the user's recall index files, and in-process caches; with a master key, the user's data key is
   * destroyed so copies in freed pages are unreadable. Throws SIRA_ERR_USER_ID_INVALID. Idempotent.
   */
  eraseUser(userId: string): Promise<UserErasure> {
    return eraseTenantUser(this.#s, userId);
  }

  /** Erase this whole tenant (see {@link SiraSession.eraseTenant}). */
  eraseTenant(): Promise<TenantErasure & { users: number }> {
    return eraseWholeTenant(this.#s);
  }

  /**
   * Train an intent model on labelled examples and store it as `name` (default `default`), replacing one of that
   * name. Throws SIRA_ERR_INTENT_EXAMPLES_INVALID (too few labels or examples per label, too many examples) or
   * SIRA_ERR_REQUEST_INVALID (bad name). Trained in-process; trainings run one at a time.
   */
  trainIntentModel(input: IntentTrainInput): Promise<TenantIntentModelInfo> {
    return trainIntentModel(this.#s, input);
  }

  /** This tenant's intent models, ascending by name. */
  listIntentModels(): Promise<TenantIntentModelInfo[]> {
    return listIntentModels(this.#s);
  }

  /** Delete an intent model; throws SIRA_ERR_INTENT_MODEL_NOT_FOUND when there is none of that name. */
  deleteIntentModel(name: string): Promise<void> {
    return deleteIntentModel(this.#s, name);
  }

  /**
   * Classify a text: with the tenant model `model`, else the built-in of that name (`clinc150`, `banking77`); with
   * no `model`, the tenant's `default` model, else built-in `clinc150`. `fallback: true` when no model is loaded.
   */
  classifyIntent(text: string, model?: string, topK?: number): Promise<IntentAnswer> {
    return classifyIntent(this.#s, text, model, topK);
  }

  /** The session-level intent of a session's turns (user turns; recent ones weigh more); model as in {@link classifyIntent}. */
  async classifySessionIntent(sessionId: string, model?: string, opts?: SessionClassifyOptions): Promise<SessionIntentResult & { model: string | null; builtin: boolean }> {
    return classifyTurnsIntent(this.#s, await this.getTurns(sessionId, { last: 50 }), model, opts);
  }

  /** Store an agent trajectory; throws SIRA_ERR_EXPERIENCE_INVALID / SIRA_ERR_EXPERIENCE_EXISTS. */
  putExperience(input: unknown): Promise<Experience> {
    return experiencesOf(this.#s).put(this.tenant, input);
  }

  /** An experience; throws SIRA_ERR_EXPERIENCE_NOT_FOUND. */
  getExperience(id: string): Promise<Experience> {
    return experiencesOf(this.#s).get(this.tenant, id);
  }

  /** Delete an experience (and its index entry); throws SIRA_ERR_EXPERIENCE_NOT_FOUND. */
  deleteExperience(id: string): Promise<void> {
    return experiencesOf(this.#s).delete(this.tenant, id);
  }

  /** The most useful past runs for a task, its cluster's statistics and lessons. */
  searchExperiences(query: ExperienceQuery): Promise<ExperienceSearchResult> {
    return experiencesOf(this.#s).search(this.tenant, query);
  }

  /** Task clusters → strategies → outcomes, with counts. */
  experienceGraph(opts: { agent_id?: string; threshold?: number; limit?: number } = {}): Promise<ExperienceGraph> {
    return experiencesOf(this.#s).graph(this.tenant, opts);
  }
}

/** A resume id past the newest event: the log it came from is gone (the session was deleted and re-created). */
function resumedPastEnd(afterId: number, lastId: number) {
  return siraError('SIRA_ERR_EVENTS_GAP', `event ${afterId} is past the newest event (${lastId}): the session was re-created`, {
    details: { first_retained_id: 1, last_id: lastId },
  });
}
