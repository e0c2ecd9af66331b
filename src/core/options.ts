/**
 * @module core/options
 * The service's options: one type ({@link SiraOptions}, each field with its `@default`), the request limits, and the
 * frozen defaults. core/config validates a caller's options against them at boot.
 */
import { DEFAULT_OVERLOAD, type OverloadOptions } from './overload-config.ts';
import { DEFAULT_QUOTAS, type QuotaLimits, type RedactMode, type TenantPolicy } from './quota-config.ts';

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
  /** Largest blob (`PUT /v1/blobs`) in bytes. @default 268435456 (256 MiB) */
  maxBlobBytes: number;
  /** Most bytes one tenant's blobs may hold. @default 10737418240 (10 GiB) */
  maxTenantBlobBytes: number;
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
   * At most one of masterKey, masterKeyFile, masterKeyCommand. @default undefined (LMDB: a generated key, see
   * `encryption`; Redis: values plain)
   */
  masterKey: string | undefined;
  /** A file holding the master key (env SIRA_MASTER_KEY_FILE). @default undefined */
  masterKeyFile: string | undefined;
  /** A shell command printing the master key, run once at start (env SIRA_MASTER_KEY_COMMAND). @default undefined */
  masterKeyCommand: string | undefined;
  /** Older master keys, still accepted to unwrap data keys during a rotation (env SIRA_MASTER_KEY_PREVIOUS, comma-separated). @default [] */
  masterKeyPrevious: string[];
  /**
   * Seal stored values (env SIRA_ENCRYPTION=off, flag `--no-encryption`, to opt out). On LMDB with no master key
   * given, the service generates one into `masterKeyPath` on first start and reuses it after; on Redis values are
   * sealed only with a given master key (instances must share it); NATS stores values plain. @default true
   */
  encryption: boolean;
  /**
   * Where the generated master key is kept (LMDB, encryption on, no master key given): 64 hex digits, mode 0600,
   * created on first start (env SIRA_MASTER_KEY_PATH). @default undefined (`<dataDir>/master.key`)
   */
  masterKeyPath: string | undefined;
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
  maxBlobBytes: 256 * 1024 * 1024,
  maxTenantBlobBytes: 10 * 1024 * 1024 * 1024,
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
  encryption: true,
  masterKeyPath: undefined,
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
