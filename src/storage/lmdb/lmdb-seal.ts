/**
 * @module storage/lmdb/lmdb-seal
 * Value encryption for the LMDB layout: every value of the content databases is sealed (storage/crypto/envelope)
 * under the data key of its scope, and opened on read. Scopes:
 *
 *   sessions               the session's user (`u:<tenant>\0<user>`), or the tenant when it has none; a record
 *                          with empty metadata (ids, times, counters only) stays plain
 *   turns, state, tensors  the key of their session record (read in the same transaction)
 *   docs                   the owner given to putDoc, `profiles` documents the user their id names, else the tenant
 *
 * Index databases (by_time, by_user, expiry) hold empty values and API key records hold hashes: they stay plain.
 * Event records hold only ids, counts, versions and tensor names (all of which the keys hold too): they stay plain,
 * which saves a cipher call on every write.
 * Keys are never encrypted (range scans need their order): ids (tenant, user, session, tensor and document names)
 * are identifiers, not content. A value whose key was destroyed reads as missing: that is erasure.
 */
import type { Database } from 'lmdb';
import { siraError } from '../../core/errors.ts';
import { decodeSession } from '../codec/records.ts';
import { openValue, SEAL_MAGIC, sealedKeyId, sealValue } from '../crypto/envelope.ts';
import { tenantScope, userScope, type DataKeyring } from '../crypto/keyring.ts';
import type { Key, LmdbLayout } from './lmdb-open.ts';
import { USER_DOC_COLLECTIONS } from '../store.ts';


type Db = Database<Uint8Array, Key>;
/** The data key id a value is sealed under; undefined = store it plain (only where `allowPlain`). */
type KeyIdOf = (key: Key, plain: Uint8Array) => number | undefined;

/** Opened session records by key, reused while the sealed bytes are unchanged (a session is read on every call). */
const MEMO_MAX = 16_384;

