import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { f32ToF16 } from '../core/half.ts';
import { tensorFromTypedArray } from '../core/tensor-view.ts';
import { LmdbStore } from '../storage/lmdb/lmdb-store.ts';
import { EmbeddingStore, embeddingTensorName } from './embedding-store.ts';

const DIM = 4;
const unit = (i: number) => {
  const v = new Float32Array(DIM);
  v[i % DIM] = 1;
  return v;
};

describe('EmbeddingStore chunks that grow with the rows written', () => {
  let dir: string;
  let store: LmdbStore;
  let emb: EmbeddingStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'embstore-'));
    store = await LmdbStore.open({ path: dir });
    await store.createSession('t', { id: 's', user_id: null, agent_id: null, metadata: {}, ttl_seconds: null } as never);
    emb = new EmbeddingStore(store, 'm/1', DIM);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const shape = async (name: string) => (await store.getTensor('t', 's', name))?.shape;

  it('stores a chunk as [highest row + 1 rounded up to a power of two ≥ 4, dim], grows it and never shrinks it', async () => {
    await emb.write('t', 's', [{ seq: 1, vector: unit(1) }]);
    expect(await shape(embeddingTensorName('m/1', 1))).toEqual([4, DIM]);
    await emb.write('t', 's', [{ seq: 2, vector: unit(2) }, { seq: 3, vector: unit(3) }]);
    expect(await shape('_emb/m_1/0')).toEqual([4, DIM]);
    // An earlier row rewritten (a backfill) leaves the chunk as long as it was.
    await emb.write('t', 's', [{ seq: 0, vector: unit(0) }]);
    expect(await shape('_emb/m_1/0')).toEqual([4, DIM]);
    // Two chunks in one write: seq 70 is row 6 of chunk 1.
    await emb.write('t', 's', [{ seq: 4, vector: unit(4) }, { seq: 70, vector: unit(70) }]);
    expect(await shape('_emb/m_1/0')).toEqual([8, DIM]);
    expect(await shape('_emb/m_1/1')).toEqual([8, DIM]);
    await emb.write('t', 's', [{ seq: 33, vector: unit(33) }]);
    expect(await shape('_emb/m_1/0')).toEqual([64, DIM]);
    const got = await emb.read('t', 's', [0, 1, 2, 3, 4, 5, 64, 69, 70, 71, 200]);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 70]);
    expect((await emb.read('t', 's', [33, 34])).size).toBe(1);
    expect([...got.get(3)!]).toEqual([...unit(3)]);
    expect([...got.get(70)!]).toEqual([...unit(70)]);
    // 75 is past chunk 1's 8 rows, 200 in a chunk never written: both absent.
    const sims = await emb.similarities('t', 's', [1, 2, 5, 70, 71, 75, 200], unit(2));
    expect(Object.fromEntries(sims)).toEqual({ 1: 0, 2: 1, 70: 1 });
  });

  it('reads and extends a chunk stored full ([64, dim], as before chunks grew): rows of zeros stay unembedded', async () => {
    const bits = new Uint16Array(64 * DIM);
    bits.set(f32ToF16(unit(1)), 10 * DIM);
    await store.putTensor('t', 's', '_emb/m_1/0', tensorFromTypedArray('f16', [64, DIM], bits));
    expect([...(await emb.read('t', 's', [9, 10, 11])).keys()]).toEqual([10]);
    await emb.write('t', 's', [{ seq: 11, vector: unit(3) }]);
    expect(await shape('_emb/m_1/0')).toEqual([64, DIM]);
    expect([...(await emb.read('t', 's', [9, 10, 11])).keys()].sort()).toEqual([10, 11]);
  });

  it('reads a chunk of another shape as nothing embedded, and overwrites it', async () => {
    await store.putTensor('t', 's', '_emb/m_1/0', tensorFromTypedArray('f16', [65, DIM], new Uint16Array(65 * DIM).fill(0x3c00)));
    expect((await emb.read('t', 's', [1])).size).toBe(0);
    expect((await emb.similarities('t', 's', [1], unit(0))).size).toBe(0);
    await emb.write('t', 's', [{ seq: 1, vector: unit(0) }]);
    expect(await shape('_emb/m_1/0')).toEqual([4, DIM]);
    expect((await emb.read('t', 's', [0, 1])).size).toBe(1);
  });

  it('skips a write to a deleted session', async () => {
    await store.deleteSession('t', 's');
    await expect(emb.write('t', 's', [{ seq: 1, vector: unit(1) }])).resolves.toBeUndefined();
  });
});
