/**
 * @module sira/people
 * One tenant's users: their profiles (read, explicit changes, forgetting) and erasure of a user or of the whole
 * tenant (see erasure.ts for what is erased where).
 */
import { isValidId, siraError } from '../core/index.ts';
import { eraseTenant, eraseUser, type ErasureParts, type UserErasure } from '../erasure.ts';
import type { ForgetReport, ProfileChange, ProfileService, StoredProfile } from '../memory/profile/index.ts';
import type { TenantErasure } from '../storage/store.ts';
import type { TenantScope } from './types.ts';

const USER_ID_RULE = 'user ids are 1-128 chars of [A-Za-z0-9_.:-]';

/** The profile service for a valid user id; throws SIRA_ERR_USER_ID_INVALID, or SIRA_ERR_PROFILE_NOT_FOUND when profiles are off. */
function profilesFor(scope: TenantScope, userId: string): ProfileService {
  if (!isValidId(userId)) throw siraError('SIRA_ERR_USER_ID_INVALID', USER_ID_RULE);
  const p = scope.context.profiles;
  if (p === undefined) throw siraError('SIRA_ERR_PROFILE_NOT_FOUND', 'profiles are disabled on this service');
  return p;
}

/** The user's profile (current entries and history); throws SIRA_ERR_USER_ID_INVALID / SIRA_ERR_PROFILE_NOT_FOUND. */
export async function getProfile(scope: TenantScope, userId: string): Promise<StoredProfile> {
  const p = await profilesFor(scope, userId).get(scope.tenant, userId);
  if (p === undefined) throw siraError('SIRA_ERR_PROFILE_NOT_FOUND');
  return p;
}

/**
 * Set or forget profile slots explicitly (explicit entries win over extracted ones); with `expectedVersion`, only at
 * that version (else SIRA_ERR_DOC_VERSION_CONFLICT). Throws SIRA_ERR_PROFILE_CHANGE_INVALID on a bad change.
 */
export async function patchProfile(scope: TenantScope, userId: string, change: ProfileChange, expectedVersion?: number): Promise<StoredProfile> {
  const profiles = profilesFor(scope, userId);
  checkProfileChange(change);
  return profiles.change(scope.tenant, userId, change, expectedVersion);
}

/**
 * Forget a user's profile: the document (entries, history, evidence quotes) and the user's turns still queued for
 * extraction; with `sessions`, also delete every session of the user (their turns are the source the profile was
 * learned from). Idempotent.
 */
export async function deleteProfile(scope: TenantScope, userId: string, opts: { sessions?: boolean } = {}): Promise<ForgetReport & { sessions_deleted: number }> {
  const { store, tenant, hub } = scope;
  const profiles = profilesFor(scope, userId);
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await store.listSessions(tenant, { user_id: userId, limit: scope.opts.limits.maxPageSize, ...(cursor === undefined ? {} : { cursor }) });
    for (const s of page.items) ids.add(s.id);
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  const report = await profiles.forget(tenant, userId, ids);
  let deleted = 0;
  if (opts.sessions === true) {
    for (const id of ids) {
      if (await store.deleteSession(tenant, id)) {
        deleted++;
        hub?.ended(tenant, id);
      }
    }
  }
  return { ...report, sessions_deleted: deleted };
}

function erasureParts(scope: TenantScope): ErasureParts {
  const c = scope.context;
  return { store: scope.store, profiles: c.profiles, experiences: c.experiences, recall: c.recall, activity: c.activity, turnCache: c.caches.turns, hub: scope.hub, blobs: c.blobs };
}

/** Erase a user everywhere (see `TenantSessions.eraseUser`); throws SIRA_ERR_USER_ID_INVALID. Idempotent. */
export function eraseTenantUser(scope: TenantScope, userId: string): Promise<UserErasure> {
  if (!isValidId(userId)) throw siraError('SIRA_ERR_USER_ID_INVALID', USER_ID_RULE);
  return eraseUser(erasureParts(scope), scope.tenant, userId);
}

/** Erase the whole tenant (see `SiraSession.eraseTenant`). */
export function eraseWholeTenant(scope: TenantScope): Promise<TenantErasure & { users: number }> {
  return eraseTenant(erasureParts(scope), scope.tenant);
}

const ATTRIBUTE_RE = /^[a-z][a-z_]{0,31}(?:\/[a-z][a-z_ -]{0,63})?$/;

/** Check an explicit profile change; throws SIRA_ERR_PROFILE_CHANGE_INVALID naming the first bad part. */
function checkProfileChange(change: ProfileChange): void {
  const bad = (what: string) => siraError('SIRA_ERR_PROFILE_CHANGE_INVALID', what);
  const set = change.set ?? [];
  const remove = change.remove ?? [];
  if (set.length === 0 && remove.length === 0) throw bad('give set or remove');
  if (set.length + remove.length > 100) throw bad('at most 100 changes at once');
  set.forEach((e, i) => {
    if (typeof e.attribute !== 'string' || !ATTRIBUTE_RE.test(e.attribute)) throw bad(`set[${i}].attribute must be like "diet" or "people/daughter"`);
    if (typeof e.value !== 'string' || e.value.trim() === '' || e.value.length > 200) throw bad(`set[${i}].value must be 1-200 characters`);
    if (e.polarity !== undefined && e.polarity !== 'positive' && e.polarity !== 'negative') throw bad(`set[${i}].polarity must be positive or negative`);
  });
  remove.forEach((slot, i) => {
    if (typeof slot !== 'string' || slot.length < 1 || slot.length > 300) throw bad(`remove[${i}] must be a slot name`);
  });
}
