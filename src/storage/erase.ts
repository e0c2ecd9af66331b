/**
 * @module storage/erase
 * Erasure built on the Store contract's own operations, for backends whose deletions are physical already (a
 * deleted Redis key leaves the dataset; memory): list a user's sessions and delete each, then the user-keyed
 * documents. LMDB has its own (it must also destroy the user's data key).
 */
import type { Store, TenantErasure } from './store.ts';
import { USER_DOC_COLLECTIONS } from './store.ts';

/** Every live session id of `tenant` (of one user when given), paging the listing index. */
export async function sessionIdsOf(store: Store, tenant: string, user: string | undefined): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSessions(tenant, { limit: 1000, ...(user === undefined ? {} : { user_id: user }), ...(cursor === undefined ? {} : { cursor }) });
    for (const s of page.items) ids.push(s.id);
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}

/** {@link Store.eraseUser} through `deleteSession` and `deleteDoc`; returns the sessions removed. */
export async function eraseUserByParts(store: Store, tenant: string, user: string): Promise<number> {
  let n = 0;
  for (const id of await sessionIdsOf(store, tenant, user)) if (await store.deleteSession(tenant, id)) n++;
  for (const c of USER_DOC_COLLECTIONS) await store.deleteDoc(tenant, c, user);
  return n;
}

/**
 * {@link Store.eraseTenant} through the contract: every session, the documents of `collections` (the backend lists
 * which collections the tenant has), every API key. `data_keys` is 0: the caller destroys its own keys, if any.
 */
export async function eraseTenantByParts(store: Store, tenant: string, collections: readonly string[]): Promise<TenantErasure> {
  let sessions = 0;
  for (const id of await sessionIdsOf(store, tenant, undefined)) if (await store.deleteSession(tenant, id)) sessions++;
  let docs = 0;
  for (const c of collections) docs += await store.deleteDocs(tenant, c);
  let apiKeys = 0;
  for (const k of await store.listApiKeys(tenant)) if (await store.deleteApiKey(k.id)) apiKeys++;
  return { sessions, docs, api_keys: apiKeys, data_keys: 0 };
}
