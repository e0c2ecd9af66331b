/**
 * Reads of a sealed LMDB store with the opened-record cache (storage/crypto/opened-values) on and off: the same
 * turns come back either way, and destroying a scope's key makes its records unreadable even while their opened
 * plaintext is cached.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileKeyring, userScope } from '../../src/storage/crypto/keyring.ts';
import { parseMasterKey } from '../../src/storage/crypto/master-key.ts';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';

const MASTER = parseMasterKey('d'.repeat(64));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function sealedStore(turnsBytes?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sira-sealed-reads-'));
  dirs.push(dir);
  const ring = new FileKeyring(dir, [MASTER]);
  const store = await LmdbStore.open({ path: dir, keyring: ring, tailCache: false, ...(turnsBytes === undefined ? {} : { openedCache: { turns: turnsBytes } }) });
  return { store, ring };
}

describe('sealed reads (lmdb)', () => {
  for (const turnsBytes of [undefined, 0]) {
    it(`getTurns returns what was appended, opened-record cache ${turnsBytes === 0 ? 'off' : 'on'}`, async () => {
      const { store } = await sealedStore(turnsBytes);
      await store.createSession('acme', { id: 's1', user_id: 'u1', metadata: { topic: 'billing' } });
      const texts = Array.from({ length: 30 }, (_, i) => `turn number ${i} `.repeat(1 + (i % 7)));
      for (const text of texts) await store.appendTurns('acme', 's1', [{ role: 'user', parts: [{ type: 'text', text }] }]);
      for (let round = 0; round < 2; round++) {
        const last = await store.getTurns('acme', 's1', { last: 20 });
        expect(last!.map((t) => (t.parts[0] as { text: string }).text)).toEqual(texts.slice(10));
        expect((await store.getSession('acme', 's1'))!.metadata).toEqual({ topic: 'billing' });
      }
      await store.close();
    });
  }

  it('getTensor hands each reader its own bytes: modifying one read does not reach the cached plaintext', async () => {
    const { store } = await sealedStore();
    await store.createSession('acme', { id: 's1', user_id: 'u1' });
    await store.putTensor('acme', 's1', 'emb', { dtype: 'u8', shape: [4], data: Uint8Array.from([1, 2, 3, 4]) });
    for (let round = 0; round < 3; round++) {
      const t = (await store.getTensor('acme', 's1', 'emb'))!;
      expect([...t.data]).toEqual([1, 2, 3, 4]);
      t.data.fill(9);
    }
    await store.close();
  });

  it('a destroyed key makes cached records unreadable (crypto-shredding still erases)', async () => {
    const { store, ring } = await sealedStore();
    await store.createSession('acme', { id: 's1', user_id: 'u1' });
    await store.appendTurns('acme', 's1', [{ role: 'user', parts: [{ type: 'text', text: 'cached secret' }] }]);
    expect((await store.getTurns('acme', 's1'))!.length).toBe(1); // opened and cached
    expect(ring.destroy((scope) => scope === userScope('acme', 'u1'))).toBe(1);
    expect(await store.getTurns('acme', 's1')).toEqual([]);
    await store.close();
  });
});
