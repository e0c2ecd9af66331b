import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import { runStoreContract } from './store.contract.ts';

for (const tailCache of [{}, false] as const) {
runStoreContract({
  name: `lmdb (tail cache ${tailCache === false ? 'off' : 'on'})`,
  create: async (clock, events = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-lmdb-'));
    let store = await LmdbStore.open({ path: dir, clock, tailCache, ...events });
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await LmdbStore.open({ path: dir, clock, tailCache, ...events });
        return store;
      },
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
}
