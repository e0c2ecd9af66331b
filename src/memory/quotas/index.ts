/**
 * @module memory/quotas
 * Per-tenant quotas, rate limits and settings. A tenant's effective policy is the configured defaults
 * (`quotas`, `redact`), overlaid by `tenantPolicies[tenant]` from the configuration, overlaid by the override an
 * admin stored (a document in the service scope, read through a short cache: a change reaches every instance
 * within `policyCacheMs`). The checks throw 429 SiraErrors whose `retry_after_seconds` detail becomes the
 * `Retry-After` header; counters of refusals by limit feed `/metrics`.
 */
import type { Clock } from '../../core/clock.ts';
import type { SiraOptions } from '../../core/config.ts';
import { siraError, type ErrorCode } from '../../core/errors.ts';
import { mergePolicies, TenantPolicySchema, type QuotaLimits, type RedactMode, type TenantPolicy } from '../../core/quota-config.ts';
import type { Store } from '../../storage/store.ts';
import { SERVICE_TENANT } from '../audit.ts';
import { RateLimiter } from './rate-limiter.ts';
import { UsageTally, type TenantUsage } from './usage.ts';
import { Value } from 'typebox/value';

export { RateLimiter, type TakeResult } from './rate-limiter.ts';
export { countUsage, UsageTally, type TenantUsage } from './usage.ts';

const POLICIES = 'tenant-policy';

/** A tenant's effective settings. */
export interface EffectivePolicy {
  quotas: QuotaLimits;
  redact: RedactMode;
  /** The stored admin override, if any (what `GET /v1/admin/tenants/:tenant/policy` shows beside the result). */
  override: TenantPolicy | null;
}

/** Which limit refused a request (the `limit` label of `sira_quota_rejections_total`). */
export type QuotaLimitName = 'key_requests' | 'tenant_requests' | 'sessions' | 'bytes' | 'subscribers';

/** Options of {@link Quotas}. */
export interface QuotasOptions {
  /** Ms a stored policy override is trusted before it is read again. @default 5000 */
  policyCacheMs?: number;
  /** Least ms between two exact usage recounts of a tenant at its limit. @default 60000 */
  recountMs?: number;
  /** Background recount failures (logged by the service). */
  onError?: (err: unknown, tenant: string) => void;
}

/** Quotas and settings of every tenant, for one process. */
export class Quotas {
  readonly usage: UsageTally;
  readonly limiter: RateLimiter;
  /** Refusals since start, by limit. */
  readonly rejections: Record<QuotaLimitName, number> = { key_requests: 0, tenant_requests: 0, sessions: 0, bytes: 0, subscribers: 0 };
  readonly #store: Store;
  readonly #options: SiraOptions;
  readonly #clock: Clock;
  readonly #cacheMs: number;
  readonly #policies = new Map<string, { policy: EffectivePolicy; expires: number }>();
  readonly #subscribers = new Map<string, number>();

  constructor(store: Store, options: SiraOptions, clock: Clock, opts: QuotasOptions = {}) {
    this.#store = store;
    this.#options = options;
    this.#clock = clock;
    this.#cacheMs = opts.policyCacheMs ?? 5000;
    this.usage = new UsageTally(store, clock, { ...(opts.recountMs === undefined ? {} : { recountMs: opts.recountMs }), ...(opts.onError === undefined ? {} : { onError: opts.onError }) });
    this.limiter = new RateLimiter(clock);
  }

