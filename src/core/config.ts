/**
 * @module core/config
 * One options type, one frozen set of defaults, validated at boot. Environment variables (`SIRA_*`) and CLI
 * flags are folded into the same object by {@link resolveConfig}.
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { siraError } from './errors.ts';
import { DEFAULT_OVERLOAD, OverloadOptionsSchema, type OverloadOptions } from './overload-config.ts';
import { DEFAULT_QUOTAS, QuotaLimitsSchema, RedactModeSchema, TenantPoliciesSchema, type QuotaLimits, type RedactMode, type TenantPolicy } from './quota-config.ts';

/** Hard limits on what one request may carry; exceeding one is answered 400/413 and stores nothing. */
export interface Limits {
  /** Largest HTTP body in bytes. @default 16777216 (16 MiB) */
  maxBodyBytes: number;
  /** Most turns in one append batch. @default 1000 */
  maxTurnsPerBatch: number;
  /** Most parts in one turn. @default 256 */
  maxPartsPerTurn: number;
  /** Longest text (text, tool arguments, tool results) in UTF-16 code units. @default 1048576 */
  maxTextLength: number;
  /** Largest inline media part in bytes. @default 8388608 (8 MiB) */
  maxMediaBytes: number;
  /** Largest encoded metadata object in bytes (JSON). @default 65536 */
  maxMetadataBytes: number;
  /** Largest state document in bytes (JSON). @default 1048576 */
  maxStateBytes: number;
  /** Largest tensor in bytes. @default 67108864 (64 MiB) */
  maxTensorBytes: number;
  /** Highest tensor rank. @default 8 */
  maxTensorRank: number;
  /** Most tensors per session. @default 1024 */
  maxTensorsPerSession: number;
  /** Most items one list call returns. @default 1000 */
  maxPageSize: number;
}

/** When an acknowledged write is safe: `os` = handed to the OS (survives a killed process), `always` = fsynced. */
export type SyncMode = 'os' | 'always';

