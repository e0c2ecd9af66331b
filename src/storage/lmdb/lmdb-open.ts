/**
 * @module storage/lmdb/lmdb-open
 * Opening the LMDB environment and its named databases (the key layout is in docs/internals.md).
 */
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { deriveEncryptionKey, type SyncMode } from '../../core/config.ts';

/** An ordered-binary key: an array of strings and numbers. */
export type Key = (string | number)[];

/** The environment and one database per record kind. */
export interface LmdbLayout {
  env: RootDatabase<Uint8Array, Key>;
  sessions: Database<Uint8Array, Key>;
  turns: Database<Uint8Array, Key>;
  state: Database<Uint8Array, Key>;
  tensors: Database<Uint8Array, Key>;
  byTime: Database<Uint8Array, Key>;
  byUser: Database<Uint8Array, Key>;
  expiry: Database<Uint8Array, Key>;
  events: Database<Uint8Array, Key>;
  keys: Database<Uint8Array, string>;
  docs: Database<Uint8Array, Key>;
  /** Small plain records of the environment itself (the keyring epoch, storage/lmdb/lmdb-seal). */
  meta: Database<Uint8Array, string>;
}

/** Open (creating if needed) the environment under `path` (always a directory, even when its name has a dot). */
export function openLayout(opts: { path: string; sync: SyncMode; mapSize: number; encryptionKey: string | undefined }): LmdbLayout {
  mkdirSync(opts.path, { recursive: true });
  const always = opts.sync === 'always';
  const env = open<Uint8Array, Key>({
    path: opts.path,
    maxDbs: 16,
    noSubdir: false, // mktemp -d names have a dot; lmdb-js would otherwise take them for a file
    mapSize: opts.mapSize,
    encoding: 'binary',
    // 'os': the commit is written to the OS before a write resolves, no fsync. 'always': fsync before resolving.
    noSync: !always,
    overlappingSync: always,
    ...(opts.encryptionKey === undefined ? {} : { encryptionKey: deriveEncryptionKey(opts.encryptionKey) }),
  });
  const db = <K extends Key | string>(name: string) => env.openDB<Uint8Array, K & Key>({ name, encoding: 'binary' }) as unknown as Database<Uint8Array, K>;
  return {
    env,
    sessions: db<Key>('sessions'),
    turns: db<Key>('turns'),
    state: db<Key>('state'),
    tensors: db<Key>('tensors'),
    byTime: db<Key>('by_time'),
    byUser: db<Key>('by_user'),
    expiry: db<Key>('expiry'),
    events: db<Key>('events'),
    keys: db<string>('keys'),
    docs: db<Key>('docs'),
    meta: db<string>('meta'),
  };
}
