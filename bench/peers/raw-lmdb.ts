/**
 * @module bench/peers/raw-lmdb
 * The in-process floor: the same record bytes as Sira's turn codec (src/storage/codec/turn.ts) in a bare lmdb-js
 * database keyed [session, seq], committed the way Sira's `sync: 'os'` commits (synchronous transaction, no
 * fsync); reads return the stored bytes without decoding them. The context window is sized from each record's
 * header (its u32 text length), so the floor never decompresses a record either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { encodeTurn } from '../../src/storage/codec/turn.ts';
import { diskBytes } from '../lib/footprint.ts';
import { recencyWindow, type PeerSystem, type SeedSession } from './adapter.ts';

/** Text length recorded in a turn record's header (bytes 4-7, little-endian). */
export const recordTextBytes = (rec: Uint8Array): number => (rec[4]! | (rec[5]! << 8) | (rec[6]! << 16)) + rec[7]! * 0x1000000;

/** Open the raw lmdb floor in a temporary directory. */
export async function rawLmdb(): Promise<PeerSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'peers-lmdb-'));
  const env = open({ path: dir, noSync: true, maxDbs: 4 });
  const turns = env.openDB<Uint8Array, (string | number)[]>({ name: 'turns', encoding: 'binary' });
  const states = env.openDB<Uint8Array, string>({ name: 'state', encoding: 'binary' });
  const counts = new Map<string, number>();
  const reserve = (s: string, n: number): number => {
    const c = counts.get(s) ?? 0;
    counts.set(s, c + n);
    return c + 1;
  };
  const newest = (s: string, k: number): Uint8Array[] => {
    const c = counts.get(s) ?? 0;
    const out: Uint8Array[] = [];
    for (const { value } of turns.getRange({ start: [s, Math.max(1, c - k + 1)], end: [s, c + 1] })) out.push(value);
    return out;
  };
  const write = (s: string, recs: readonly Uint8Array[]) => {
    const first = reserve(s, recs.length);
    env.transactionSync(() => recs.forEach((r, i) => turns.putSync([s, first + i], r)));
  };
  return {
    name: 'raw lmdb (floor)',
    notes: 'lmdb-js 3.5.6, binary values = Sira turn records (zstd+dictionary, msgpack), key [session, seq], synchronous commit without fsync (as Sira sync os). State: one get of the state bytes. Context: recency sized from record headers.',
    async setup(sessions: readonly SeedSession[]) {
      for (const s of sessions) {
        write(s.id, s.turns.map((t) => encodeTurn(t, Date.now(), 64)));
        states.putSync(s.id, Buffer.from(JSON.stringify(s.state)));
      }
    },
    append: async (s, t) => write(s, [encodeTurn(t, Date.now(), 64)]),
    appendBatch: async (s, ts) => write(s, ts.map((t) => encodeTurn(t, Date.now(), 64))),
    lastK: async (s, k) => newest(s, k).length,
    getState: async (s) => states.getBinary(s)?.length ?? 0,
    contextWindow: (s, budget) => recencyWindow(async (k) => newest(s, k), budget, recordTextBytes),
    footprint: async () => ({ storedBytes: diskBytes(dir), storedWhat: 'LMDB files on disk' }),
    async teardown() {
      await env.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
