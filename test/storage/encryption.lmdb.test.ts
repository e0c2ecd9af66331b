import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';

const MARKER = 'zq-secret-marker-4711';

async function writeMarker(dir: string, encryptionKey?: string): Promise<void> {
  const store = await LmdbStore.open({ path: dir, encryptionKey });
  await store.createSession('t', { id: 'enc', metadata: { note: MARKER } });
  await store.appendTurns('t', 'enc', [{ role: 'user', parts: [{ type: 'text', text: MARKER }] }]);
  await store.close();
}

describe('LMDB encryption at rest', () => {
  it('with a key, the data file never holds the plaintext and the key reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-enc-'));
    const key = 'a'.repeat(64);
    try {
      await writeMarker(dir, key);
      expect(readFileSync(join(dir, 'data.mdb')).includes(MARKER)).toBe(false);
      const store = await LmdbStore.open({ path: dir, encryptionKey: key });
      expect((await store.getSession('t', 'enc'))?.metadata).toEqual({ note: MARKER });
      expect((await store.getTurns('t', 'enc'))?.[0]?.parts).toEqual([{ type: 'text', text: MARKER }]);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('without a key the same write is readable in the file (the control)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sira-plain-'));
    try {
      await writeMarker(dir);
      expect(readFileSync(join(dir, 'data.mdb')).includes(MARKER)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
