import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../core/config.ts';
import { resolveLmdbAtRest, resolveRedisAtRest } from './at-rest.ts';
import { parseMasterKey } from './master-key.ts';

const GIVEN = 'e'.repeat(64);
const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'sira-at-rest-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const opts = (dataDir: string, over: Partial<typeof DEFAULT_OPTIONS> = {}) => ({ ...DEFAULT_OPTIONS, dataDir, ...over });

describe('resolveLmdbAtRest(options)', () => {
  it('generates a 0600 key file on a fresh directory, then reuses it', () => {
    const dir = fresh();
    const first = resolveLmdbAtRest(opts(dir));
    const file = join(dir, 'master.key');
    expect(first.report).toEqual({ mode: 'generated', keyFile: file, created: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(first.masters.map((m) => m.id)).toEqual([parseMasterKey(readFileSync(file, 'utf8')).id]);
    const again = resolveLmdbAtRest(opts(dir));
    expect(again.report).toEqual({ mode: 'generated', keyFile: file, created: false });
    expect(again.masters[0]!.key.equals(first.masters[0]!.key)).toBe(true);
    // No temporary file is left behind.
    expect(readFileSync(file, 'utf8').length).toBe(65);
  });

  it('keeps the generated key at masterKeyPath when given (e.g. another volume), creating its directory', () => {
    const dir = fresh();
    const elsewhere = join(fresh(), 'keys', 'sira.key');
    const r = resolveLmdbAtRest(opts(dir, { masterKeyPath: elsewhere }));
    expect(r.report).toMatchObject({ mode: 'generated', keyFile: elsewhere, created: true });
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    expect(statSync(elsewhere).mode & 0o777).toBe(0o600);
  });

  it('warns when the key file can be read by group or others', () => {
    const dir = fresh();
    resolveLmdbAtRest(opts(dir));
    chmodSync(join(dir, 'master.key'), 0o644);
    expect(resolveLmdbAtRest(opts(dir)).report.warning).toContain('chmod 600');
  });

  it('refuses a malformed key file with SIRA_ERR_MASTER_KEY_INVALID', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'master.key'), 'short', { mode: 0o600 });
    expect(() => resolveLmdbAtRest(opts(dir))).toThrow(expect.objectContaining({ code: 'SIRA_ERR_MASTER_KEY_INVALID' }));
  });

  it('with encryption off: no key, no file; refused (SIRA_ERR_CONFIG_INVALID) on a sealed store', () => {
    const dir = fresh();
    expect(resolveLmdbAtRest(opts(dir, { encryption: false }))).toEqual({ masters: [], report: { mode: 'off' } });
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    writeFileSync(join(dir, 'keyring.jsonl'), '');
    expect(() => resolveLmdbAtRest(opts(dir, { encryption: false }))).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CONFIG_INVALID' }));
  });

  it('leaves a store written plain (data.mdb, no keyring) plain, with a warning, and creates no key', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'data.mdb'), '');
    const r = resolveLmdbAtRest(opts(dir));
    expect(r.masters).toEqual([]);
    expect(r.report.mode).toBe('off');
    expect(r.report.warning).toContain('stays plain');
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });

  it('refuses a sealed store whose key is neither given nor in its file', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'keyring.jsonl'), '');
    expect(() => resolveLmdbAtRest(opts(dir))).toThrow(expect.objectContaining({ code: 'SIRA_ERR_MASTER_KEY_INVALID' }));
  });

  it('a given master key wins; an existing generated key is kept as an older one (it may still wrap data keys)', () => {
    const dir = fresh();
    expect(resolveLmdbAtRest(opts(dir, { masterKey: GIVEN })).report).toEqual({ mode: 'supplied' });
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    const generated = resolveLmdbAtRest(opts(dir)).masters[0]!;
    const r = resolveLmdbAtRest(opts(dir, { masterKey: GIVEN }));
    expect(r.masters.map((m) => m.id)).toEqual([parseMasterKey(GIVEN).id, generated.id]);
    expect(r.report).toEqual({ mode: 'supplied', keyFile: join(dir, 'master.key') });
    // The generated key given as the master key itself: not listed twice, no older key to report.
    const same = resolveLmdbAtRest(opts(dir, { masterKey: readFileSync(join(dir, 'master.key'), 'utf8') }));
    expect(same).toMatchObject({ masters: [{ id: generated.id }], report: { mode: 'supplied' } });
  });
});

describe('resolveRedisAtRest(options)', () => {
  it('seals only under a given master key: a generated one could not be shared by the instances', () => {
    const dir = fresh();
    expect(resolveRedisAtRest(opts(dir, { store: 'redis://127.0.0.1:6379' }))).toEqual({ masters: [], report: { mode: 'off' } });
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
    expect(resolveRedisAtRest(opts(dir, { store: 'redis://127.0.0.1:6379', masterKey: GIVEN })).report).toEqual({ mode: 'supplied' });
  });
});