/** Service and library options. */
export interface SiraOptions {
  /**
   * Which store: `lmdb` (embedded, under `dataDir`), `redis://[user:pass@]host:port[/db]` (`rediss://` for TLS)
   * or `redis-cluster://[user:pass@]host:port,host:port,…` (any seed nodes of a Cluster), or
   * `nats://[user:pass@]host:port[,host:port…]` (NATS JetStream: Raft-replicated KV buckets). @default 'lmdb'
   */
  store: string;
  /** NATS: prefix of the bucket names (`<prefix>_heads` …), 1..40 of [A-Za-z0-9_-]. @default 'sira' */
  natsBucketPrefix: string;
  /** NATS: replicas of each bucket (1..5); 0 = 3 when the server is in a cluster, else 1. @default 0 */
  natsReplicas: number;
  /** Prefix of every Redis key (several deployments can share a Redis); no `{` or `}`. @default 'sira:' */
  redisKeyPrefix: string;
  /** Directory of the embedded store. @default './.sira-data' */
  dataDir: string;
  /** Durability of acknowledged writes. @default 'os' */
  sync: SyncMode;
  /** Address to listen on. @default '127.0.0.1' */
  host: string;
  /** Port to listen on. @default 8080 */
  port: number;
  /** Require API keys. Turning this off is refused on a non-loopback host. @default true */
  auth: boolean;
  /** A key for tenant `default`, taken from env SIRA_BOOTSTRAP_KEY. @default undefined */
  bootstrapKey: string | undefined;
  /** Sweep expired sessions every this many ms (0 = never). @default 1000 */
  sweepIntervalMs: number;
  /** Default TTL for new sessions in seconds (null = none). @default null */
  defaultTtlSeconds: number | null;
  /** How long an `Idempotency-Key` answer is replayed, in seconds (env SIRA_IDEMPOTENCY_TTL_SECONDS). @default 86400 */
  idempotencyTtlSeconds: number;
  /** Compress text parts at least this long (bytes) with zstd. @default 64 */
  compressMinBytes: number;
  /** Secret for encryption at rest (env SIRA_ENCRYPTION_KEY, ≥ 32 chars), or undefined for none. @default undefined */
  encryptionKey: string | undefined;
  /**
   * Master key (env SIRA_MASTER_KEY: 64 hex digits, base64 of 32 bytes, or a passphrase ≥ 32 chars): turns on
   * per-user / per-tenant data keys (AES-256-GCM) sealing every stored value, and crypto-shredding on erasure.
   * At most one of masterKey, masterKeyFile, masterKeyCommand. @default undefined (values plain)
   */
  masterKey: string | undefined;
  /** A file holding the master key (env SIRA_MASTER_KEY_FILE). @default undefined */
  masterKeyFile: string | undefined;
  /** A shell command printing the master key, run once at start (env SIRA_MASTER_KEY_COMMAND). @default undefined */
  masterKeyCommand: string | undefined;
  /** Older master keys, still accepted to unwrap data keys during a rotation (env SIRA_MASTER_KEY_PREVIOUS, comma-separated). @default [] */
  masterKeyPrevious: string[];
  /** LMDB map size in bytes (address space, not disk). @default 68719476736 (64 GiB) */
  mapSize: number;
  /** Log level. @default 'info' */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Ms to let in-flight requests finish on shutdown. @default 10000 */
  shutdownGraceMs: number;
  /** A context request considers at most this many of the session's newest turns. @default 2000 */
  contextMaxTurns: number;
  /**
   * Ms of work (CPU time of the event-loop thread) a context build (`/context`, `/context/enrich`, the chat proxy) may take before it is refused with
   * SIRA_ERR_CONTEXT_TIME_EXCEEDED (503, Retry-After); checked between slices of at most 10 ms, the event loop free
   * between them. The engine's final pass on warm caches is not charged. 0 disables the budget. @default 150
   */
  contextTimeBudgetMs: number;
  /**
   * Embedding provider for dense relevance and experience search: `static` (the default: a 256-d table distilled
   * from USE-lite, data/models/static-embed, pure TypeScript, microseconds per text, embedded inline at append),
   * `none` (the opt-out: lexical only), `offline` (Universal Sentence Encoder lite shipped in the package, no
   * network, loaded on first use, in a worker), `openai` (an OpenAI-compatible `/v1/embeddings`; needs
   * `embedderUrl`, `embedderModel`, `embedderDim`) or `onnx` (a sentence-transformers ONNX model: `embedderModel`
   * is a local directory, or a Hub name with `embedderAllowRemote`). @default 'static'
   */
  embedder: 'none' | 'static' | 'offline' | 'openai' | 'onnx';
  /** Base URL of the `openai` embedder up to `/v1`. @default undefined */
  embedderUrl: string | undefined;
  /** Model name sent to the `openai` embedder. @default undefined */
  embedderModel: string | undefined;
  /** Vector length of the `openai` embedder's model. @default undefined */
  embedderDim: number | undefined;
  /** Bearer key for the `openai` embedder (env SIRA_EMBEDDER_API_KEY). @default undefined */
  embedderApiKey: string | undefined;
  /** Execution provider of the `onnx` embedder. @default 'cpu' */
  embedderDevice: 'cpu' | 'webgpu';
  /** Let the `onnx` embedder download a Hub model (once, cached). @default false */
  embedderAllowRemote: boolean;
  /** Turns per embedding batch. @default 16 */
  embedBatchSize: number;
  /** Longest a written turn waits for its batch to fill (ms). @default 25 */
  embedMaxDelayMs: number;
  /** Most turns waiting for embedding; beyond it new turns stay `pending` until backfilled. @default 10000 */
  embedQueueMax: number;
  /** Events kept in each session's durable log; resuming before them is SIRA_ERR_EVENTS_GAP. @default 10000 */
  eventRetention: number;
  /**
   * Ms between reads of the event log for sessions with subscribers in this process, so that writes made through
   * other instances (and expiry) reach them; writes through this process are pushed at once. 0 = never. @default 250
   */
  eventPollIntervalMs: number;
  /** Ms between `: ping` comments on an idle event stream. @default 15000 */
  eventHeartbeatMs: number;
  /** Base URL of the OpenAI-compatible upstream of `POST /v1/chat/completions`, up to `/v1`. @default undefined */
  upstreamUrl: string | undefined;
  /** Bearer key sent to the upstream (env SIRA_UPSTREAM_API_KEY); the caller's own key is for Sira. @default undefined */
  upstreamApiKey: string | undefined;
  /** Ms to wait for the upstream's response headers (and a non-streamed body) before answering 504. @default 60000 */
  upstreamTimeoutMs: number;
  /**
   * Models counted exactly with their own Hugging Face `tokenizer.json` (env SIRA_MODELS, a JSON array):
   * `[{id, tokenizer: <dir or file>, context_window, max_output_tokens?}]`; they take precedence over the built-in
   * registry. @default []
   */
  models: { id: string; tokenizer: string; context_window: number; max_output_tokens?: number }[];
  /**
   * Chat model that writes abstractive rolling summaries off the request path (an OpenAI-compatible endpoint);
   * unset = extractive summaries only. @default undefined
   */
  summaryModel: string | undefined;
  /** Base URL up to `/v1` of the summary model's endpoint. @default upstreamUrl */
  summaryUrl: string | undefined;
  /** Bearer key for the summary endpoint (env SIRA_SUMMARY_API_KEY). @default upstreamApiKey */
  summaryApiKey: string | undefined;
  /** Refresh a session's summary once this many turns are past what it covers. @default 20 */
  summaryEveryTurns: number;
  /**
   * Bytes a WebSocket connection may have waiting to be sent; above it, its subscriptions pause (events wait in
   * the durable log) until the client has read half of it. @default 4194304
   */
  wsMaxBufferedBytes: number;
  /**
   * Ms a WebSocket client may stay over `wsMaxBufferedBytes` (not reading) before it is closed with code 4008
   * (SIRA_ERR_WS_SLOW_CONSUMER). Until then its subscriptions are paused and the events wait in the durable log.
   * @default 30000
   */
  wsSlowConsumerMs: number;
  /** Learn user profiles from user turns (off the request path) and pin them in context windows. @default true */
  profiles: boolean;
  /** Most tokens of the pinned facts-and-preferences block of a context window. @default 256 */
  profileBlockMaxTokens: number;
  /** Context scorer weights: `default` (hand-set) or `learned` (data/models/importance, `npm run train -- importance`). @default 'default' */
  contextWeights: 'default' | 'learned';
  /** Ms between prefetch rounds that warm the sessions most likely to be resumed into the hot tier (0 = off). @default 0 */
  prefetchIntervalMs: number;
  /** Sessions warmed per prefetch round. @default 100 */
  prefetchTop: number;
  /** Chat model (at `upstreamUrl`) that writes experience lessons off the request path; unset: statistics only. @default undefined */
  lessonsModel: string | undefined;
  /**
   * OpenTelemetry spans for routes, facade operations, store calls, embeddings and vector search (`SIRA_TRACING=on`;
   * `sira-session serve` then exports them with OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`). @default false
   */
  tracing: boolean;
  /** Context requests of a session with a user offer turns of the user's earlier sessions (needs an embedder). @default false */
  crossSessionRecall: boolean;
  /**
   * Retention policies by tenant (`*`: every tenant with an API key and no policy of its own): maximum age in
   * seconds of `sessions` (since their last write) and `experiences` (env SIRA_RETENTION, JSON). @default {}
   */
  retention: Record<string, { sessions?: number; experiences?: number }>;
  /** How often retention policies are swept, ms (0 = never). @default 60000 */
  retentionSweepMs: number;
  /**
   * Redis only. When a write is acknowledged: `local` = applied on the master (Redis replicates asynchronously,
   * so a failover can lose the last acknowledged writes); `replicated` = also acknowledged by
   * `durabilityReplicas` replicas within `durabilityTimeoutMs` (`WAIT`), else the request fails with
   * SIRA_ERR_STORE_NOT_REPLICATED (503). @default 'local'
   */
  durability: 'local' | 'replicated';
  /** Replicas that must acknowledge each write under durability `replicated`. @default 1 */
  durabilityReplicas: number;
  /** Longest wait for them, in ms. @default 1000 */
  durabilityTimeoutMs: number;
  /**
   * Redis only. How events written through other instances reach this one's subscribers: `pubsub` (a wake-up
   * message per write; the log is then read, with a fallback poll every `eventFallbackPollMs`) or `poll` (every
   * `eventPollIntervalMs`). @default 'pubsub'
   */
  eventWakeups: 'pubsub' | 'poll';
  /** Ms between log reads for sessions with subscribers when wake-ups come by pub/sub (lost messages, expiry). @default 2000 */
  eventFallbackPollMs: number;
  /** Per-tenant quotas and rate limits (0 = unlimited), defaults for every tenant (env SIRA_QUOTAS, JSON). @default DEFAULT_QUOTAS */
  quotas: QuotaLimits;
  /** Settings that differ per tenant: `{ [tenant]: { quotas?, redact? } }` (env SIRA_TENANT_POLICIES, JSON). @default {} */
  tenantPolicies: Record<string, TenantPolicy>;
  /** PII redaction of turns for tenants without their own setting (env SIRA_REDACT). @default 'off' */
  redact: RedactMode;
  /** The key of the `/v1/admin/*` routes (env SIRA_ADMIN_KEY, ≥ 16 chars); unset: those routes answer 403. @default undefined */
  adminKey: string | undefined;
  /** Bytes an SSE stream may have waiting to be sent before live delivery pauses (events wait in the durable log). @default 1048576 */
  sseMaxBufferedBytes: number;
  /** Ms an SSE client may stay over `sseMaxBufferedBytes` before its stream is closed (it resumes with Last-Event-ID). @default 30000 */
  sseSlowConsumerMs: number;
  /** Back-pressure: when requests are refused with 503 SIRA_ERR_OVERLOADED (env SIRA_OVERLOAD, JSON). @default DEFAULT_OVERLOAD */
  overload: OverloadOptions;
  limits: Limits;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBodyBytes: 16 * 1024 * 1024,
  maxTurnsPerBatch: 1000,
  maxPartsPerTurn: 256,
  maxTextLength: 1024 * 1024,
  maxMediaBytes: 8 * 1024 * 1024,
  maxMetadataBytes: 64 * 1024,
  maxStateBytes: 1024 * 1024,
  maxTensorBytes: 64 * 1024 * 1024,
  maxTensorRank: 8,
  maxTensorsPerSession: 1024,
  maxPageSize: 1000,
});

