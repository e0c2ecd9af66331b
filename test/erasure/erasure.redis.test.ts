/**
 * Erasure leaves no copy on Redis: a canary planted in every kind of a user's data is, after
 * `DELETE /v1/users/:id`, absent from every key name and every value of the server (all keys, not only this
 * test's prefix): read by type (strings, hashes, sets, sorted sets, streams) and as DUMP payloads. Control: the
 * same scan finds the canary before the erasure. RDB/AOF files are the operator's (docs/internals.md, Erasure).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { parseMasterKey } from '../../src/storage/crypto/master-key.ts';
import { openTestSira } from '../helpers/app.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';
import { countIn, newCanary, plantEverywhere } from './canary.ts';

const REDIS = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:erasure:${randomBytes(6).toString('hex')}:`;

/** Keys and values of the whole server that hold the canary, as `<kind> <key>`. */
async function redisHits(r: Redis, canary: string): Promise<string[]> {
  const hits: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await r.scanBuffer(cursor, 'COUNT', 1000);
    cursor = String(next);
    for (const key of keys) {
      const name = key.toString('latin1');
      if (countIn(key, canary) > 0) hits.push(`name ${name}`);
      const type = await r.type(key);
      const parts: Buffer[] = [];
      if (type === 'string') parts.push((await r.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === 'hash') parts.push(...Object.entries(await r.hgetallBuffer(key)).flatMap(([field, v]) => [Buffer.from(field, 'utf8'), v]));
      else if (type === 'set') parts.push(...(await r.smembersBuffer(key)));
      else if (type === 'zset') parts.push(...(await r.zrangeBuffer(key, '0', '-1')));
      else if (type === 'list') parts.push(...(await r.lrangeBuffer(key, 0, -1)));
      else if (type === 'stream') {
        for (const [, fields] of (await r.xrangeBuffer(key, '-', '+')) as unknown as [Buffer, Buffer[]][]) parts.push(...fields);
      }
      const dump = await r.dumpBuffer(key);
      if (dump !== null) parts.push(dump);
      if (parts.some((p) => countIn(p, canary) > 0)) hits.push(`${type} ${name}`);
    }
  } while (cursor !== '0');
  return hits;
}

describe('DELETE /v1/users/:id leaves no copy (redis)', () => {
  let admin: RedisStore;
  beforeAll(async () => {
    await requireStandaloneRedis();
    admin = await RedisStore.open({ url: REDIS, keyPrefix: prefix });
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(admin.client, prefix);
    await admin.close();
  });

  it('the canary is in no key and no value of the server after the erasure, and was before it', async () => {
    const { sira, cleanup } = await openTestSira({ store: REDIS, redisKeyPrefix: prefix });
    try {
      const app = await buildApp({ sira });
      const { key } = await sira.createApiKey('acme', 'test');
      const canary = newCanary();
      const keep = newCanary();
      await plantEverywhere(sira, 'acme', 'u-erased', canary);
      const kept = await plantEverywhere(sira, 'acme', 'u-kept', keep);
      const r = admin.client as Redis;
      const before = await redisHits(r, canary);
      // Control: the scan sees every kind that holds the canary (turns, state, tensors, profile, experience…).
      expect(before.length).toBeGreaterThanOrEqual(5);
      const res = await app.inject({ method: 'DELETE', url: '/v1/users/u-erased', headers: { authorization: `Bearer ${key}` } });
      expect(JSON.parse(res.body)).toEqual({ user_id: 'u-erased', deleted: { sessions: 2, profile: true, experiences: 1 } });
      expect(await redisHits(r, canary)).toEqual([]);
      expect((await redisHits(r, keep)).length).toBeGreaterThanOrEqual(5);
      expect(JSON.stringify(await sira.tenant('acme').getTurns(kept.sessions[0]!))).toContain(keep);
      await app.close();
    } finally {
      await cleanup();
    }
  });

  it('with a master key no value holds the canary even before the erasure (sealed at rest), yet it reads back', async () => {
    const { sira, cleanup } = await openTestSira({ store: REDIS, redisKeyPrefix: prefix, masterKey: 'redis canary test master key, 32+ chars' });
    try {
      const canary = newCanary();
      const planted = await plantEverywhere(sira, 'acme', 'u-sealed', canary); // checks every kind reads back
      const r = admin.client as Redis;
      expect(await redisHits(r, canary)).toEqual([]);
      expect((await sira.tenant('acme').getState(planted.sessions[0]!)).value).toEqual({ secret: canary, again: canary });
      expect((await sira.tenant('acme').eraseUser('u-sealed')).sessions_deleted).toBe(2);
      expect(await redisHits(r, canary)).toEqual([]);
      // Erasing the tenant destroys its data key: what a copy of the dataset (an old RDB file) holds of it is noise.
      expect((await sira.eraseTenant('acme')).data_keys).toBe(1);
      expect(await r.hexists(`${prefix}{keyring}`, 's:t:acme')).toBe(0);
    } finally {
      await cleanup();
    }
  });
});

describe('sira-session keys rotate (redis)', () => {
  it('re-wraps the tenants\' data keys kept in Redis; the old master key alone no longer reads the data', async () => {
    const { main } = await import('../../src/cli/main.ts');
    const keyPrefix = `${prefix}rot:`;
    const OLD = 'old redis master key for the rotation test';
    const NEW = 'new redis master key for the rotation test';
    const before = await RedisStore.open({ url: REDIS, keyPrefix, masterKeys: [parseMasterKey(OLD)] });
    await before.createSession('acme', { id: 's', metadata: { secret: 'x' } });
    await before.putState('acme', 's', { v: 1 });
    await before.close();
    let err = '';
    let out = '';
    const rc = await main(['keys', 'rotate', '--store', REDIS], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { SIRA_MASTER_KEY: NEW, SIRA_MASTER_KEY_PREVIOUS: OLD, SIRA_REDIS_KEY_PREFIX: keyPrefix },
    });
    expect({ rc, err: err.includes('sira-session:') ? err : '' }).toEqual({ rc: 0, err: '' });
    expect(JSON.parse(out)).toMatchObject({ rewrapped: 1 });
    const after = await RedisStore.open({ url: REDIS, keyPrefix, masterKeys: [parseMasterKey(NEW)] });
    expect((await after.getState('acme', 's'))?.value).toEqual({ v: 1 });
    expect((await after.getSession('acme', 's'))?.metadata).toEqual({ secret: 'x' });
    await after.close();
    const stale = await RedisStore.open({ url: REDIS, keyPrefix, masterKeys: [parseMasterKey(OLD)] });
    await expect(stale.getState('acme', 's')).rejects.toMatchObject({ code: 'SIRA_ERR_MASTER_KEY_INVALID' });
    await stale.close();
  });
});
