/**
 * Two service instances sharing one Redis learn about the same user at the same time: their profile writes race,
 * and compare-and-set retries must keep every statement (no lost update).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentOf, decodeProfile, PROFILES_COLLECTION } from '../../src/memory/profile/index.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { SiraSession } from '../../src/sira.ts';
import { deleteKeysWithPrefix } from '../helpers/redis-cluster.ts';

const REDIS = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sira-test:profiles-cas:${randomBytes(6).toString('hex')}:`;

describe('profiles on two instances sharing Redis', () => {
  let a: SiraSession;
  let b: SiraSession;
  beforeAll(async () => {
    const opts = { store: REDIS, redisKeyPrefix: prefix, sweepIntervalMs: 0, logLevel: 'silent' as const, eventPollIntervalMs: 0 };
    a = await SiraSession.open(opts);
    b = await SiraSession.open(opts);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    const admin = await RedisStore.open({ url: REDIS, keyPrefix: prefix });
    await deleteKeysWithPrefix(admin.client, prefix);
    await admin.close();
  });

  it('concurrent extraction for one user on both instances loses no statement', async () => {
    const foods = ['olives', 'kale', 'tofu', 'sushi', 'okra', 'fennel', 'beets', 'lentils', 'pickles', 'garlic', 'ginger', 'celery'];
    const sa = await a.tenant('acme').createSession({ user_id: 'u1' });
    const sb = await b.tenant('acme').createSession({ user_id: 'u1' });
    await Promise.all(
      foods.map((f, i) => (i % 2 === 0 ? a.tenant('acme').appendTurns(sa.id, [{ role: 'user', content: `I love ${f}.` }]) : b.tenant('acme').appendTurns(sb.id, [{ role: 'user', content: `I hate ${f}.` }]))),
    );
    await Promise.all([a.profiles!.drain(), b.profiles!.drain()]);
    const rec = await a.store.getDoc('acme', PROFILES_COLLECTION, 'u1');
    const doc = decodeProfile(rec!.value);
    for (const [i, f] of foods.entries()) expect(currentOf(doc, `likes/${f}`)).toMatchObject({ value: f, polarity: i % 2 === 0 ? 'positive' : 'negative' });
    expect(a.profiles!.stats.errors + b.profiles!.stats.errors).toBe(0);
  });
});
