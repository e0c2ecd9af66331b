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
 *
 * Opened session and turn records are cached (storage/crypto/opened-values) while the stored value is the one they
 * were opened from (session records also when written); a write or a removal takes a stale entry out.
 */
import type { Database } from 'lmdb';
import type { Session } from '../../core/types.ts';
import { siraError } from '../../core/errors.ts';
import { decodeSession } from '../codec/records.ts';
import { openValue, SEAL_MAGIC, sealedKeyId, sealValue } from '../crypto/envelope.ts';
import { tenantScope, userScope, type DataKeyring } from '../crypto/keyring.ts';
import { OpenedValues } from '../crypto/opened-values.ts';
import type { Key, LmdbLayout } from './lmdb-open.ts';
import { USER_DOC_COLLECTIONS } from '../store.ts';


type Db = Database<Uint8Array, Key>;
/** The data key id a value is sealed under; undefined = store it plain (only where `allowPlain`). */
type KeyIdOf = (key: Key, plain: Uint8Array) => number | undefined;

/** Bytes of opened values a store keeps in memory (storage/crypto/opened-values), per database. */
export interface OpenedCacheBytes {
  /** Session records: read on every call. @default 8 MiB */
  sessions?: number;
  /** Turn records: a session's last turns, a context build's history. 0 = every read opens. @default 32 MiB */
  turns?: number;
  /** Tensor records of at most 256 KiB (turn embedding chunks are 32 KiB: read on every append and context build). @default 8 MiB */
  tensors?: number;
}

interface SealDbOptions {
  name: string;
  ring: DataKeyring;
  keyIdOf: KeyIdOf;
  /** Opened values kept (maxBytes 0: none). */
  opened: OpenedValues;
  /** Values without the seal's magic byte are plain (session records without metadata). */
  allowPlain: boolean;
  /** Cache what is written too, not only what is read. */
  fillOnWrite?: boolean;
  /** Hand readers a copy of a cached plaintext (their decoder returns views of it, which callers may modify). */
  copyOut?: boolean;
}

const memoKey = (key: Key): string =>
  key.length === 3 ? `${key[0]}\u0000${key[1]}\u0000${key[2]}` : key.length === 2 ? `${key[0]}\u0000${key[1]}` : key.join('\u0000');

function sealDb(db: Db, o: SealDbOptions): Db {
  const { ring, keyIdOf, opened, allowPlain } = o;
  const aad = Buffer.from(o.name, 'utf8');
  const lookup = (id: number) => ring.lookup(id);
  const caching = opened.maxBytes > 0;
  const fillOnWrite = caching && o.fillOnWrite === true;
  const copyOut = o.copyOut === true;
  const open = (key: Key, raw: Uint8Array | undefined): Uint8Array | undefined => {
    if (raw === undefined) return undefined;
    if (allowPlain && raw[0] !== SEAL_MAGIC) return raw;
    if (!caching) return openValue(raw, lookup, aad);
    const sealed = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const k = memoKey(key);
    const hit = opened.get(k, sealed);
    // A destroyed key still erases: a cached plaintext is served only while its key exists (a map lookup).
    if (hit !== undefined && ring.lookup(sealed.readUInt32LE(1)) !== undefined) return copyOut ? Buffer.from(hit) : hit;
    opened.delete(k);
    const plain = openValue(sealed, lookup, aad);
    if (plain === undefined) return undefined;
    opened.set(k, sealed, copyOut ? Buffer.from(plain) : plain);
    return plain;
  };
  const overrides: Record<string, unknown> = {
    sealed: true,
    getBinary: (key: Key) => open(key, db.getBinary(key)),
    // scope: a string seals under that scope's key, null stores plain (where allowed), undefined applies the rule.
    putSync: (key: Key, value: Uint8Array, scope?: string | null) => {
      const id = scope === null && allowPlain ? undefined : typeof scope === 'string' ? ring.keyFor(scope).id : keyIdOf(key, value);
      if (id === undefined) {
        if (caching) opened.delete(memoKey(key));
        return db.putSync(key, value);
      }
      const dataKey = ring.lookup(id);
      // Only when the scope was erased while this write was on its way: the session is gone with its key.
      if (dataKey === undefined) throw siraError('SIRA_ERR_SESSION_NOT_FOUND');
      const sealed = sealValue(id, dataKey, value, aad);
      // Session records are read back on every call: their cache is filled on write. Turn records only by reads:
      // a copy of every appended turn would cost the append more than the one open it may save a later read.
      if (fillOnWrite) opened.set(memoKey(key), sealed, Buffer.from(value));
      else if (caching) opened.delete(memoKey(key));
      return db.putSync(key, sealed);
    },
    // Erasure must not leave a plaintext copy in memory either.
    removeSync: (key: Key) => {
      if (caching) opened.delete(memoKey(key));
      return db.removeSync(key);
    },
    getRange: (opts: Parameters<Db['getRange']>[0]) => ({
      *[Symbol.iterator]() {
        for (const { key, value } of db.getRange(opts)) {
          const plain = open(key as Key, value);
          if (plain !== undefined) yield { key, value: plain };
        }
      },
    }),
  };
  // Methods not overridden are bound once, not on every access (the store reaches them on every call).
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop];
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      let b = bound.get(prop);
      if (b === undefined) bound.set(prop, (b = (v as (...a: unknown[]) => unknown).bind(target)));
      return b;
    },
  });
}

