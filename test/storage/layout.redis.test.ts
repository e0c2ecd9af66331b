/**
 * Redis-only behaviour on the standalone server: native expiry on every key, raw binary values, stale index
 * entries, key isolation of ids that hold `:`, several clients on one session, and connection failures.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/core/clock.ts';
import { isSiraError } from '../../src/core/errors.ts';
import { RedisStore } from '../../src/storage/redis/redis-store.ts';
import { deleteKeysWithPrefix, requireStandaloneRedis } from '../helpers/redis-cluster.ts';

const URL_ = process.env.SIRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const GRACE = 60_000;

beforeAll(async () => {
  const { hostname, port } = new URL(URL_);
  await requireStandaloneRedis(hostname, Number(port || 6379));
});

const open: RedisStore[] = [];
const prefixes: string[] = [];
async function fresh(clock = manualClock(Date.UTC(2026, 10, 25, 12)), keyPrefix = `sira-test:${randomBytes(6).toString('hex')}:`) {
  const store = await RedisStore.open({ url: URL_, keyPrefix, clock, gcGraceMs: GRACE });
  open.push(store);
  prefixes.push(keyPrefix);
  return { store, clock, keyPrefix, r: store.client };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  const admin = await RedisStore.open({ url: URL_ });
  for (const p of prefixes.splice(0)) await deleteKeysWithPrefix(admin.client, p);
  await admin.close();
});

const text = (t: string) => ({ role: 'user' as const, parts: [{ type: 'text' as const, text: t }] });

describe('native expiry', () => {
  it('every write sets PEXPIREAT on all five keys of a session, from the real clock (a test clock in the past never expires keys)', async () => {
    // The injected clock is years in the past: PEXPIREAT from it would delete the keys at once.
    const { store, r } = await fresh(manualClock(Date.UTC(2020, 0, 1)));
    const before = Date.now();
    await store.createSession('t', { id: 's', ttl_seconds: 30 });
    await store.appendTurns('t', 's', [text('a')]);
    await store.putState('t', 's', { a: 1 });
    await store.putTensor('t', 's', 'x', { dtype: 'u8', shape: [1], data: new Uint8Array([1]) });
    const after = Date.now();
    const k = store.keys.session('t', 's');
    const keys = [k.session, k.turns, k.state, k.tensors, k.tinfo, k.events];
    const times = await Promise.all(keys.map((key) => r.pexpiretime(key)));
    expect(new Set(times).size).toBe(1); // one deadline for the whole session
    expect(times[0]).toBeGreaterThanOrEqual(before + 30_000 + GRACE);
    expect(times[0]).toBeLessThanOrEqual(after + 30_000 + GRACE);
    expect(await store.getSession('t', 's')).toBeDefined();
  });

  it('clearing the TTL makes every key persistent', async () => {
    const { store, r } = await fresh();
    await store.createSession('t', { id: 's', ttl_seconds: 30 });
    await store.appendTurns('t', 's', [text('a')]);
    await store.putState('t', 's', { a: 1 });
    await store.putTensor('t', 's', 'x', { dtype: 'u8', shape: [1], data: new Uint8Array([1]) });
    await store.updateSession('t', 's', { ttl_seconds: null });
    const k = store.keys.session('t', 's');
    for (const key of [k.session, k.turns, k.state, k.tensors, k.tinfo, k.events]) expect(await r.pexpiretime(key)).toBe(-1);
  });
});

describe('binary values', () => {
  it('tensor bytes are stored raw (the record ends with exactly the data bytes, no base64)', async () => {
    const { store, r } = await fresh();
    await store.createSession('t', { id: 's' });
    const data = new Uint8Array(randomBytes(4096));
    await store.putTensor('t', 's', 'emb', { dtype: 'f32', shape: [1024], data });
    const rec = await r.hgetBuffer(store.keys.session('t', 's').tensors, 'emb');
    expect(rec?.byteLength).toBe(16 + 4096); // 16-byte header for rank 1, then the data
    expect(rec!.subarray(16).equals(Buffer.from(data))).toBe(true);
    const info = await r.hgetBuffer(store.keys.session('t', 's').tinfo, 'emb');
    expect(info?.byteLength).toBe(16); // listing reads headers only
  });
});

describe('indexes', () => {
  it('listSessions() skips and drops entries whose session Redis itself removed', async () => {
    const { store, r, clock } = await fresh();
    for (const id of ['a', 'b', 'c']) {
      await store.createSession('t', { id, user_id: 'u' });
      clock.advance(1);
    }
    const k = store.keys.session('t', 'b');
    await r.del(k.session, k.turns, k.state, k.tensors, k.tinfo, k.events); // as native expiry would
    expect((await store.listSessions('t')).items.map((s) => s.id)).toEqual(['c', 'a']);
    expect((await store.listSessions('t', { user_id: 'u' })).items.map((s) => s.id)).toEqual(['c', 'a']);
    // The stale entries were dropped without waiting; commands on one connection run in order.
    expect(await r.zcard(store.keys.byTime('t'))).toBe(2);
  });

  it('sweepExpired() clears expiry entries of sessions that are already gone, and re-scores slid ones', async () => {
    const { store, r, clock } = await fresh();
    await store.createSession('t', { id: 'gone', ttl_seconds: 1 });
    await store.createSession('t', { id: 'slid', ttl_seconds: 1 });
    const k = store.keys.session('t', 'gone');
    await r.del(k.session, k.turns, k.state, k.tensors, k.tinfo, k.events);
    clock.advance(900);
    await store.appendTurns('t', 'slid', [text('keep')]); // expires_at moves to +1900; its entry still says +1000
    clock.advance(200);
    expect(await store.sweepExpired()).toBe(0);
    expect(await store.getSession('t', 'slid')).toBeDefined();
    const entries = await r.zrange(store.keys.expiry(), 0, '-1', 'WITHSCORES');
    expect(entries).toHaveLength(2);
    expect(Number(entries[1])).toBe(Date.UTC(2026, 10, 25, 12) + 1900);
    clock.advance(1000);
    expect(await store.sweepExpired()).toBe(1);
    expect(await r.zcard(store.keys.expiry())).toBe(0);
    expect(await r.zcard(store.keys.byTime('t'))).toBe(0);
  });
});

describe('isolation', () => {
  it('ids holding ":" never share keys across tenants ("a:b"/"c" vs "a"/"b:c")', async () => {
    const { store } = await fresh();
    expect(store.keys.session('a:b', 'c').session).not.toBe(store.keys.session('a', 'b:c').session);
    await store.createSession('a:b', { id: 'c', metadata: { who: 1 } });
    await store.createSession('a', { id: 'b:c', metadata: { who: 2 } });
    expect((await store.getSession('a:b', 'c'))?.metadata).toEqual({ who: 1 });
    expect((await store.getSession('a', 'b:c'))?.metadata).toEqual({ who: 2 });
  });

  it('a key prefix with a brace is refused (it would break the hash tags)', async () => {
    await expect(RedisStore.open({ url: URL_, keyPrefix: 'x{' })).rejects.toMatchObject({ code: 'SIRA_ERR_CONFIG_INVALID' });
  });
});

describe('several clients', () => {
  it('appends from two connections to one session get distinct dense seqs', async () => {
    const a = await fresh();
    const b = await fresh(a.clock, a.keyPrefix);
    await a.store.createSession('t', { id: 's' });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a.store : b.store).appendTurns('t', 's', [text(`x${i}`), text(`y${i}`)])),
    );
    const seqs = results.flat().map((t) => t.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect((await b.store.getTurns('t', 's'))?.length).toBe(80);
  });

  it('a tail cache never serves turns another client appended after it, nor a deleted and re-created session', async () => {
    const a = await fresh();
    const b = await fresh(a.clock, a.keyPrefix);
    await a.store.createSession('t', { id: 's' });
    await a.store.appendTurns('t', 's', [text('1'), text('2')]);
    expect((await b.store.getTurns('t', 's', { last: 2 }))?.map((t) => t.seq)).toEqual([1, 2]); // fills b's cache
    const hits = b.store.tailCache!.hits;
    expect((await b.store.getTurns('t', 's', { last: 2 }))?.map((t) => t.seq)).toEqual([1, 2]); // served from it
    expect(b.store.tailCache!.hits).toBe(hits + 1);
    await a.store.appendTurns('t', 's', [text('3')]);
    expect((await b.store.getTurns('t', 's', { last: 2 }))?.map((t) => t.seq)).toEqual([2, 3]);
    await a.store.deleteSession('t', 's');
    a.clock.advance(1);
    await a.store.createSession('t', { id: 's' });
    await a.store.appendTurns('t', 's', [text('new'), text('new2'), text('new3')]);
    const again = await b.store.getTurns('t', 's', { last: 1 });
    expect(again?.[0]?.parts).toEqual([{ type: 'text', text: 'new3' }]);
  });

  it('patchState() from two connections loses no update (CAS retried under contention)', async () => {
    const a = await fresh();
    const b = await fresh(a.clock, a.keyPrefix);
    await a.store.createSession('t', { id: 's' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a.store : b.store).patchState('t', 's', { [`k${i}`]: i })));
    const st = await a.store.getState('t', 's');
    expect(st?.version).toBe(20);
    expect(Object.keys(st!.value)).toHaveLength(20);
  });
});

describe('connection', () => {
  it('open() on a port nobody listens on throws SIRA_ERR_STORE_FAILED', async () => {
    try {
      await RedisStore.open({ url: 'redis://127.0.0.1:1' });
      throw new Error('opened');
    } catch (e) {
      expect(isSiraError(e, 'SIRA_ERR_STORE_FAILED')).toBe(true);
    }
  });

  it('calls after close() throw SIRA_ERR_STORE_CLOSED and ready() is false', async () => {
    const { store } = await fresh();
    await store.close();
    expect(await store.ready()).toBe(false);
    await expect(store.getSession('t', 'x')).rejects.toMatchObject({ code: 'SIRA_ERR_STORE_CLOSED' });
  });
});
