/**
 * @module bench/internal/sealing-cost
 * A/B of what sealing costs the LMDB store, in one process, interleaved op by op: values plain, sealed (opened-record
 * cache on, the default) and sealed with that cache off (every read deciphers every record), all with the tail cache
 * off so reads reach LMDB. Appends of realistic chat turns, then reads of a session's last 20 turns; p50 in µs.
 * Usage: node bench/internal/sealing-cost.ts [sessions=50] [turnsPerSession=80] [reads=6000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyring } from '../../src/storage/crypto/keyring.ts';
import { parseMasterKey } from '../../src/storage/crypto/master-key.ts';
import { LmdbStore } from '../../src/storage/lmdb/lmdb-store.ts';
import { chatTurns } from '../../training/lib/corpus.ts';

const SESSIONS = Number(process.argv[2] ?? 50);
const TURNS = Number(process.argv[3] ?? 80);
const READS = Number(process.argv[4] ?? 6000);
const g = chatTurns(42);
const turns = Array.from({ length: SESSIONS * TURNS }, () => g.next());

async function open(name: string, sealed: boolean, cold: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'sira-sealing-cost-'));
  const keyring = sealed ? new FileKeyring(dir, [parseMasterKey('sealing-cost benchmark key, not a secret')]) : undefined;
  const store = await LmdbStore.open({ path: dir, tailCache: false, keyring, ...(cold ? { openedCache: { turns: 0, sessions: 0 } } : {}) });
  // Each user's data key is created (and fsynced) by its first write, before the timed part.
  for (let i = 0; i < SESSIONS; i++) {
    await store.createSession('bench', { id: `s${i}`, user_id: `u${i}` });
    await store.appendTurns('bench', `s${i}`, [turns[0]!]);
  }
  return { name, store, dir };
}

const targets = [await open('plain', false, false), await open('sealed', true, false), await open('sealed, opened cache off', true, true)];
const lat: Record<string, number[]> = {};
const time = async (key: string, op: () => Promise<unknown>) => {
  const t0 = performance.now();
  await op();
  (lat[key] ??= []).push(performance.now() - t0);
};
for (let i = 0; i < turns.length; i++) {
  for (let k = 0; k < targets.length; k++) {
    const t = targets[(i + k) % targets.length]!;
    await time(`append, ${t.name}`, () => t.store.appendTurns('bench', `s${i % SESSIONS}`, [turns[i]!]));
  }
}
for (let i = 0; i < READS; i++) {
  for (let k = 0; k < targets.length; k++) {
    const t = targets[(i + k) % targets.length]!;
    await time(`last 20, ${t.name}`, () => t.store.getTurns('bench', `s${i % SESSIONS}`, { last: 20 }));
  }
}
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const op of ['append', 'last 20']) {
  const base = p50(lat[`${op}, plain`]!);
  for (const t of targets) {
    const v = p50(lat[`${op}, ${t.name}`]!);
    console.log(`${op.padEnd(8)} ${t.name.padEnd(26)} p50 ${(v * 1000).toFixed(1).padStart(7)} µs  ${t.name === 'plain' ? '' : `${v >= base ? '+' : ''}${(((v - base) / base) * 100).toFixed(0)} %`}`);
  }
}
for (const t of targets) {
  await t.store.close();
  rmSync(t.dir, { recursive: true, force: true });
}
