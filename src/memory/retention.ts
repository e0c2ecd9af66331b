/**
 * @module memory/retention
 * Per-tenant retention policies: a maximum age per kind of data, swept in the background like TTL expiry.
 *
 *   sessions     a session whose last write (`updated_at`) is older than the age is deleted with everything
 *                under it (turns, state, tensors, embeddings, summary, events)
 *   experiences  an experience whose `created_at` is older is deleted (and the experience index rebuilt)
 *
 * Policies are keyed by tenant; `*` applies to every tenant that has an API key and no policy of its own. Ages
 * are in seconds. A sweep is bounded (`limit` deletions) and resumes on the next tick.
 */
import type { Clock } from '../core/clock.ts';
import type { Store } from '../storage/store.ts';
import type { Experiences } from './experiences/index.ts';

/** Maximum ages of one tenant's data, in seconds (a kind left out is kept until deleted or expired). */
export interface RetentionPolicy {
  sessions?: number;
  experiences?: number;
}

/** Policies by tenant id, `*` for the default. */
export type RetentionPolicies = Record<string, RetentionPolicy>;

/** What one sweep removed. */
export interface RetentionSweep {
  sessions: number;
  experiences: number;
}

async function tenantsOf(store: Store, policies: RetentionPolicies): Promise<[string, RetentionPolicy][]> {
  const own = Object.entries(policies).filter(([t]) => t !== '*');
  const fallback = policies['*'];
  if (fallback === undefined) return own;
  const named = new Set(own.map(([t]) => t));
  const others = [...new Set((await store.listApiKeys()).map((k) => k.tenant))].filter((t) => !named.has(t));
  return [...own, ...others.map((t): [string, RetentionPolicy] => [t, fallback])];
}

/**
 * Apply `policies` once at `clock()`: delete what is older than its kind's age, at most `limit` items in all.
 * `onSession` runs for each deleted session (to drop caches and end subscriptions).
 */
export async function sweepRetention(
  store: Store,
  experiences: Experiences | undefined,
  policies: RetentionPolicies,
  clock: Clock,
  limit = 1000,
  onSession?: (tenant: string, id: string) => void,
): Promise<RetentionSweep> {
  const out: RetentionSweep = { sessions: 0, experiences: 0 };
  const now = clock();
  for (const [tenant, policy] of await tenantsOf(store, policies)) {
    if (policy.sessions !== undefined) {
      const cutoff = now - policy.sessions * 1000;
      let cursor: string | undefined;
      do {
        const page = await store.listSessions(tenant, { limit: 500, ...(cursor === undefined ? {} : { cursor }) });
        for (const s of page.items) {
          if (out.sessions + out.experiences >= limit) return out;
          if (s.updated_at < cutoff && (await store.deleteSession(tenant, s.id))) {
            out.sessions++;
            onSession?.(tenant, s.id);
          }
        }
        cursor = page.cursor ?? undefined;
      } while (cursor !== undefined);
    }
    if (policy.experiences !== undefined && experiences !== undefined) {
      out.experiences += await experiences.eraseOlderThan(tenant, now - policy.experiences * 1000, limit - out.sessions - out.experiences);
    }
  }
  return out;
}