function sealDb(db: Db, name: string, ring: DataKeyring, keyIdOf: KeyIdOf, memo?: Map<string, { raw: Buffer; plain: Buffer }>, allowPlain = false): Db {
  const aad = Buffer.from(name, 'utf8');
  const lookup = (id: number) => ring.lookup(id);
  const open = (raw: Uint8Array | undefined): Uint8Array | undefined => {
    if (raw === undefined) return undefined;
    if (allowPlain && raw[0] !== SEAL_MAGIC) return raw;
    return openValue(raw, lookup, aad);
  };
  const memoKey = (key: Key) => `${key[0]}\u0000${key[1]}`;
  const getMemo = (key: Key) => {
    const raw = db.getBinary(key) as Buffer | undefined;
    if (raw === undefined || (allowPlain && raw[0] !== SEAL_MAGIC)) return raw;
    const k = memoKey(key);
    const hit = memo!.get(k);
    if (hit !== undefined && hit.raw.equals(raw)) return hit.plain;
    const plain = openValue(raw, lookup, aad);
    if (plain === undefined) return undefined;
    if (memo!.size >= MEMO_MAX) memo!.clear();
    memo!.set(k, { raw, plain });
    return plain;
  };
  const overrides: Record<string, unknown> = {
    sealed: true,
    getBinary: memo === undefined ? (key: Key) => open(db.getBinary(key)) : getMemo,
    putSync: (key: Key, value: Uint8Array, scope?: string) => {
      const id = scope === undefined ? keyIdOf(key, value) : ring.keyFor(scope).id;
      if (id === undefined) {
        memo?.delete(memoKey(key));
        return db.putSync(key, value);
      }
      const dataKey = ring.lookup(id);
      // Only when the scope was erased while this write was on its way: the session is gone with its key.
      if (dataKey === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
      const sealed = sealValue(id, dataKey, value, aad);
      if (memo !== undefined) {
        if (memo.size >= MEMO_MAX) memo.clear();
        memo.set(memoKey(key), { raw: sealed, plain: Buffer.from(value) });
      }
      return db.putSync(key, sealed);
    },
    // Erasure must not leave a plaintext copy in memory either.
    ...(memo === undefined ? {} : { removeSync: (key: Key) => (memo.delete(memoKey(key)), db.removeSync(key)) }),
    getRange: (opts: Parameters<Db['getRange']>[0]) => ({
      *[Symbol.iterator]() {
        for (const { key, value } of db.getRange(opts)) {
          const plain = open(value);
          if (plain !== undefined) yield { key, value: plain };
        }
      },
    }),
  };
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * `db.putSync(key, value)`, sealed under `scope`'s key instead of the one the database's rule picks when `db` is
 * sealed (a plain database ignores the scope).
 */
export function putScoped(db: Db, key: Key, value: Uint8Array, scope: string | undefined): void {
  if (scope !== undefined && (db as unknown as { sealed?: boolean }).sealed === true) (db.putSync as unknown as (k: Key, v: Uint8Array, s: string) => void)(key, value, scope);
  else db.putSync(key, value);
}

/** The scope a session record belongs to. */
export function sessionScope(tenant: string, plainSession: Uint8Array): string {
  const user = decodeSession(plainSession).user_id;
  return user === null ? tenantScope(tenant) : userScope(tenant, user);
}

const EPOCH_KEY = 'keyring-epoch';

/**
 * Move the keyring epoch (inside the write transaction that destroys keys): every process sharing the environment
 * reloads its keyring before its next use of a key, so none keeps a destroyed key in memory (reading an erased
 * user's values, or sealing new ones under a key the others no longer have).
 */
export function bumpKeyringEpoch(db: LmdbLayout): void {
  const cur = db.meta.getBinary(EPOCH_KEY);
  db.meta.putSync(EPOCH_KEY, Buffer.from(String((cur === undefined ? 0 : Number(Buffer.from(cur).toString())) + 1)));
}

/** `ring`, reloaded first whenever another process moved the epoch (one read of a small record per use). */
function coherentRing(raw: LmdbLayout, ring: DataKeyring): DataKeyring {
  const epoch = () => {
    const v = raw.meta.getBinary(EPOCH_KEY);
    return v === undefined ? '' : Buffer.from(v).toString();
  };
  let seen = epoch();
  const fresh = () => {
    const now = epoch();
    if (now === seen) return;
    seen = now;
    ring.refresh?.();
  };
  return {
    keyFor: (scope) => (fresh(), ring.keyFor(scope)),
    lookup: (id) => (fresh(), ring.lookup(id)),
    destroy: (match) => ring.destroy(match),
    rewrap: (progress) => ring.rewrap(progress),
    scopes: () => ring.scopes(),
    refresh: () => ring.refresh?.(),
  };
}

/** The layout with its content databases sealed under `ring`'s keys (the raw layout stays usable for keys-only scans). */
export function sealLayout(raw: LmdbLayout, shared: DataKeyring): LmdbLayout {
  const ring = coherentRing(raw, shared);
  const ofSession = (key: Key): number => {
    const rec = raw.sessions.getBinary([key[0]!, key[1]!]);
    if (rec === undefined) return ring.keyFor(tenantScope(key[0] as string)).id;
    return sealedKeyId(rec) ?? ring.keyFor(sessionScope(key[0] as string, rec)).id;
  };
  return {
    ...raw,
    // A session record without metadata holds only ids, times and counters (all in keys or indexes anyway): it is
    // stored plain, which saves a cipher call on every append to it; one with metadata is sealed.
    sessions: sealDb(
      raw.sessions,
      'sessions',
      ring,
      (key, plain) => {
        const s = decodeSession(plain);
        return Object.keys(s.metadata).length === 0 ? undefined : ring.keyFor(s.user_id === null ? tenantScope(key[0] as string) : userScope(key[0] as string, s.user_id)).id;
      },
      new Map(),
      true,
    ),
    turns: sealDb(raw.turns, 'turns', ring, ofSession),
    state: sealDb(raw.state, 'state', ring, ofSession),
    tensors: sealDb(raw.tensors, 'tensors', ring, ofSession),
    docs: sealDb(raw.docs, 'docs', ring, (key) => {
      const [tenant, collection, id] = key as [string, string, string];
      return ring.keyFor(USER_DOC_COLLECTIONS.has(collection) ? userScope(tenant, id) : tenantScope(tenant)).id;
    }),
  };
}