/**
 * `db.putSync(key, value)`, sealed under `scope`'s key instead of the one the database's rule picks when `db` is
 * sealed, or stored plain for `null` (session records only); a plain database ignores the scope. Callers that
 * already hold the decoded session pass its scope, which saves reading and decoding it again.
 */
export function putScoped(db: Db, key: Key, value: Uint8Array, scope: string | null | undefined): void {
  if (scope !== undefined && (db as unknown as { sealed?: boolean }).sealed === true) (db.putSync as unknown as (k: Key, v: Uint8Array, s: string | null) => void)(key, value, scope);
  else db.putSync(key, value);
}

/** The scope of a decoded session's records. */
export function scopeOf(tenant: string, s: Pick<Session, 'user_id'>): string {
  return s.user_id === null ? tenantScope(tenant) : userScope(tenant, s.user_id);
}

/** The scope of a session record as {@link sealLayout} stores it: null (plain) when it has no metadata. */
export function sessionRecordScope(tenant: string, s: Pick<Session, 'user_id' | 'metadata'>): string | null {
  return Object.keys(s.metadata).length === 0 ? null : scopeOf(tenant, s);
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
export function sealLayout(raw: LmdbLayout, shared: DataKeyring, cache: OpenedCacheBytes = {}): LmdbLayout {
  const ring = coherentRing(raw, shared);
  const ofSession = (key: Key): number => {
    const rec = raw.sessions.getBinary([key[0]!, key[1]!]);
    if (rec === undefined) return ring.keyFor(tenantScope(key[0] as string)).id;
    return sealedKeyId(rec) ?? ring.keyFor(sessionScope(key[0] as string, rec)).id;
  };
  const none = new OpenedValues(0);
  const base = { ring, allowPlain: false, opened: none };
  return {
    ...raw,
    // A session record without metadata holds only ids, times and counters (all in keys or indexes anyway): it is
    // stored plain, which saves a cipher call on every append to it; one with metadata is sealed.
    sessions: sealDb(raw.sessions, {
      ...base,
      name: 'sessions',
      keyIdOf: (key, plain) => {
        const scope = sessionRecordScope(key[0] as string, decodeSession(plain));
        return scope === null ? undefined : ring.keyFor(scope).id;
      },
      opened: new OpenedValues(cache.sessions ?? 8 * 1024 * 1024),
      allowPlain: true,
      fillOnWrite: true,
    }),
    // Readers share a cached plaintext and must not modify it: decodeTurn copies media bytes out (bytesOf) and keeps
    // no view of its input; reseal copies before writing.
    turns: sealDb(raw.turns, { ...base, name: 'turns', keyIdOf: ofSession, opened: new OpenedValues(cache.turns ?? 32 * 1024 * 1024) }),
    state: sealDb(raw.state, { ...base, name: 'state', keyIdOf: ofSession }),
    // Tensor reads are views of the plaintext (decodeTensorRecord, copy: false): readers get their own copy.
    tensors: sealDb(raw.tensors, { ...base, name: 'tensors', keyIdOf: ofSession, opened: new OpenedValues(cache.tensors ?? 8 * 1024 * 1024, 256 * 1024), copyOut: true }),
    docs: sealDb(raw.docs, {
      ...base,
      name: 'docs',
      keyIdOf: (key) => {
        const [tenant, collection, id] = key as [string, string, string];
        return ring.keyFor(USER_DOC_COLLECTIONS.has(collection) ? userScope(tenant, id) : tenantScope(tenant)).id;
      },
    }),
  };
}