export const DEFAULT_OPTIONS: Readonly<SiraOptions> = Object.freeze({
  store: 'lmdb',
  redisKeyPrefix: 'sira:',
  natsBucketPrefix: 'sira',
  natsReplicas: 0,
  dataDir: './.sira-data',
  sync: 'os',
  host: '127.0.0.1',
  port: 8080,
  auth: true,
  bootstrapKey: undefined,
  sweepIntervalMs: 1000,
  defaultTtlSeconds: null,
  idempotencyTtlSeconds: 86_400,
  compressMinBytes: 64,
  encryptionKey: undefined,
  masterKey: undefined,
  masterKeyFile: undefined,
  masterKeyCommand: undefined,
  masterKeyPrevious: [],
  mapSize: 64 * 1024 ** 3,
  logLevel: 'info',
  shutdownGraceMs: 10_000,
  contextMaxTurns: 2000,
  contextTimeBudgetMs: 150,
  embedder: 'static',
  embedderUrl: undefined,
  embedderModel: undefined,
  embedderDim: undefined,
  embedderApiKey: undefined,
  embedderDevice: 'cpu',
  embedderAllowRemote: false,
  embedBatchSize: 16,
  embedMaxDelayMs: 25,
  embedQueueMax: 10_000,
  eventRetention: 10_000,
  eventPollIntervalMs: 250,
  eventHeartbeatMs: 15_000,
  upstreamUrl: undefined,
  upstreamApiKey: undefined,
  upstreamTimeoutMs: 60_000,
  models: [],
  summaryModel: undefined,
  summaryUrl: undefined,
  summaryApiKey: undefined,
  summaryEveryTurns: 20,
  wsMaxBufferedBytes: 4 * 1024 * 1024,
  wsSlowConsumerMs: 30_000,
  profiles: true,
  profileBlockMaxTokens: 256,
  contextWeights: 'default',
  prefetchIntervalMs: 0,
  prefetchTop: 100,
  lessonsModel: undefined,
  tracing: false,
  crossSessionRecall: false,
  retention: {},
  retentionSweepMs: 60_000,
  durability: 'local',
  durabilityReplicas: 1,
  durabilityTimeoutMs: 1000,
  eventWakeups: 'pubsub',
  eventFallbackPollMs: 2000,
  quotas: DEFAULT_QUOTAS,
  tenantPolicies: {},
  redact: 'off',
  adminKey: undefined,
  sseMaxBufferedBytes: 1024 * 1024,
  sseSlowConsumerMs: 30_000,
  overload: DEFAULT_OVERLOAD,
  limits: DEFAULT_LIMITS,
});

