/**
 * @module bench/peers/raw-redis
 * The networked floor, and what a hand-rolled Redis store looks like: each session a list of the same turn
 * records as Sira's codec (RPUSH, one command for a batch), read with LRANGE -k -1 as Buffers; state a string.
 * Keys carry a per-run prefix and are deleted at teardown.
 */
import { Redis } from 'ioredis';
import { encodeTurn } from '../../src/storage/codec/turn.ts';
import type { NewTurn } from '../../src/core/types.ts';
import { recencyWindow, type PeerSystem, type SeedSession } from './adapter.ts';
import { recordTextBytes } from './raw-lmdb.ts';

/** The record as a Buffer view of the same memory (ioredis sends Buffers as bulk strings; no copy). */
const rec = (t: NewTurn): Buffer => {
  const u = encodeTurn(t, Date.now(), 64);
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
};

/** Connect to Redis (REDIS_URL, default redis://127.0.0.1:6379). */
export async function rawRedis(): Promise<PeerSystem> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  const persistence = (await redis.config('GET', 'appendonly')) as string[];
  const prefix = `sira-peers:${process.pid}:${Date.now().toString(36)}:`;
  const tk = (s: string) => `${prefix}{${s}}:turns`;
  const sk = (s: string) => `${prefix}{${s}}:state`;
  const ids: string[] = [];
  return {
    name: 'raw ioredis (floor)',
    notes: `ioredis 6.0.0 to Redis on loopback (appendonly ${persistence[1] ?? '?'}: an acknowledged write is in memory only); RPUSH of Sira turn records, LRANGE -k -1 as Buffers, GET of the state bytes. Context: recency sized from record headers.`,
    async setup(sessions: readonly SeedSession[]) {
      for (const s of sessions) {
        ids.push(s.id);
        await redis
          .pipeline()
          .rpush(tk(s.id), ...s.turns.map((t) => rec(t)))
          .set(sk(s.id), JSON.stringify(s.state))
          .exec();
      }
    },
    append: async (s, t) => void (await redis.rpush(tk(s), rec(t))),
    appendBatch: async (s, ts) => void (await redis.rpush(tk(s), ...ts.map((t) => rec(t)))),
    lastK: async (s, k) => (await redis.lrangeBuffer(tk(s), -k, -1)).length,
    getState: async (s) => (await redis.getBuffer(sk(s)))?.length ?? 0,
    contextWindow: (s, budget) => recencyWindow((k) => redis.lrangeBuffer(tk(s), -k, -1), budget, recordTextBytes),
    // MEMORY USAGE of up to 200 evenly spaced sessions' keys, scaled to all of them (the server is shared, so
    // used_memory would count other clients' keys too).
    async footprint() {
      const step = Math.max(1, Math.floor(ids.length / 200));
      let bytes = 0;
      let n = 0;
      for (let i = 0; i < ids.length; i += step, n++) {
        for (const key of [tk(ids[i]!), sk(ids[i]!)]) bytes += Number((await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
      }
      return { storedBytes: n === 0 ? 0 : (bytes / n) * ids.length, storedWhat: 'Redis memory of its keys (MEMORY USAGE, sampled)' };
    },
    async teardown() {
      for (let i = 0; i < ids.length; i += 500) await redis.del(...ids.slice(i, i + 500).flatMap((s) => [tk(s), sk(s)]));
      redis.disconnect();
    },
  };
}
