import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import { runStoreContract } from './store.contract.ts';
import { FileKeyring } from '../../src/storage/crypto/keyring.ts';
import { parseMasterKey } from '../../src/storage/crypto/master-key.ts';

const sealed = (dir: string) => new FileKeyring(dir, [parseMasterKey('contract-test master key, 32+ chars long')]);

for (const [tailCache, seal] of [[{}, false], [false, false], [{}, true]] as const) {
runStoreContract({
  name: `lmdb (tail cache ${tailCache === false ? 'off' : 'on'}${seal ? ', values sealed' : ''})`,
  create: async (clock, events = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-lmdb-'));
    const keyring = seal ? sealed(dir) : undefined;
    let store = await LmdbStore.open({ path: dir, clock, tailCache, keyring, ...events });
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await LmdbStore.open({ path: dir, clock, tailCache, keyring: seal ? sealed(dir) : undefined, ...events });
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