const PosInt = Type.Integer({ minimum: 1 });
const OptionsSchema = Type.Object({
  store: Type.String({ pattern: '^(lmdb|(rediss?|redis-cluster|nats)://.+)$' }),
  natsBucketPrefix: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }),
  natsReplicas: Type.Integer({ minimum: 0, maximum: 5 }),
  redisKeyPrefix: Type.String({ pattern: '^[^{}]*$' }),
  dataDir: Type.String({ minLength: 1 }),
  sync: Type.Union([Type.Literal('os'), Type.Literal('always')]),
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  auth: Type.Boolean(),
  bootstrapKey: Type.Optional(Type.Union([Type.String({ minLength: 8 }), Type.Undefined()])),
  sweepIntervalMs: Type.Integer({ minimum: 0 }),
  defaultTtlSeconds: Type.Union([PosInt, Type.Null()]),
  idempotencyTtlSeconds: PosInt,
  compressMinBytes: Type.Integer({ minimum: 0 }),
  encryptionKey: Type.Optional(Type.Union([Type.String(), Type.Undefined()])),
  masterKey: Type.Optional(Type.Union([Type.String(), Type.Undefined()])),
  masterKeyFile: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Undefined()])),
  masterKeyCommand: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Undefined()])),
  masterKeyPrevious: Type.Array(Type.String()),
  mapSize: PosInt,
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  shutdownGraceMs: Type.Integer({ minimum: 0 }),
  contextMaxTurns: Type.Integer({ minimum: 1, maximum: 100_000 }),
  contextTimeBudgetMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
  embedder: Type.Union([Type.Literal('none'), Type.Literal('static'), Type.Literal('offline'), Type.Literal('openai'), Type.Literal('onnx')]),
  embedderUrl: Type.Optional(Type.Union([Type.String({ pattern: '^https?://' }), Type.Undefined()])),
  embedderModel: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Undefined()])),
  embedderDim: Type.Optional(Type.Union([PosInt, Type.Undefined()])),
  embedderApiKey: Type.Optional(Type.Union([Type.String(), Type.Undefined()])),
  embedderDevice: Type.Union([Type.Literal('cpu'), Type.Literal('webgpu')]),
  embedderAllowRemote: Type.Boolean(),
  embedBatchSize: Type.Integer({ minimum: 1, maximum: 1024 }),
  embedMaxDelayMs: Type.Integer({ minimum: 0 }),
  embedQueueMax: PosInt,
  eventRetention: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
  eventPollIntervalMs: Type.Integer({ minimum: 0 }),
  eventHeartbeatMs: Type.Integer({ minimum: 10 }),
  upstreamUrl: Type.Optional(Type.Union([Type.String({ pattern: '^https?://' }), Type.Undefined()])),
  upstreamApiKey: Type.Optional(Type.Union([Type.String(), Type.Undefined()])),
  upstreamTimeoutMs: PosInt,
  models: Type.Array(
    Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 200 }),
        tokenizer: Type.String({ minLength: 1 }),
        context_window: PosInt,
        max_output_tokens: Type.Optional(PosInt),
      },
      { additionalProperties: false },
    ),
  ),
  summaryModel: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Undefined()])),
  summaryUrl: Type.Optional(Type.Union([Type.String({ pattern: '^https?://' }), Type.Undefined()])),
  summaryApiKey: Type.Optional(Type.Union([Type.String(), Type.Undefined()])),
  summaryEveryTurns: PosInt,
  wsMaxBufferedBytes: PosInt,
  wsSlowConsumerMs: PosInt,
  profiles: Type.Boolean(),
  profileBlockMaxTokens: Type.Integer({ minimum: 0, maximum: 100_000 }),
  contextWeights: Type.Union([Type.Literal('default'), Type.Literal('learned')]),
  prefetchIntervalMs: Type.Integer({ minimum: 0 }),
  prefetchTop: Type.Integer({ minimum: 1, maximum: 100_000 }),
  lessonsModel: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Undefined()])),
  tracing: Type.Boolean(),
  crossSessionRecall: Type.Boolean(),
  retention: Type.Record(Type.String(), Type.Object({ sessions: Type.Optional(PosInt), experiences: Type.Optional(PosInt) }, { additionalProperties: false })),
  retentionSweepMs: Type.Integer({ minimum: 0 }),
  durability: Type.Union([Type.Literal('local'), Type.Literal('replicated')]),
  durabilityReplicas: Type.Integer({ minimum: 1, maximum: 16 }),
  durabilityTimeoutMs: PosInt,
  eventWakeups: Type.Union([Type.Literal('pubsub'), Type.Literal('poll')]),
  eventFallbackPollMs: Type.Integer({ minimum: 0 }),
  quotas: QuotaLimitsSchema,
  tenantPolicies: TenantPoliciesSchema,
  redact: RedactModeSchema,
  adminKey: Type.Optional(Type.Union([Type.String({ minLength: 16 }), Type.Undefined()])),
  sseMaxBufferedBytes: PosInt,
  sseSlowConsumerMs: PosInt,
  overload: OverloadOptionsSchema,
  limits: Type.Object({
    maxBodyBytes: PosInt,
    maxTurnsPerBatch: PosInt,
    maxPartsPerTurn: PosInt,
    maxTextLength: PosInt,
    maxMediaBytes: PosInt,
    maxMetadataBytes: PosInt,
    maxStateBytes: PosInt,
    maxTensorBytes: PosInt,
    maxTensorRank: PosInt,
    maxTensorsPerSession: PosInt,
    maxPageSize: PosInt,
  }),
});
export type ValidatedOptions = Static<typeof OptionsSchema>;

