/**
 * The audit log: key creation and revocation (library, CLI and admin route) and policy changes are recorded
 * durably (they survive a reopen of the store), readable through `GET /v1/admin/audit` and `sira-session audit
 * list`, and no entry holds a secret.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.ts';
import { scrubDetails } from '../../src/memory/audit.ts';
import { SiraSession } from '../../src/sira.ts';
import { json, tempDir, testApp } from '../helpers/app.ts';

const ADMIN = 'admin-key-0123456789abcdef';
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string } {
  let out = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env, out: () => out };
}

describe('audit log', () => {
  it('scrubDetails() drops secret-named fields, keeps ids, and redacts keys and tokens inside strings', () => {
    expect(
      scrubDetails({ api_key: 'sira_x', token: 't', password: 'p', key_id: 'key_1', note: 'rotated sk-proj-abcdefghijklmnopqrstuvwxyz0123 today', nested: { secret: 's', n: 1 } }),
    ).toEqual({ key_id: 'key_1', note: 'rotated [API_KEY] today', nested: { n: 1 } });
  });

  it('records key create/revoke and policy changes through the admin routes, never with the key', async () => {
    const t = await testApp({ adminKey: ADMIN });
    try {
      const admin = { authorization: `Bearer ${ADMIN}` };
      const created = await t.app.inject({ method: 'POST', url: '/v1/admin/tenants/gamma/keys', headers: admin, payload: { name: 'ops' } });
      expect(created.statusCode).toBe(201);
      const { key, id } = json<{ key: string; id: string }>(created);
      // The new key works at once, for its tenant.
      expect((await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: { authorization: `Bearer ${key}` }, payload: {} })).statusCode).toBe(201);
      await t.app.inject({ method: 'PUT', url: '/v1/admin/tenants/gamma/policy', headers: admin, payload: { quotas: { sessions: 5 } } });
      expect((await t.app.inject({ method: 'DELETE', url: `/v1/admin/keys/${id}`, headers: admin })).statusCode).toBe(204);
      expect((await t.app.inject({ method: 'DELETE', url: `/v1/admin/keys/${id}`, headers: admin })).statusCode).toBe(400);

      const page = await t.app.inject({ url: '/v1/admin/audit?tenant=gamma', headers: admin });
      expect(page.statusCode).toBe(200);
      const entries = json<{ entries: { action: string; actor: string; target: string | null; at: string }[]; cursor: string | null }>(page).entries;
      expect(entries.map((e) => [e.action, e.actor, e.target])).toEqual([
        ['key.create', 'admin', id],
        ['policy.set', 'admin', null],
        ['key.revoke', 'admin', id],
      ]);
      expect(page.body).not.toContain(key);
      // Everything acme's setup did is there too (testApp creates two keys through the library).
      const all = json<{ entries: { action: string; tenant: string }[] }>(await t.app.inject({ url: '/v1/admin/audit?action=key.create', headers: admin })).entries;
      expect(all.map((e) => e.tenant)).toEqual(['acme', 'beta', 'gamma']);
      expect(json<{ entries: unknown[]; cursor: string | null }>(await t.app.inject({ url: '/v1/admin/audit?limit=2', headers: admin })).cursor).not.toBeNull();
    } finally {
      await t.close();
    }
  });

  it('sira-session keys, quotas and audit list: entries are durable and the key is in no file', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const create = io();
    expect(await main(['keys', 'create', '--tenant', 'acme', '--data-dir', dir], create)).toBe(0);
    const key = create.out().trim();
    const set = io();
    expect(await main(['quotas', 'set', '--tenant', 'acme', '--sessions', '10', '--rps', '50', '--redact', 'context', '--data-dir', dir], set)).toBe(0);
    expect(JSON.parse(set.out())).toMatchObject({ tenant: 'acme', override: { quotas: { sessions: 10, requestsPerSecond: 50 }, redact: 'context' }, effective: { quotas: { sessions: 10 } } });
    expect(await main(['quotas', 'set', '--tenant', 'acme', '--sessions', 'many', '--data-dir', dir], io())).toBe(2);
    expect(await main(['quotas', 'clear', '--tenant', 'acme', '--data-dir', dir], io())).toBe(0);

    const list = io();
    expect(await main(['audit', 'list', '--json', '--data-dir', dir], list)).toBe(0);
    const entries = list.out().trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor: string; tenant: string });
    expect(entries.map((e) => `${e.action}:${e.actor}:${e.tenant}`)).toEqual(['key.create:cli:acme', 'policy.set:cli:acme', 'policy.delete:cli:acme']);
    const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent' });
    try {
      expect((await sira.auditLog.list()).entries).toHaveLength(3);
    } finally {
      await sira.close();
    }
    for (const f of await readdir(dir, { recursive: true })) {
      const bytes = await readFile(join(dir, f)).catch(() => undefined);
      if (bytes !== undefined) expect(bytes.includes(Buffer.from(key)), f).toBe(false);
    }
  });
});
