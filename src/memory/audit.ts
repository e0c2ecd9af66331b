/**
 * @module memory/audit
 * The audit log of admin actions (API keys created and revoked, tenant policies and quotas changed, users and
 * tenants deleted): one durable store document per entry in the service's own scope (tenant `_sira`, which no
 * client tenant can be: tenant ids start with a letter or digit), ids ordered by time, so a page lists the oldest
 * first and `after` a cursor continues. An entry never holds a secret: detail fields whose names say key, token,
 * secret or password are dropped (ids such as `key_id` are kept), and every string left goes through the
 * redaction detectors, so an API key or token pasted into a detail comes out as `[API_KEY]` / `[TOKEN]`.
 * Entries are not deleted with the tenant they name: the log is the record that the deletion happened.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Json, JsonObject } from '../core/types.ts';
import type { Store } from '../storage/store.ts';
import { redactText } from './redact/detectors.ts';

/** The store scope the service keeps its own documents in. */
export const SERVICE_TENANT = '_sira';
const COLLECTION = 'audit';

/** What happened, e.g. `key.create`, `key.revoke`, `policy.set`, `policy.delete`, `user.delete`, `tenant.delete`. */
export type AuditAction = string;

/** One entry of the audit log. */
export interface AuditEntry {
  /** Time-ordered id (`<ms base36, 9 chars>-<random>`). */
  id: string;
  /** ms since the epoch. */
  at: number;
  action: AuditAction;
  /** Who did it: `admin` (the admin key), `cli`, `tenant:<id>` (a tenant's own key), or what the caller passes. */
  actor: string;
  /** The tenant acted on, when there is one. */
  tenant: string | null;
  /** What was acted on (a key id, a user id …), when there is one. */
  target: string | null;
  /** Further facts (no secrets: see the module comment). */
  details: JsonObject;
}

/** What {@link AuditLog.record} takes. */
export interface AuditInput {
  actor: string;
  tenant?: string | null;
  target?: string | null;
  details?: Record<string, unknown>;
}

const SECRET_NAME = /(^|_|-)(key|token|secret|password|passwd|authorization|credential)s?$/i;

/** Detail values with secret-named fields dropped and every string redacted (recursively, bounded depth). */
export function scrubDetails(value: unknown, depth = 0): Json {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return redactText(value.slice(0, 2000));
  if (depth >= 4) return null;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => scrubDetails(v, depth + 1));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
      if (SECRET_NAME.test(k) && !/_ids?$/i.test(k)) continue;
      if (v !== undefined) out[k] = scrubDetails(v, depth + 1);
    }
    return out;
  }
  return null;
}

/** The audit log over a store. */
export class AuditLog {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Append an entry (durable once this resolves) and return it. */
  async record(action: AuditAction, input: AuditInput): Promise<AuditEntry> {
    const at = this.#clock();
    const entry: AuditEntry = {
      id: `${at.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`,
      at,
      action,
      actor: redactText(input.actor),
      tenant: input.tenant ?? null,
      target: input.target === undefined || input.target === null ? null : redactText(input.target),
      details: scrubDetails(input.details ?? {}) as JsonObject,
    };
    await this.#store.putDoc(SERVICE_TENANT, COLLECTION, entry.id, Buffer.from(JSON.stringify(entry), 'utf8'), 0);
    return entry;
  }

  /**
   * Entries oldest first, paged (`limit` 1..1000, default 100); with `tenant` or `action`, only those (filtered
   * within the page read, so a filtered page may hold fewer than `limit`; follow `cursor` until it is null).
   */
  async list(opts: { tenant?: string; action?: string; cursor?: string; limit?: number } = {}): Promise<{ entries: AuditEntry[]; cursor: string | null }> {
    const page = await this.#store.listDocs(SERVICE_TENANT, COLLECTION, {
      limit: opts.limit ?? 100,
      ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }),
    });
    const entries = page.items
      .map((d) => JSON.parse(Buffer.from(d.value).toString('utf8')) as AuditEntry)
      .filter((e) => (opts.tenant === undefined || e.tenant === opts.tenant) && (opts.action === undefined || e.action === opts.action));
    return { entries, cursor: page.cursor };
  }
}
