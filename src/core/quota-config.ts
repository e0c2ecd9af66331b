/**
 * @module core/quota-config
 * The options of quotas, rate limits, PII redaction and the admin key: their types, generous defaults and the
 * TypeBox schemas {@link resolveConfig} validates them with. A tenant's effective settings are the defaults,
 * overlaid by `tenantPolicies[tenant]` from the configuration, overlaid by the override an admin stored
 * (`PUT /v1/admin/tenants/:tenant/policy` or `sira-session quotas set`).
 */
import { Type } from 'typebox';

/** Where PII redaction applies: `off`; `store` (turns are redacted before they are stored); `context` (stored as sent, redacted in context output). */
export type RedactMode = 'off' | 'store' | 'context';

/** Per-tenant quotas and rate limits. 0 means unlimited for every field. */
export interface QuotaLimits {
  /** Live sessions a tenant may hold (workspaces' backing sessions included). @default 1000000 */
  sessions: number;
  /** Bytes a tenant may store: turns, state, tensors and session metadata, as their JSON / raw sizes. @default 68719476736 (64 GiB) */
  bytes: number;
  /**
   * Sustained requests per second of a tenant (all its keys), per instance. @default 100000 (above what one instance
   * serves: a gateway sends all its traffic with one key, and 10,000 turned away loopback benchmarks' reads with 429)
   */
  requestsPerSecond: number;
  /** Requests a tenant may send at once above the sustained rate (token bucket size). @default 200000 */
  requestBurst: number;
  /** Sustained requests per second of one API key, per instance. @default 100000 */
  keyRequestsPerSecond: number;
  /** Burst of one API key. @default 200000 */
  keyRequestBurst: number;
  /** Concurrent event subscribers (SSE streams + WebSocket subscriptions) of a tenant, per instance. @default 10000 */
  subscribers: number;
}

/** What may differ per tenant. */
export interface TenantPolicy {
  /** Quota fields that differ from the defaults. */
  quotas?: Partial<QuotaLimits>;
  /** PII redaction of this tenant's turns. */
  redact?: RedactMode;
}

/** Defaults of {@link QuotaLimits}: generous, so that only a runaway client meets them. */
export const DEFAULT_QUOTAS: Readonly<QuotaLimits> = Object.freeze({
  sessions: 1_000_000,
  bytes: 64 * 1024 ** 3,
  requestsPerSecond: 100_000,
  requestBurst: 200_000,
  keyRequestsPerSecond: 100_000,
  keyRequestBurst: 200_000,
  subscribers: 10_000,
});

const Count = Type.Integer({ minimum: 0 });
const quotaFields = {
  sessions: Count,
  bytes: Count,
  requestsPerSecond: Type.Number({ minimum: 0 }),
  requestBurst: Count,
  keyRequestsPerSecond: Type.Number({ minimum: 0 }),
  keyRequestBurst: Count,
  subscribers: Count,
};

/** Schema of {@link QuotaLimits} (every field required once merged over the defaults). */
export const QuotaLimitsSchema = Type.Object(quotaFields, { additionalProperties: false });
/** Schema of a redaction mode. */
export const RedactModeSchema = Type.Union([Type.Literal('off'), Type.Literal('store'), Type.Literal('context')]);
/** Schema of a {@link TenantPolicy} (also the body of the admin route). */
export const TenantPolicySchema = Type.Object(
  {
    quotas: Type.Optional(Type.Partial(Type.Object(quotaFields), { additionalProperties: false })),
    redact: Type.Optional(RedactModeSchema),
  },
  { additionalProperties: false },
);
/** Schema of the `tenantPolicies` option: tenant id → policy. */
export const TenantPoliciesSchema = Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' }), TenantPolicySchema);

/** Merge policies left to right: later quota fields and redaction modes win. */
export function mergePolicies(...policies: (TenantPolicy | undefined)[]): { quotas: QuotaLimits; redact: RedactMode } {
  let quotas: QuotaLimits = { ...DEFAULT_QUOTAS };
  let redact: RedactMode = 'off';
  for (const p of policies) {
    if (p === undefined) continue;
    quotas = { ...quotas, ...Object.fromEntries(Object.entries(p.quotas ?? {}).filter(([, v]) => v !== undefined)) };
    if (p.redact !== undefined) redact = p.redact;
  }
  return { quotas, redact };
}
