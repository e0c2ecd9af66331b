/**
 * @module sira/types
 * The types the library facade shares between its files: what can be injected ({@link SiraDeps}), the request
 * inputs of context building and evaluation, the parts of a service its tenants share ({@link ContextEngine}) and
 * the scope one tenant's operations run in ({@link TenantScope}).
 */
import { siraError, type Clock, type SiraOptions } from '../core/index.ts';
import type { RedactMode } from '../core/quota-config.ts';
import type { ContextCaches, ContextOptions, ContextOptionsInput } from '../memory/index.ts';
import type { Enrichment } from '../memory/index.ts';
import type { SessionEvaluator, QualityModel, SessionIntentClassifier } from '../memory/evaluate/index.ts';
import type { Experiences, ExperiencesOptions } from '../memory/experiences/index.ts';
import type { ActivityLog, ContextPolicy } from '../memory/policy/index.ts';
import type { ProfileService } from '../memory/profile/index.ts';
import type { Quotas } from '../memory/quotas/index.ts';
import type { SessionRecall } from '../memory/recall.ts';
import type { RedactionCounts } from '../memory/redact/index.ts';
import type { RollingSummarizer } from '../memory/rolling-summary.ts';
import type { VectorIndexes } from '../memory/vector-index.ts';
import type { WorkspaceOptions } from '../memory/workspaces/index.ts';
import type { Embedder } from '../models/index.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { EventHub, EventWakeSource, Store } from '../storage/index.ts';

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
  /**
   * Wake-ups from other processes on the same store, started and closed by the service (`serve --workers`: the
   * cluster relay of cli/cluster-worker). @default Redis pub/sub or NATS heads with `eventWakeups: 'pubsub'`, else none
   */
  wakeups?: EventWakeSource;
  /** Directory of the HNSW index files (one per process where several share a data directory). @default `<dataDir>/vector-index` */
  vectorIndexDir?: string;
  /** Experience search tunables (neighbours, cluster split, term match). */
  experiences?: Partial<ExperiencesOptions>;
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

/** The parts of a service its tenants share: context options and per-turn caches, and the optional services. */
export interface ContextEngine {
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

/** What one tenant's operations run with: its id, the service's store, options, shared parts, event hub and clock. */
export interface TenantScope {
  readonly tenant: string;
  readonly store: Store;
  readonly opts: SiraOptions;
  readonly context: ContextEngine;
  readonly hub: EventHub | undefined;
  readonly clock: Clock;
}

/** `v`, or SIRA_ERR_SESSION_NOT_FOUND when it is undefined (a missing, expired or other tenant's session). */
export function found<T>(v: T | undefined): T {
  if (v === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
  return v;
}
