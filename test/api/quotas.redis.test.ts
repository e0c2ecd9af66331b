/**
 * Quotas, policy overrides, the audit log and redaction on the real Redis (standalone, a fresh key prefix): the
 * same behaviour as on LMDB, and an override stored through one instance reaches another (both read the store).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { countUsage } from '../../src/memory/quotas/index.ts';
import { SiraSession } from '../../src/sira.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { expectProblem, json } from '../helpers/app.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:${randomBytes(6).toString('hex')}:`;
const ADMIN = 'admin-key-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}` };
const open: SiraSession[] = [];

async function instance() {
  const sira = await SiraSession.open({ store: URL_, redisKeyPrefix: prefix, adminKey: ADMIN, sweepIntervalMs: 0, logLevel: 'silent', profiles: false });
  open.push(sira);
  const app = await buildApp({ sira });
  await app.ready();
  return { sira, app };
}

beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
});
afterAll(async () => {
  for (const s of open) await s.close();
  const r = await RedisStore.open({ url: URL_ });
  await deleteKeysWithPrefix(r.client, prefix);
  await r.close();
});

it('session quota set through one instance holds on another; the audit log and redaction work on Redis', async () => {
  const a = await instance();
  const b = await instance();
  const created = await a.app.inject({ method: 'POST', url: '/v1/admin/tenants/acme/keys', headers: admin, payload: {} });
  const auth = { authorization: `Bearer ${json<{ key: string }>(created).key}` };
  const put = await a.app.inject({ method: 'PUT', url: '/v1/admin/tenants/acme/policy', headers: admin, payload: { quotas: { sessions: 1 }, redact: 'store' } });
  expect(put.statusCode).toBe(200);

  await b.sira.quotas.usage.idle();
  expect((await b.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: { id: 's' } })).statusCode).toBe(201);
  expectProblem(await b.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: {} }), 429, 'SIRA_ERR_QUOTA_SESSIONS');

  const turns = await b.app.inject({ method: 'POST', url: '/v1/sessions/s/turns', headers: auth, payload: { turns: [{ role: 'user', content: 'write to ops@example.org' }] } });
  expect(turns.body).toContain('[EMAIL]');
  expect(JSON.stringify(await b.sira.store.getTurns('acme', 's'))).not.toContain('ops@example.org');
  expect(await countUsage(b.sira.store, 'acme')).toMatchObject({ sessions: 1 });

  const audit = json<{ entries: { action: string }[] }>(await b.app.inject({ url: '/v1/admin/audit?tenant=acme', headers: admin }));
  expect(audit.entries.map((e) => e.action)).toEqual(['key.create', 'policy.set']);
});
