/**
 * `sira-session keys rotate` and `sira-session tenants delete` (in-process through `main`, on real LMDB files):
 * a rotation re-wraps every data key under the new master key while a service holding the old one keeps reading
 * and writing; afterwards the old master key alone no longer opens the store. Tenant deletion asks for --yes and
 * erases the tenant only.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.ts';
import { SiraSession } from '../../src/sira.ts';
import { tempDir as makeTempDir } from '../helpers/app.ts';

const OLD = 'the old master key passphrase - long enough';
const NEW = 'f'.repeat(40) + '0123456789abcdef01234567';
const dirs: string[] = [];
const tempDir = async () => {
  const d = await makeTempDir();
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function io(env: NodeJS.ProcessEnv): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, out: () => out, err: () => err };
}

const open = (dir: string, masterKey: string, previous: string[] = []) => SiraSession.open({ dataDir: dir, masterKey, masterKeyPrevious: previous, sweepIntervalMs: 0, logLevel: 'silent' });

describe('sira-session keys rotate', () => {
  it('re-wraps every data key under the new master key while a service on the old one keeps working', async () => {
    const dir = await tempDir();
    const running = await open(dir, OLD);
    const t = running.tenant('acme');
    for (const user of ['u1', 'u2', 'u3']) {
      const s = await t.createSession({ id: `s-${user}`, user_id: user });
      await t.appendTurns(s.id, [{ role: 'user', content: `hello from ${user}` }]);
    }
    const cli = io({ SIRA_MASTER_KEY: NEW, SIRA_MASTER_KEY_PREVIOUS: OLD, SIRA_DATA_DIR: dir });
    const rc = await main(['keys', 'rotate'], cli);
    expect(cli.err()).not.toContain('sira-session:');
    expect(rc).toBe(0);
    const report = JSON.parse(cli.out()) as { rewrapped: number; wrapped_by: Record<string, number> };
    expect(report.rewrapped).toBe(3);
    expect(Object.values(report.wrapped_by)).toEqual([3]);
    expect(cli.err()).toMatch(/rotating data keys \[█+\] 100%\s+3\/3 keys/);
    // No downtime: the running service reads its sessions and creates a new user's key after the rotation.
    expect((await t.getTurns('s-u2')).map((x) => x.parts)).toEqual([[{ type: 'text', text: 'hello from u2' }]]);
    await t.createSession({ id: 's-u4', user_id: 'u4' });
    await t.appendTurns('s-u4', [{ role: 'user', content: 'after the rotation' }]);
    await running.close();
    // u4's key was wrapped by the old master (the running service's); a second rotation takes it too.
    const again = io({ SIRA_MASTER_KEY: NEW, SIRA_MASTER_KEY_PREVIOUS: OLD, SIRA_DATA_DIR: dir });
    expect(await main(['keys', 'rotate'], again)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ rewrapped: 1 });
    const rotated = await open(dir, NEW);
    expect((await rotated.tenant('acme').getTurns('s-u4')).length).toBe(1);
    expect((await rotated.tenant('acme').getTurns('s-u1')).length).toBe(1);
    await rotated.close();
    await expect(open(dir, OLD)).rejects.toMatchObject({ code: 'SIRA_ERR_MASTER_KEY_INVALID' });
  });

  it('rotates away from the generated default key with no SIRA_MASTER_KEY_PREVIOUS (its file counts as one)', async () => {
    const dir = await tempDir();
    const first = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
    await first.tenant('acme').createSession({ id: 's1', user_id: 'u1' });
    await first.tenant('acme').appendTurns('s1', [{ role: 'user', content: 'sealed under the generated key' }]);
    await first.close();
    const cli = io({ SIRA_MASTER_KEY: NEW, SIRA_DATA_DIR: dir });
    expect(await main(['keys', 'rotate'], cli)).toBe(0);
    expect(JSON.parse(cli.out())).toMatchObject({ rewrapped: 1 });
    expect(cli.err()).toContain(`${join(dir, 'master.key')} wraps no data key any more`);
    await rm(join(dir, 'master.key'));
    const rotated = await open(dir, NEW);
    expect((await rotated.tenant('acme').getTurns('s1')).length).toBe(1);
    await rotated.close();
  });

  it('exits 2 without a master key or a keyring', async () => {
    const dir = await tempDir();
    const none = io({ SIRA_DATA_DIR: dir });
    expect(await main(['keys', 'rotate'], none)).toBe(2);
    expect(none.err()).toContain('SIRA_MASTER_KEY');
    const noRing = io({ SIRA_DATA_DIR: dir, SIRA_MASTER_KEY: NEW });
    expect(await main(['keys', 'rotate'], noRing)).toBe(2);
    expect(noRing.err()).toContain('no keyring');
  });
});

describe('sira-session tenants delete', () => {
  it('needs --yes, then erases the tenant (sessions, documents, API keys, data keys) and no other', async () => {
    const dir = await tempDir();
    const sira = await open(dir, NEW);
    await sira.createApiKey('gone', 'k');
    await sira.tenant('gone').createSession({ id: 'a', user_id: 'u' });
    await sira.tenant('gone').appendTurns('a', [{ role: 'user', content: 'sealed under u' }]);
    await sira.tenant('gone').createSession({ id: 'b', metadata: { sealed: 'under the tenant key' } });
    await sira.tenant('stays').createSession({ id: 'a', user_id: 'u' });
    await sira.tenant('stays').appendTurns('a', [{ role: 'user', content: 'still here' }]);
    await sira.close();
    const env = { SIRA_DATA_DIR: dir, SIRA_MASTER_KEY: NEW };
    const refused = io(env);
    expect(await main(['tenants', 'delete', 'gone'], refused)).toBe(2);
    expect(refused.err()).toContain('--yes');
    const ok = io(env);
    expect(await main(['tenants', 'delete', 'gone', '--yes'], ok)).toBe(0);
    expect(JSON.parse(ok.out())).toMatchObject({ tenant: 'gone', deleted: { sessions: 2, api_keys: 1, users: 1, data_keys: 1 } }); // u's key went with the user
    expect(readFileSync(join(dir, 'keyring.jsonl'), 'utf8')).not.toMatch(/"scope":"[tu]:gone/);
    expect(readFileSync(join(dir, 'keyring.jsonl'), 'utf8')).toMatch(/"scope":"u:stays/);
    const after = await open(dir, NEW);
    expect((await after.tenant('gone').listSessions()).items).toEqual([]);
    expect((await after.listApiKeys('gone')).length).toBe(0);
    expect((await after.tenant('stays').getSession('a')).user_id).toBe('u');
    await after.close();
  });
});
