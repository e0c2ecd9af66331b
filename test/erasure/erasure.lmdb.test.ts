/**
 * Erasure leaves no byte on LMDB: a canary planted in every kind of a user's data (test/erasure/canary.ts) is,
 * after `DELETE /v1/users/:id` and a clean close, absent from every file under the data directory, in plain bytes
 * and in every sealed value that any key left in the keyring opens. Two controls show the scan can fail: with
 * encryption off the same deletion leaves plain copies in freed pages, and with the keyring as it was before the
 * erasure, sealed copies still open. Sealing is on by default (a generated master key): the default configuration
 * passes the same scan as a given master key.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { parseMasterKey, type MasterKey } from '../../src/storage/crypto/master-key.ts';
import { FileKeyring } from '../../src/storage/crypto/keyring.ts';
import { openTestSira } from '../helpers/app.ts';
import { newCanary, plainHits, plantEverywhere, sealedHits } from './canary.ts';

const MASTER = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(32);

/** `masterKey`: a given key; `generated`: the default configuration (a generated key file); `off`: encryption off. */
async function plantEraseClose(masterKey: string | 'generated' | 'off') {
  const env = await openTestSira(masterKey === 'generated' ? {} : masterKey === 'off' ? { encryption: false } : { masterKey });
  const { sira, dir } = env;
  const app = await buildApp({ sira });
  const { key } = await sira.createApiKey('acme', 'test');
  const canary = newCanary();
  const keep = newCanary();
  const planted = await plantEverywhere(sira, 'acme', 'u-erased', canary);
  const kept = await plantEverywhere(sira, 'acme', 'u-kept', keep);
  const before = plainHits(dir, canary);
  const keyringBefore = join(mkdtempSync(join(tmpdir(), 'sira-keyring-')), 'keyring.jsonl');
  if (masterKey !== 'off') copyFileSync(join(dir, 'keyring.jsonl'), keyringBefore);
  const res = await app.inject({ method: 'DELETE', url: '/v1/users/u-erased', headers: { authorization: `Bearer ${key}` } });
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body)).toEqual({ user_id: 'u-erased', deleted: { sessions: 2, profile: true, experiences: 1 } });
  // Scoped: the other user's data is all still there and readable.
  const t = sira.tenant('acme');
  expect(JSON.stringify(await t.getTurns(kept.sessions[0]!))).toContain(keep);
  expect((await t.getState(kept.sessions[1]!)).value).toEqual({ secret: keep, again: keep });
  expect(JSON.stringify(await t.getProfile('u-kept'))).toContain(keep);
  await expect(t.getSession(planted.sessions[0]!)).rejects.toMatchObject({ code: 'SIRA_ERR_SESSION_NOT_FOUND' });
  await expect(t.getExperience(planted.experience)).rejects.toMatchObject({ code: 'SIRA_ERR_EXPERIENCE_NOT_FOUND' });
  await app.close();
  await sira.close();
  return { dir, canary, keep, before, keyringBefore, cleanup: env.cleanup };
}

/** The canary is in no file under dataDir, plain or inside a value sealed under a key left in the keyring. */
function expectErased(r: Awaited<ReturnType<typeof plantEraseClose>>, masters: MasterKey[]) {
  expect(r.before).toEqual({}); // sealed at rest from the first write: not even the live data is plain
  expect(plainHits(r.dir, r.canary)).toEqual({});
  const ring = new FileKeyring(r.dir, masters);
  expect(ring.scopes().some((s) => s.includes('u-erased'))).toBe(false);
  expect(sealedHits(join(r.dir, 'data.mdb'), ring, r.canary)).toBe(0);
  // The kept user's data opens with the same keyring: the forensic scan does find what is there.
  expect(sealedHits(join(r.dir, 'data.mdb'), ring, r.keep)).toBeGreaterThan(0);
  // Control: with the keys as they were before the erasure, the erased user's copies in freed pages still
  // open. Destroying the key is what erased them.
  const old = new FileKeyring(join(r.keyringBefore, '..'), masters);
  expect(sealedHits(join(r.dir, 'data.mdb'), old, r.canary)).toBeGreaterThan(0);
  expect(readFileSync(join(r.dir, 'keyring.jsonl'), 'utf8')).not.toContain('u-erased');
}

describe('DELETE /v1/users/:id leaves no byte (lmdb)', () => {
  it('in the default configuration (a generated master key): the canary is in no file, plain or sealed', async () => {
    const r = await plantEraseClose('generated');
    try {
      // The forensic view of someone holding the generated key file and the keyring as they are now.
      expectErased(r, [parseMasterKey(readFileSync(join(r.dir, 'master.key'), 'utf8'))]);
    } finally {
      await r.cleanup();
    }
  });

  it('with a given master key: the canary is in no file, plain or sealed under any remaining key', async () => {
    const r = await plantEraseClose(MASTER);
    try {
      expect(existsSync(join(r.dir, 'master.key'))).toBe(false); // a given key is never written beside the data
      expectErased(r, [parseMasterKey(MASTER)]);
    } finally {
      await r.cleanup();
    }
  });

  it('control: with encryption off the deleted data stays readable in freed pages (why sealing is the default)', async () => {
    const r = await plantEraseClose('off');
    try {
      expect(Object.keys(r.before)).toContain('data.mdb');
      // Same erasure, no keys to destroy: LMDB frees pages without clearing them.
      expect(plainHits(r.dir, r.canary)['data.mdb'] ?? 0).toBeGreaterThan(0);
    } finally {
      await r.cleanup();
    }
  });
});
