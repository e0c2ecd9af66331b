import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2normalize } from '../models/embedder.ts';
import { openStore } from '../storage/index.ts';
import type { Store } from '../storage/store.ts';
import { resolveConfig } from '../core/config.ts';
import { tempDir } from '../../test/helpers/app.ts';
import { VECTOR_INDEX_COLLECTION, VectorIndex, VectorIndexes } from './vector-index.ts';
import { mulberry32 as prng } from '../core/rng.ts';

const SEED = 0x5eed;


function randomVectors(n: number, dim: number, seed = SEED): Float32Array[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, () => l2normalize(Float32Array.from({ length: dim }, () => rnd() * 2 - 1)));
}

/** Exact top-k by dot product (the reference the HNSW answer is checked against). */
function exact(vs: readonly Float32Array[], q: Float32Array, k: number, skip = new Set<number>()): number[] {
  return vs
    .map((v, i) => ({ i, s: v.reduce((a, x, j) => a + x * q[j]!, 0) }))
    .filter((x) => !skip.has(x.i))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.i);
}

describe('VectorIndex', () => {
  it('search(q, k) finds the exact nearest neighbours (recall@10 ≥ 0.95) after growing past its capacity', () => {
    const vs = randomVectors(600, 32);
    const idx = new VectorIndex({ dim: 32, initialCapacity: 16 });
    vs.forEach((v, i) => idx.add(`k${i}`, v));
    expect(idx.size).toBe(600);
    expect(idx.capacity).toBeGreaterThanOrEqual(600);
    let found = 0;
    for (const q of randomVectors(20, 32, SEED + 1)) {
      const want = new Set(exact(vs, q, 10).map((i) => `k${i}`));
      found += idx.search(q, 10).filter((h) => want.has(h.key)).length;
    }
    expect(found / 200).toBeGreaterThanOrEqual(0.95);
  });

  it('scores are cosine similarities: a stored vector finds itself with score 1', () => {
    const vs = randomVectors(50, 16);
    const idx = new VectorIndex({ dim: 16 });
    vs.forEach((v, i) => idx.add(`k${i}`, v));
    const [hit] = idx.search(vs[7]!, 1);
    expect(hit!.key).toBe('k7');
    expect(hit!.score).toBeCloseTo(1, 5);
  });

  it('remove(key) hides it from searches; a later add reuses its slot; add(key) twice replaces the vector', () => {
    const vs = randomVectors(40, 16);
    const idx = new VectorIndex({ dim: 16, initialCapacity: 40 });
    vs.forEach((v, i) => idx.add(`k${i}`, v));
    expect(idx.remove('k3')).toBe(true);
    expect(idx.remove('k3')).toBe(false);
    expect(idx.search(vs[3]!, 40).map((h) => h.key)).not.toContain('k3');
    idx.add('new', vs[3]!);
    expect(idx.capacity).toBe(40);
    expect(idx.search(vs[3]!, 1)[0]!.key).toBe('new');
    idx.add('new', vs[5]!);
    expect(idx.size).toBe(40);
    expect(idx.search(vs[5]!, 2).map((h) => h.key).sort()).toEqual(['k5', 'new']);
  });

  it('search(q, k, accept) returns only accepted keys', () => {
    const vs = randomVectors(100, 16);
    const idx = new VectorIndex({ dim: 16 });
    vs.forEach((v, i) => idx.add(`${i % 2 ? 'odd' : 'even'}/${i}`, v));
    const hits = idx.search(vs[0]!, 10, (k) => k.startsWith('odd/'));
    expect(hits).toHaveLength(10);
    expect(hits.every((h) => h.key.startsWith('odd/'))).toBe(true);
  });

  it('save() then load() gives the same answers, deletes included; a mismatched pair of files is refused', async () => {
    const dir = await tempDir();
    try {
      const vs = randomVectors(200, 16);
      const idx = new VectorIndex({ dim: 16 });
      vs.forEach((v, i) => idx.add(`k${i}`, v));
      idx.remove('k0');
      idx.meta = { hello: 'world' };
      idx.version = 7;
      await idx.save(join(dir, 'a'));
      const back = (await VectorIndex.load(join(dir, 'a'), { dim: 16 }))!;
      expect(back.version).toBe(7);
      expect(back.meta).toEqual({ hello: 'world' });
      expect(back.size).toBe(199);
      for (const q of randomVectors(5, 16, 9)) expect(back.search(q, 5)).toEqual(idx.search(q, 5));
      expect(await VectorIndex.load(join(dir, 'a'), { dim: 8 })).toBeUndefined();
      expect(await VectorIndex.load(join(dir, 'missing'), { dim: 16 })).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('VectorIndexes on a real LMDB store', () => {
  let dir: string;
  let store: Store;
  const vs = randomVectors(30, 8);
  const docs = new Map<string, Float32Array>();
  let rebuilds = 0;
  const source = () => {
    rebuilds++;
    return (async function* () {
      for (const [key, vector] of docs) yield { key, vector };
    })();
  };
  beforeAll(async () => {
    dir = await tempDir();
    store = await openStore(resolveConfig({ dataDir: join(dir, 'db') }), () => Date.now());
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('open() builds from the source once; change() keeps it current without a rebuild and bumps the counter', async () => {
    const reg = new VectorIndexes(store, { dir: join(dir, 'idx'), saveDelayMs: 10_000 });
    for (let i = 0; i < 10; i++) docs.set(`k${i}`, vs[i]!);
    const a = await reg.open('t1', 'exp', 8, source);
    expect(a.size).toBe(10);
    expect(rebuilds).toBe(1);
    docs.set('k10', vs[10]!);
    await reg.change('t1', 'exp', 8, (idx) => idx.add('k10', vs[10]!));
    docs.delete('k0');
    await reg.change('t1', 'exp', 8, (idx) => idx.remove('k0'));
    const b = await reg.open('t1', 'exp', 8, source);
    expect(rebuilds).toBe(1);
    expect([...b.keys()].sort()).toEqual([...docs.keys()].sort());
    expect((await store.getDoc('t1', VECTOR_INDEX_COLLECTION, 'exp'))!.version).toBe(2);
    await reg.close();
  });

  it('a new registry loads the saved file when its version matches, and rebuilds when the store moved on', async () => {
    const reg = new VectorIndexes(store, { dir: join(dir, 'idx') });
    const a = await reg.open('t1', 'exp', 8, source);
    expect(rebuilds).toBe(1);
    expect(a.has('k0')).toBe(false);
    expect(a.has('k10')).toBe(true);
    // Another instance (or a crash before the save) changed the store: the counter tells.
    docs.set('k11', vs[11]!);
    await store.putDoc('t1', VECTOR_INDEX_COLLECTION, 'exp', new Uint8Array(0));
    const reg2 = new VectorIndexes(store, { dir: join(dir, 'idx') });
    const b = await reg2.open('t1', 'exp', 8, source);
    expect(rebuilds).toBe(2);
    expect(b.has('k11')).toBe(true);
    await reg.close();
    await reg2.close();
  });

  it('beyond maxOpen the least recently used index is saved and dropped, then reloaded from its file', async () => {
    const reg = new VectorIndexes(store, { dir: join(dir, 'lru'), maxOpen: 2 });
    const built: string[] = [];
    const src = (name: string) => () => {
      built.push(name);
      return (async function* () {
        yield { key: `${name}-key`, vector: vs[0]! };
      })();
    };
    await reg.open('t3', 'a', 8, src('a'));
    await reg.open('t3', 'b', 8, src('b'));
    await reg.open('t3', 'a', 8, src('a')); // a is now the most recent: b is the one to go
    await reg.open('t3', 'c', 8, src('c'));
    expect(reg.openCount).toBe(2);
    await reg.flush();
    const b = await reg.open('t3', 'b', 8, src('b'));
    expect([...b.keys()]).toEqual(['b-key']);
    expect(built).toEqual(['a', 'b', 'c']);
    await reg.close();
  });

  it('indexes are per tenant: another tenant’s scope of the same name starts from its own source', async () => {
    const reg = new VectorIndexes(store, { dir: join(dir, 'idx') });
    const other = await reg.open('t2', 'exp', 8, () =>
      (async function* () {
        yield { key: 'only-t2', vector: vs[20]! };
      })(),
    );
    expect([...other.keys()]).toEqual(['only-t2']);
    const mine = await reg.open('t1', 'exp', 8, source);
    expect(mine.search(vs[20]!, 30).map((h) => h.key)).not.toContain('only-t2');
    await reg.close();
  });
});
