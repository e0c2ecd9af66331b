/**
 * @module bench/internal/emb-write-cost
 * Main-thread CPU of one turn-embedding write (one new row per call, the inline writer's case) through a sealed
 * LMDB store opened by the library, for sessions at T turns: the old full-chunk write ([64, dim] from the first
 * turn, kept here as the reference) against {@link EmbeddingStore.write} (chunks of [r, dim]), one write awaited at a
 * time or 50 sessions' writes issued together (`batched`: one commit for many writes; cheaper here, but the service's
 * writer does not do it: behind live appends it cost more, see the comment on EmbeddingStore.write), interleaved rounds.
 * CPU time (not wall time), so it stays meaningful on a loaded machine. Usage: node bench/internal/emb-write-cost.ts [S] [T] [rounds]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSiraError } from '../../src/core/errors.ts';
import { f32ToF16 } from '../../src/core/half.ts';
import { tensorFromTypedArray, tensorView } from '../../src/core/tensor-view.ts';
import { EMB_CHUNK_ROWS, embeddingTensorName } from '../../src/memory/embedding-store.ts';
import { SiraSession } from '../../src/sira.ts';
import type { Store } from '../../src/storage/store.ts';

const S = Number(process.argv[2] ?? 500);
const T = Number(process.argv[3] ?? 4);
const ROUNDS = Number(process.argv[4] ?? 4);

/** The write before chunks grew (a4b37df): read, copy, set one row, write [64, dim]. */
async function oldWrite(store: Store, model: string, dim: number, tenant: string, session: string, seq: number, v: Float32Array): Promise<void> {
  const name = embeddingTensorName(model, seq);
  const prev = await store.getTensor(tenant, session, name);
  const bits = prev !== undefined && prev.dtype === 'f16' && prev.shape[1] === dim ? tensorView(prev as typeof prev & { dtype: 'f16' }).slice() : new Uint16Array(EMB_CHUNK_ROWS * dim);
  bits.set(f32ToF16(v), (seq % EMB_CHUNK_ROWS) * dim);
  try {
    await store.putTensor(tenant, session, name, tensorFromTypedArray('f16', [EMB_CHUNK_ROWS, dim], bits));
  } catch (e) {
    if (!isSiraError(e, 'SIRA_ERR_SESSION_NOT_FOUND')) throw e;
  }
}

const sira = await SiraSession.open({ dataDir: mkdtempSync(join(tmpdir(), 'ewc-')), logLevel: 'silent', sweepIntervalMs: 0, embedder: 'static', auth: false } as never);
const emb = sira.enrichment!.vectors;
const v = new Float32Array(emb.dim).fill(1 / Math.sqrt(emb.dim));
const kinds = ['old', 'new', 'batched'] as const;
type Kind = (typeof kinds)[number];
const ids: Record<Kind, string[]> = { old: [], new: [], batched: [] };
for (const k of kinds) for (let i = 0; i < S; i++) ids[k].push((await sira.tenant('default').createSession({})).id);
const seqOf = { old: 0, new: 0, batched: 0 };
const write = (k: Kind, id: string, seq: number) =>
  k === 'old' ? oldWrite(sira.store, emb.model, emb.dim, 'default', id, seq, v) : emb.write('default', id, [{ seq, vector: v }]);
// Fill each session to T rows, then measure rounds of one more row per session.
for (const k of kinds) for (let s = 0; s < T; s++) for (const id of ids[k]) await write(k, id, s);
seqOf.old = seqOf.new = seqOf.batched = T;
const cpu: Record<Kind, number[]> = { old: [], new: [], batched: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const k of kinds) {
    const seq = seqOf[k]++;
    const c0 = process.threadCpuUsage();
    // batched: the writes of 50 sessions at a time issued together (what a write window coalesces into one commit).
    if (k === 'batched') for (let i = 0; i < S; i += 50) await Promise.all(ids[k].slice(i, i + 50).map((id) => write(k, id, seq)));
    else for (const id of ids[k]) await write(k, id, seq);
    const c = process.threadCpuUsage(c0);
    cpu[k]!.push((c.user + c.system) / S);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const k of kinds) console.log(`${k}: ${S} sessions at ${T}..${T + ROUNDS - 1} rows, dim ${emb.dim}: main-thread CPU per write median ${med(cpu[k]!).toFixed(1)} µs (rounds ${cpu[k]!.map((x) => x.toFixed(0)).join(' ')})`);
await sira.close();
