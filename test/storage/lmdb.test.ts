import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import { runStoreContract } from './store.contract.ts';

runStoreContract({
  name: 'lmdb',
  create: async (clock) => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-lmdb-'));
    let store = await LmdbStore.open({ path: dir, clock });
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await LmdbStore.open({ path: dir, clock });
        return store;
      },
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
