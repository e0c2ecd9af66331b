/** @module storage — the Store contract and its backends. */
import type { Clock, SiraOptions } from '../core/index.ts';
import type { Store } from './store.ts';
import { LmdbStore } from './lmdb/lmdb-store.ts';

export type { Store, StoreStats, ListSessionsOptions } from './store.ts';
export { LmdbStore } from './lmdb/lmdb-store.ts';

/** Open the store the options name (the embedded LMDB store under `dataDir`). */
export async function openStore(options: SiraOptions, clock: Clock): Promise<Store> {
  return LmdbStore.open({
    path: options.dataDir,
    sync: options.sync,
    clock,
    compressMinBytes: options.compressMinBytes,
    encryptionKey: options.encryptionKey,
    mapSize: options.mapSize,
    maxTensorsPerSession: options.limits.maxTensorsPerSession,
  });
}
