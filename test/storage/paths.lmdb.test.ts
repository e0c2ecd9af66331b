import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';

it('open() treats a path with a dot (as mktemp -d makes) as a directory, existing or not', async () => {
  const base = mkdtempSync(join(tmpdir(), 'sira.paths.'));
  try {
    for (const path of [base, join(base, 'new.dir')]) {
      const store = await LmdbStore.open({ path });
      await store.createSession('t', { id: 'x' });
      await store.close();
      expect(statSync(path).isDirectory()).toBe(true);
      expect(existsSync(join(path, 'data.mdb'))).toBe(true);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
