/**
 * @module erasure
 * Erasing a user or a tenant across every part of the service: the store (sessions with their turns, state,
 * tensors, embeddings, rolling summaries and event logs; the user's data key where values are sealed), the
 * profile (facts and evidence quotes, queued extraction), experiences derived from the user's sessions and the
 * lessons mined from them, the HNSW index files under the data directory, and the in-process caches (context
 * analysis, activity for prefetch, live subscriptions). Order: derived data first, the store last, so a crash
 * half-way leaves the user erasable again (every step is idempotent).
 */
import type { TurnCache } from './memory/context/analysis.ts';
import type { Experiences } from './memory/experiences/index.ts';
import type { ActivityLog } from './memory/policy/index.ts';
import type { ProfileService } from './memory/profile/index.ts';
import type { SessionRecall } from './memory/recall.ts';
import type { EventHub } from './storage/event-hub.ts';
import { sessionIdsOf } from './storage/erase.ts';
import type { Store, TenantErasure } from './storage/store.ts';
import type { BlobStore } from './storage/blob-store.ts';

/** The parts of a service that hold a user's data. */
export interface ErasureParts {
  store: Store;
  profiles?: ProfileService | undefined;
  experiences?: Experiences | undefined;
  recall?: SessionRecall | undefined;
  activity?: ActivityLog | undefined;
  turnCache?: TurnCache | undefined;
  hub?: EventHub | undefined;
  blobs?: BlobStore | undefined;
}

/** What erasing a user removed. */
export interface UserErasure {
  user_id: string;
  sessions_deleted: number;
  /** Whether a profile document existed. */
  profile_deleted: boolean;
  experiences_deleted: number;
}

/** Erase `user` of `tenant` everywhere (see the module doc). Idempotent. */
export async function eraseUser(parts: ErasureParts, tenant: string, user: string): Promise<UserErasure> {
  const ids = new Set(await sessionIdsOf(parts.store, tenant, user));
  const profile = (await parts.profiles?.forget(tenant, user, ids))?.profile ?? false;
  const experiences = (await parts.experiences?.eraseDerived(tenant, user, ids)) ?? 0;
  await parts.recall?.forgetUser(tenant, user);
  parts.activity?.forgetUser(tenant, user);
  const sessions = await parts.store.eraseUser(tenant, user);
  // The user's sessions no longer reference their blobs: those no other session references go now.
  await parts.blobs?.dropSessions(tenant, ids);
  for (const id of ids) {
    parts.turnCache?.drop(tenant, id);
    parts.hub?.ended(tenant, id);
  }
  return { user_id: user, sessions_deleted: sessions, profile_deleted: profile, experiences_deleted: experiences };
}

/** Erase a whole tenant: its users (as {@link eraseUser}), then every other session, document and API key. */
export async function eraseTenant(parts: ErasureParts, tenant: string): Promise<TenantErasure & { users: number }> {
  const users = new Set<string>();
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await parts.store.listSessions(tenant, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const s of page.items) {
      ids.push(s.id);
      if (s.user_id !== null) users.add(s.user_id);
    }
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  let sessions = 0;
  for (const u of users) sessions += (await eraseUser(parts, tenant, u)).sessions_deleted;
  await parts.experiences?.eraseDerived(tenant, undefined, new Set(ids));
  parts.activity?.forgetTenant(tenant);
  parts.turnCache?.dropTenant(tenant);
  for (const id of ids) parts.hub?.ended(tenant, id);
  const rest = await parts.store.eraseTenant(tenant);
  return { ...rest, sessions: sessions + rest.sessions, users: users.size };
}