/** Options as a caller may give them: any subset, limits included. */
export type SiraOptionsInput = Partial<Omit<SiraOptions, 'limits' | 'quotas' | 'overload'>> & {
  limits?: Partial<Limits>;
  quotas?: Partial<QuotaLimits>;
  overload?: Partial<OverloadOptions>;
};

/** Merge `input` over the defaults and validate; throws SIRA_ERR_CONFIG_INVALID naming the first bad field. */
export function resolveConfig(input: SiraOptionsInput = {}): SiraOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const merged: SiraOptions = {
    ...DEFAULT_OPTIONS,
    ...defined,
    limits: { ...DEFAULT_LIMITS, ...(input.limits ?? {}) },
    quotas: { ...DEFAULT_QUOTAS, ...(input.quotas ?? {}) },
    overload: { ...DEFAULT_OVERLOAD, ...(input.overload ?? {}) },
  };
  if (!Value.Check(OptionsSchema, merged)) {
    const first = [...Value.Errors(OptionsSchema, merged)][0];
    throw siraError('SIRA_ERR_CONFIG_INVALID', `invalid option ${first?.instancePath ?? ''}: ${first?.message ?? ''}`);
  }
  if (merged.encryptionKey !== undefined) {
    // Encryption at rest is the embedded store's (lmdb-js pages); silently storing plaintext in Redis is worse than refusing.
    if (merged.store !== 'lmdb') throw siraError('SIRA_ERR_CONFIG_INVALID', 'encryptionKey applies to the lmdb store only; use Redis TLS and its own at-rest encryption');
    deriveEncryptionKey(merged.encryptionKey);
  }
  if (merged.durability === 'replicated' && merged.store === 'lmdb') {
    throw siraError('SIRA_ERR_CONFIG_INVALID', 'durability replicated applies to a Redis store only (lmdb acknowledges on its own commit; see sync)');
  }
  if (merged.embedder === 'openai' && (merged.embedderUrl === undefined || merged.embedderModel === undefined || merged.embedderDim === undefined)) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', 'the openai embedder needs embedderUrl, embedderModel and embedderDim');
  }
  if (merged.summaryModel !== undefined && (merged.summaryUrl ?? merged.upstreamUrl) === undefined) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', 'summaryModel needs summaryUrl (or upstreamUrl)');
  }
  if (merged.embedder === 'onnx' && merged.embedderModel === undefined) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', 'the onnx embedder needs embedderModel (a local directory or a Hub name)');
  }
  return Object.freeze(merged);
}