  /** The tenant's effective policy (cached for `policyCacheMs`). */
  async policy(tenant: string): Promise<EffectivePolicy> {
    const now = this.#clock();
    const hit = this.#policies.get(tenant);
    if (hit !== undefined && hit.expires > now) return hit.policy;
    const override = await this.getOverride(tenant);
    const merged = mergePolicies({ quotas: this.#options.quotas, redact: this.#options.redact }, this.#options.tenantPolicies[tenant], override ?? undefined);
    const policy = { ...merged, override };
    this.#policies.set(tenant, { policy, expires: now + this.#cacheMs });
    if (this.#policies.size > 10_000) this.#policies.delete(this.#policies.keys().next().value as string);
    return policy;
  }

  /** The stored admin override of a tenant, or null. */
  async getOverride(tenant: string): Promise<TenantPolicy | null> {
    const doc = await this.#store.getDoc(SERVICE_TENANT, POLICIES, tenant);
    return doc === undefined ? null : (JSON.parse(Buffer.from(doc.value).toString('utf8')) as TenantPolicy);
  }

  /** Store (replace) a tenant's override; throws SIRA_ERR_REQUEST_INVALID when it does not match the schema. */
  async setOverride(tenant: string, policy: TenantPolicy): Promise<EffectivePolicy> {
    if (!Value.Check(TenantPolicySchema, policy)) {
      const first = [...Value.Errors(TenantPolicySchema, policy)][0];
      throw siraError('SIRA_ERR_REQUEST_INVALID', `invalid policy ${first?.instancePath ?? ''}: ${first?.message ?? ''}`);
    }
    await this.#store.putDoc(SERVICE_TENANT, POLICIES, tenant, Buffer.from(JSON.stringify(policy), 'utf8'));
    this.#policies.delete(tenant);
    return this.policy(tenant);
  }

  /** Remove a tenant's override (back to the configuration); false when there was none. */
  async deleteOverride(tenant: string): Promise<boolean> {
    const had = await this.#store.deleteDoc(SERVICE_TENANT, POLICIES, tenant);
    this.#policies.delete(tenant);
    return had;
  }

  #refuse(code: ErrorCode, limit: QuotaLimitName, detail: string, retryAfterSeconds: number, extra: Record<string, unknown> = {}): never {
    this.rejections[limit]++;
    throw siraError(code, detail, { details: { limit, retry_after_seconds: Math.max(1, Math.ceil(retryAfterSeconds)), ...extra } });
  }

  /** Take a request token of the key (when given) and of the tenant; throws SIRA_ERR_QUOTA_RATE_LIMITED. */
  async checkRate(tenant: string, key: string | undefined): Promise<void> {
    const { quotas: q } = await this.policy(tenant);
    if (key !== undefined) {
      const k = this.limiter.take(`k\u0000${key}`, q.keyRequestsPerSecond, q.keyRequestBurst);
      if (!k.ok) this.#refuse('SIRA_ERR_QUOTA_RATE_LIMITED', 'key_requests', `over ${q.keyRequestsPerSecond} requests/s for this API key`, k.retryAfterMs / 1000);
    }
    const t = this.limiter.take(`t\u0000${tenant}`, q.requestsPerSecond, q.requestBurst);
    if (!t.ok) this.#refuse('SIRA_ERR_QUOTA_RATE_LIMITED', 'tenant_requests', `over ${q.requestsPerSecond} requests/s for this tenant`, t.retryAfterMs / 1000);
  }

  /**
   * Check that the tenant may create `sessions` more sessions and store `bytes` more bytes; throws
   * SIRA_ERR_QUOTA_SESSIONS / SIRA_ERR_QUOTA_BYTES (after an exact recount, see {@link UsageTally.check}).
   */
  async checkStorage(tenant: string, want: { sessions?: number; bytes?: number }): Promise<void> {
    const { quotas: q } = await this.policy(tenant);
    const s = want.sessions ?? 0;
    const b = want.bytes ?? 0;
    const over = (u: TenantUsage) => (s > 0 && q.sessions > 0 && u.sessions + s > q.sessions) || (q.bytes > 0 && u.bytes + b > q.bytes);
    const u = await this.usage.check(tenant, over);
    if (s > 0 && q.sessions > 0 && u.sessions + s > q.sessions) {
      this.#refuse('SIRA_ERR_QUOTA_SESSIONS', 'sessions', `the tenant holds ${u.sessions} of ${q.sessions} live sessions allowed`, 60, { used: u.sessions, allowed: q.sessions });
    }
    if (q.bytes > 0 && u.bytes + b > q.bytes) {
      this.#refuse('SIRA_ERR_QUOTA_BYTES', 'bytes', `the tenant stores ${u.bytes} of ${q.bytes} bytes allowed; this write needs ${b}`, 60, { used: u.bytes, allowed: q.bytes });
    }
  }

  /**
   * Count one more event subscriber of the tenant; returns the release function (idempotent). Throws
   * SIRA_ERR_QUOTA_SUBSCRIBERS when the tenant already has its most.
   */
  async acquireSubscriber(tenant: string): Promise<() => void> {
    const { quotas: q } = await this.policy(tenant);
    const n = this.#subscribers.get(tenant) ?? 0;
    if (q.subscribers > 0 && n >= q.subscribers) {
      this.#refuse('SIRA_ERR_QUOTA_SUBSCRIBERS', 'subscribers', `the tenant has ${n} of ${q.subscribers} event subscribers allowed`, 5, { used: n, allowed: q.subscribers });
    }
    this.#subscribers.set(tenant, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#subscribers.get(tenant) ?? 1) - 1;
      if (left <= 0) this.#subscribers.delete(tenant);
      else this.#subscribers.set(tenant, left);
    };
  }

  /** Open event subscribers of a tenant (or of all tenants) in this process. */
  subscribers(tenant?: string): number {
    if (tenant !== undefined) return this.#subscribers.get(tenant) ?? 0;
    let n = 0;
    for (const v of this.#subscribers.values()) n += v;
    return n;
  }
}
