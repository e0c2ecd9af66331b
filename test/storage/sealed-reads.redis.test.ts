/**
 * Sealed turn reads on Redis with the opened-record cache: the same turns on every read, from a second instance
 * too (which opens them itself), and nothing after the tenant's key is destroyed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMasterKey } from '../../src/storage/crypto/master-key.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';

const REDIS = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `sira-test:sealed-reads:${randomBytes(6).toString('hex')}:`;
const masterKeys = [parseMasterKey('c'.repeat(64))];
const open = () => RedisStore.open({ url: REDIS, keyPrefix, masterKeys, tailCache: false });

beforeAll(() => requireStandaloneRedis());
afterAll(async () => {
  const admin = await RedisStore.open({ url: REDIS, keyPrefix });
  await deleteKeysWithPrefix(admin.client, keyPrefix);
  await admin.close();
});

describe('sealed reads (redis)', () => {
  it('getTurns returns what was appended, read again and from another instance; nothing once the key is destroyed', async () => {
    const a = await open();
    const b = await open();
    await a.createSession('acme', { id: 's1', user_id: 'u1' });
    const texts = Array.from({ length: 25 }, (_, i) => `redis turn ${i} `.repeat(1 + (i % 5)));
    for (const text of texts) await a.appendTurns('acme', 's1', [{ role: 'user', parts: [{ type: 'text', text }] }]);
    const read = async (s: RedisStore) => (await s.getTurns('acme', 's1', { last: 20 }))!.map((t) => (t.parts[0] as { text: string }).text);
    for (const s of [a, a, b, b]) expect(await read(s)).toEqual(texts.slice(5));
    expect(await a.sealer!.destroy('acme')).toBe(1);
    expect(await a.getTurns('acme', 's1', { last: 20 })).toBeUndefined();
    await a.close();
    await b.close();
  });
});
