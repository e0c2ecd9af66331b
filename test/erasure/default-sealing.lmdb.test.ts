/**
 * Sealing is on by default on LMDB (issue 11): a service opened with no master key generates one into
 * `<dataDir>/master.key` (0600), seals what it stores under it (the live text is not in `data.mdb`), reuses it on
 * restart, and reads back what it wrote. `encryption: false` (SIRA_ENCRYPTION=off) stores plain; a store written
 * plain stays plain and readable under the new default; a sealed store is refused with encryption off.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { optionsFromEnv, resolveConfig } from '../../src/core/config.ts';
import { SiraSession } from '../../src/sira.ts';
import type { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import { tempDirs } from '../helpers/cli.ts';
import { newCanary, plainHits } from './canary.ts';

const tempDir = tempDirs();

const open = (dataDir: string, more: Parameters<typeof SiraSession.open>[0] = {}) => SiraSession.open({ dataDir, sweepIntervalMs: 0, logLevel: 'silent', embedder: 'none', ...more });
const atRest = (sira: SiraSession) => (sira.store as LmdbStore).atRest;

async function writeCanary(sira: SiraSession, canary: string): Promise<void> {
  const t = sira.tenant('acme');
  await t.createSession({ id: 's1', user_id: 'u1', metadata: { note: canary } });
  await t.appendTurns('s1', [{ role: 'user', content: `my locker code is ${canary}` }]);
}

describe('encryption at rest by default (lmdb)', () => {
  it('SiraSession.open() with no key seals under a generated 0600 key file, reused on restart', async () => {
    const dir = await tempDir();
    const canary = newCanary();
    const sira = await open(dir);
    expect(atRest(sira)).toEqual({ mode: 'generated', keyFile: join(dir, 'master.key'), created: true });
    await writeCanary(sira, canary);
    await sira.close();
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'keyring.jsonl'))).toBe(true);
    expect(plainHits(dir, canary)).toEqual({}); // live data too: nothing plain at rest
    const key = readFileSync(join(dir, 'master.key'), 'utf8');
    const again = await open(dir);
    expect(atRest(again)).toEqual({ mode: 'generated', keyFile: join(dir, 'master.key'), created: false });
    expect(JSON.stringify(await again.tenant('acme').getTurns('s1'))).toContain(canary);
    expect((await again.tenant('acme').getSession('s1')).metadata).toEqual({ note: canary });
    await again.close();
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe(key);
    // Opting out on a sealed store would make every value unreadable: refused at start.
    await expect(open(dir, { encryption: false })).rejects.toMatchObject({ code: 'SIRA_ERR_CONFIG_INVALID' });
  });

  it('encryption: false stores plain (the opt-out), and such a store stays plain and readable under the default', async () => {
    const dir = await tempDir();
    const canary = newCanary();
    const plain = await open(dir, { encryption: false });
    expect(atRest(plain)).toEqual({ mode: 'off' });
    await writeCanary(plain, canary);
    await plain.close();
    expect(plainHits(dir, canary)['data.mdb'] ?? 0).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    const upgraded = await open(dir);
    expect(atRest(upgraded).mode).toBe('off');
    expect(atRest(upgraded).warning).toContain('stays plain');
    expect(JSON.stringify(await upgraded.tenant('acme').getTurns('s1'))).toContain(canary);
    await upgraded.close();
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });

  it('SIRA_ENCRYPTION=off and SIRA_MASTER_KEY_PATH reach the options; off with a master key is refused', () => {
    expect(resolveConfig({}).encryption).toBe(true);
    expect(resolveConfig(optionsFromEnv({ SIRA_ENCRYPTION: 'off' })).encryption).toBe(false);
    expect(resolveConfig(optionsFromEnv({ SIRA_ENCRYPTION: 'on' })).encryption).toBe(true);
    expect(resolveConfig(optionsFromEnv({ SIRA_MASTER_KEY_PATH: '/keys/sira.key' })).masterKeyPath).toBe('/keys/sira.key');
    expect(() => resolveConfig({ encryption: false, masterKey: 'e'.repeat(64) })).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CONFIG_INVALID' }));
  });
});