function parseJsonEnv<T>(name: string, v: string): T {
  try {
    return JSON.parse(v) as T;
  } catch (cause) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', `${name} is not valid JSON`, { cause });
  }
}

/** Read `SIRA_*` environment variables into options (unset variables are left out). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): SiraOptionsInput {
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const out: SiraOptionsInput = {
    store: env.SIRA_STORE || undefined,
    redisKeyPrefix: env.SIRA_REDIS_KEY_PREFIX,
    natsBucketPrefix: env.SIRA_NATS_BUCKET_PREFIX || undefined,
    natsReplicas: num(env.SIRA_NATS_REPLICAS),
    dataDir: env.SIRA_DATA_DIR,
    sync: env.SIRA_SYNC as SyncMode | undefined,
    host: env.SIRA_HOST,
    port: num(env.SIRA_PORT),
    auth: env.SIRA_AUTH === undefined ? undefined : env.SIRA_AUTH !== 'off' && env.SIRA_AUTH !== 'false',
    bootstrapKey: env.SIRA_BOOTSTRAP_KEY || undefined,
    encryptionKey: env.SIRA_ENCRYPTION_KEY || undefined,
    masterKey: env.SIRA_MASTER_KEY || undefined,
    masterKeyFile: env.SIRA_MASTER_KEY_FILE || undefined,
    masterKeyCommand: env.SIRA_MASTER_KEY_COMMAND || undefined,
    masterKeyPrevious: env.SIRA_MASTER_KEY_PREVIOUS ? env.SIRA_MASTER_KEY_PREVIOUS.split(',') : undefined,
    logLevel: env.SIRA_LOG_LEVEL as SiraOptions['logLevel'] | undefined,
    sweepIntervalMs: num(env.SIRA_SWEEP_INTERVAL_MS),
    contextTimeBudgetMs: num(env.SIRA_CONTEXT_TIME_BUDGET_MS),
    idempotencyTtlSeconds: num(env.SIRA_IDEMPOTENCY_TTL_SECONDS),
    embedder: (env.SIRA_EMBEDDER || undefined) as SiraOptions['embedder'] | undefined,
    embedderUrl: env.SIRA_EMBEDDER_URL || undefined,
    embedderModel: env.SIRA_EMBEDDER_MODEL || undefined,
    embedderDim: num(env.SIRA_EMBEDDER_DIM),
    embedderApiKey: env.SIRA_EMBEDDER_API_KEY || undefined,
    embedderDevice: (env.SIRA_EMBEDDER_DEVICE || undefined) as SiraOptions['embedderDevice'] | undefined,
    embedderAllowRemote: env.SIRA_EMBEDDER_ALLOW_REMOTE === undefined ? undefined : env.SIRA_EMBEDDER_ALLOW_REMOTE === 'true' || env.SIRA_EMBEDDER_ALLOW_REMOTE === '1',
    eventRetention: num(env.SIRA_EVENT_RETENTION),
    eventPollIntervalMs: num(env.SIRA_EVENT_POLL_INTERVAL_MS),
    eventHeartbeatMs: num(env.SIRA_EVENT_HEARTBEAT_MS),
    upstreamUrl: env.SIRA_UPSTREAM_URL || undefined,
    upstreamApiKey: env.SIRA_UPSTREAM_API_KEY || undefined,
    upstreamTimeoutMs: num(env.SIRA_UPSTREAM_TIMEOUT_MS),
    models: env.SIRA_MODELS ? parseJsonEnv('SIRA_MODELS', env.SIRA_MODELS) : undefined,
    summaryModel: env.SIRA_SUMMARY_MODEL || undefined,
    summaryUrl: env.SIRA_SUMMARY_URL || undefined,
    summaryApiKey: env.SIRA_SUMMARY_API_KEY || undefined,
    summaryEveryTurns: num(env.SIRA_SUMMARY_EVERY_TURNS),
    wsMaxBufferedBytes: num(env.SIRA_WS_MAX_BUFFERED_BYTES),
    wsSlowConsumerMs: num(env.SIRA_WS_SLOW_CONSUMER_MS),
    profiles: env.SIRA_PROFILES === undefined ? undefined : env.SIRA_PROFILES !== 'off' && env.SIRA_PROFILES !== 'false',
    profileBlockMaxTokens: num(env.SIRA_PROFILE_BLOCK_MAX_TOKENS),
    contextWeights: (env.SIRA_CONTEXT_WEIGHTS || undefined) as SiraOptions['contextWeights'] | undefined,
    prefetchIntervalMs: num(env.SIRA_PREFETCH_INTERVAL_MS),
    prefetchTop: num(env.SIRA_PREFETCH_TOP),
    lessonsModel: env.SIRA_LESSONS_MODEL || undefined,
    tracing: env.SIRA_TRACING === undefined ? undefined : ['on', 'true', '1'].includes(env.SIRA_TRACING),
    retention: env.SIRA_RETENTION ? parseJsonEnv('SIRA_RETENTION', env.SIRA_RETENTION) : undefined,
    retentionSweepMs: num(env.SIRA_RETENTION_SWEEP_MS),
    crossSessionRecall: env.SIRA_CROSS_SESSION === undefined ? undefined : env.SIRA_CROSS_SESSION === 'true' || env.SIRA_CROSS_SESSION === '1',
    durability: (env.SIRA_DURABILITY || undefined) as SiraOptions['durability'] | undefined,
    durabilityReplicas: num(env.SIRA_DURABILITY_REPLICAS),
    durabilityTimeoutMs: num(env.SIRA_DURABILITY_TIMEOUT_MS),
    eventWakeups: (env.SIRA_EVENT_WAKEUPS || undefined) as SiraOptions['eventWakeups'] | undefined,
    eventFallbackPollMs: num(env.SIRA_EVENT_FALLBACK_POLL_MS),
    quotas: env.SIRA_QUOTAS ? parseJsonEnv('SIRA_QUOTAS', env.SIRA_QUOTAS) : undefined,
    tenantPolicies: env.SIRA_TENANT_POLICIES ? parseJsonEnv('SIRA_TENANT_POLICIES', env.SIRA_TENANT_POLICIES) : undefined,
    redact: (env.SIRA_REDACT || undefined) as SiraOptions['redact'] | undefined,
    adminKey: env.SIRA_ADMIN_KEY || undefined,
    sseMaxBufferedBytes: num(env.SIRA_SSE_MAX_BUFFERED_BYTES),
    sseSlowConsumerMs: num(env.SIRA_SSE_SLOW_CONSUMER_MS),
    overload: env.SIRA_OVERLOAD ? parseJsonEnv('SIRA_OVERLOAD', env.SIRA_OVERLOAD) : undefined,
  };
  return out;
}

/**
 * The 32-character ASCII key handed to the store's cipher, derived from the configured secret (at least 32
 * characters, e.g. 64 hex digits): base64 of SHA-256(secret), first 32 characters (192 bits). The derivation is
 * fixed: changing it would make existing encrypted stores unreadable. Throws SIRA_ERR_CONFIG_INVALID when short.
 */
export function deriveEncryptionKey(secret: string): string {
  if (secret.length < 32) throw siraError('SIRA_ERR_CONFIG_INVALID', 'encryption key must be at least 32 characters');
  return createHash('sha256').update(secret, 'utf8').digest('base64').slice(0, 32);
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
