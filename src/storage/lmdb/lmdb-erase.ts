/**
 * @module storage/lmdb/lmdb-erase
 * Erasing users and tenants on LMDB, and re-sealing a session that moved to another user. Records are deleted in
 * bounded transactions (500 sessions each); then the scope's data keys are destroyed (storage/crypto/keyring), which
 * is what makes the copies LMDB leaves in freed pages unreadable.
 */
import type { Database } from 'lmdb';
import type { Session } from '../../core/types.ts';
import { decodeSession } from '../codec/records.ts';
import { inTenant, userScope, type DataKeyring } from '../crypto/keyring.ts';
import { USER_DOC_COLLECTIONS, type TenantErasure } from '../store.ts';
import { listApiKeys } from './lmdb-admin.ts';
import type { Key, LmdbLayout } from './lmdb-open.ts';
import { bumpKeyringEpoch } from './lmdb-seal.ts';

const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** What erasure needs of the store. */
export interface ErasureDeps {
  db: LmdbLayout;
  txn: <T>(fn: () => T) => Promise<T>;
  /** Remove a session and everything under it (inside a transaction). */
  purge: (s: Session) => void;
  keyring: DataKeyring | undefined;
  deleteApiKey: (id: string) => Promise<boolean>;
}

/** Seal a session's records again under its (new) scope's key, so erasing the previous user does not reach them (inside a transaction). */
export function reseal(db: LmdbLayout, t: string, id: string): void {
  const ranges: [Database<Uint8Array, Key>, Key, Key][] = [
    [db.turns, [t, id, 0], [t, id, MAX_SEQ]],
    [db.tensors, [t, id, ''], [t, id, '\uffff']],
  ];
  for (const [d, start, end] of ranges) {
    const all = [...d.getRange({ start, end })].map(({ key, value }) => [key as Key, Uint8Array.from(value)] as const);
    for (const [key, value] of all) d.putSync(key, value);
  }
  const state = db.state.getBinary([t, id]);
  if (state !== undefined) db.state.putSync([t, id], Uint8Array.from(state));
}

/**
 * Destroy the keys of the scopes `match` accepts, inside a write transaction that moves the keyring epoch: a
 * concurrent write (another worker) sealing under such a scope either committed before (and is erased with it)
 * or sees the new epoch, reloads its keyring and gets a new key.
 */
function destroyKeys(deps: ErasureDeps, match: (scope: string) => boolean): Promise<number> {
  const ring = deps.keyring;
  if (ring === undefined) return Promise.resolve(0);
  return deps.txn(() => {
    const n = ring.destroy(match);
    bumpKeyringEpoch(deps.db);
    return n;
  });
}

/** Purge the sessions named by index keys ending in `[created_at, id]`, 500 per transaction; returns how many. */
async function purgeAll(deps: ErasureDeps, tenant: string, indexKeys: Key[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < indexKeys.length; i += 500) {
    const chunk = indexKeys.slice(i, i + 500);
    n += await deps.txn(() => {
      let m = 0;
      for (const k of chunk) {
        const raw = deps.db.sessions.getBinary([tenant, k[k.length - 1] as string]);
        if (raw === undefined) continue;
        deps.purge(decodeSession(raw));
        m++;
      }
      return m;
    });
  }
  return n;
}

/** {@link Store.eraseUser} on LMDB: the user's sessions (live or expired), user-keyed documents, then the user's key. */
export async function eraseUser(deps: ErasureDeps, tenant: string, user: string): Promise<number> {
  const keys = [...deps.db.byUser.getKeys({ start: [tenant, user], end: [tenant, user, MAX_SEQ] })] as Key[];
  const n = await purgeAll(deps, tenant, keys);
  await deps.txn(() => {
    for (const c of USER_DOC_COLLECTIONS) deps.db.docs.removeSync([tenant, c, user]);
  });
  await destroyKeys(deps, (scope) => scope === userScope(tenant, user));
  return n;
}

/** {@link Store.eraseTenant} on LMDB: sessions, documents, API keys, then every data key of the tenant. */
export async function eraseTenant(deps: ErasureDeps, tenant: string): Promise<TenantErasure> {
  const keys = [...deps.db.byTime.getKeys({ start: [tenant], end: [tenant, MAX_SEQ] })] as Key[];
  const sessions = await purgeAll(deps, tenant, keys);
  const docKeys = [...deps.db.docs.getKeys({ start: [tenant], end: [tenant, '\uffff'] })] as Key[];
  for (let i = 0; i < docKeys.length; i += 500) {
    const chunk = docKeys.slice(i, i + 500);
    await deps.txn(() => {
      for (const k of chunk) deps.db.docs.removeSync(k);
    });
  }
  let apiKeys = 0;
  for (const k of listApiKeys(deps.db, tenant)) if (await deps.deleteApiKey(k.id)) apiKeys++;
  const dataKeys = await destroyKeys(deps, (scope) => inTenant(scope, tenant));
  return { sessions, docs: docKeys.length, api_keys: apiKeys, data_keys: dataKeys };
}
