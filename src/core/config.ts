/**
 * @module core/config
 * The options (core/options: one type, one frozen set of defaults) validated at boot. Environment variables (`SIRA_*`) and CLI
 * flags are folded into the same object by {@link resolveConfig}.
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { siraError } from './errors.ts';
import { DEFAULT_OVERLOAD, OverloadOptionsSchema, type OverloadOptions } from './overload-config.ts';
import { DEFAULT_QUOTAS, QuotaLimitsSchema, RedactModeSchema, TenantPoliciesSchema, type QuotaLimits } from './quota-config.ts';
import { DEFAULT_LIMITS, DEFAULT_OPTIONS, type Limits, type SiraOptions, type SyncMode } from './options.ts';

export { DEFAULT_LIMITS, DEFAULT_OPTIONS, type Limits, type SiraOptions, type SyncMode } from './options.ts';

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
  encryption: Type.Boolean(),
  masterKeyPath: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Undefined()])),
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
    maxBlobBytes: PosInt,
    maxTenantBlobBytes: PosInt,
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
  if (!merged.encryption && [merged.masterKey, merged.masterKeyFile, merged.masterKeyCommand].some((x) => x !== undefined && x !== '')) {
    throw siraError('SIRA_ERR_CONFIG_INVALID', 'encryption is off but a master key is given: drop one of them');
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
    encryption: env.SIRA_ENCRYPTION === undefined || env.SIRA_ENCRYPTION === '' ? undefined : !['off', 'false', '0'].includes(env.SIRA_ENCRYPTION),
    masterKeyPath: env.SIRA_MASTER_KEY_PATH || undefined,
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
