/**
 * In-process store benchmark (issue 3 targets), Sira's LmdbStore side by side with the raw lmdb floor (the same
 * record bytes, `await db.put` / `getRange`), interleaved in one run:
 *  - Sira with its tail cache (the default) and without it (every read decodes from LMDB);
 *  - 200 sessions × 100 turns appended one at a time by one client: append latency p50/p99;
 *  - read of a session's last 20 turns, and of the session record: p50/p99;
 *  - 100-turn batches: turns/s; 16 concurrent single-turn appenders: turns/s;
 *  - the same with `sync: 'always'` (fsync before acknowledging; concurrent appends share one flush).
 * usage: npm run bench -- store   (env BENCH_QUICK=1 for a short run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { LmdbStore } from '../src/storage/lmdb/lmdb-store.ts';
import { encodeTurn } from '../src/storage/codec/turn.ts';
import type { SyncMode } from '../src/core/config.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, summary } from './lib/stats.ts';
import { appendThroughput, interleaved, seqCounter, type Target } from './lib/ops.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SESSIONS = 200;
const TURNS = QUICK ? 20 : 100;
const READS = QUICK ? 2000 : 20_000;


async function sira(dir: string, sync: SyncMode, cache: boolean): Promise<Target> {
  const store = await LmdbStore.open({ path: dir, sync, tailCache: cache ? {} : false });
  for (let s = 0; s < SESSIONS * 2; s++) await store.createSession('bench', { id: `s${s}` });
  return {
    name: `sira LmdbStore (sync ${sync}, tail cache ${cache ? 'on' : 'off'})`,
    append: async (s, t) => void (await store.appendTurns('bench', `s${s}`, [t])),
    appendBatch: async (s, ts) => void (await store.appendTurns('bench', `s${s}`, ts)),
    last20: async (s) => (await store.getTurns('bench', `s${s}`, { last: 20 }))!.length,
    session: (s) => store.getSession('bench', `s${s}`),
    close: () => store.close(),
  };
}

/** The floor: the same encoded bytes in raw lmdb, keyed [session, seq], read with one range scan. */
async function raw(dir: string, sync: SyncMode): Promise<Target> {
  const env = open({ path: dir, noSync: sync === 'os', overlappingSync: sync === 'always', maxDbs: 4 });
  const db = env.openDB<Uint8Array, (string | number)[]>({ name: 'turns', encoding: 'binary' });
  const seqs = seqCounter();
  const seq = seqs.take;
  return {
    name: `raw lmdb (sync ${sync})`,
    // Same commit strategy as Sira: synchronous commits without fsync in 'os' mode, async (shared fsync) otherwise.
    append: async (s, t) => {
      const key = [`s${s}`, seq(s, 1)];
      const rec = encodeTurn(t, Date.now(), 64);
      if (sync === 'os') env.transactionSync(() => db.putSync(key, rec));
      else await db.put(key, rec);
    },
    appendBatch: async (s, ts) => {
      const first = seq(s, ts.length);
      const recs = ts.map((t) => encodeTurn(t, Date.now(), 64));
      if (sync === 'os') env.transactionSync(() => recs.forEach((r, i) => db.putSync([`s${s}`, first + i], r)));
      else await db.batch(() => recs.forEach((r, i) => db.put([`s${s}`, first + i], r)));
    },
    last20: async (s) => {
      const c = seqs.count(s);
      let n = 0;
      for (const _ of db.getRange({ start: [`s${s}`, c - 19], end: [`s${s}`, c + 1] })) n++;
      return n;
    },
    session: async (s) => seqs.count(s),
    close: () => env.close(),
  };
}



export async function run(): Promise<void> {
  const g = chatTurns(42);
  const rows: (string | number)[][] = [];
  const data: Record<string, unknown> = { machine: machine(), sessions: SESSIONS, turnsPerSession: TURNS };
  for (const sync of ['os', 'always'] as const) {
    const dirs = [mkdtempSync(join(tmpdir(), 'sira-bench-')), mkdtempSync(join(tmpdir(), 'sira-bench-')), mkdtempSync(join(tmpdir(), 'raw-bench-'))];
    const targets = [await sira(dirs[0]!, sync, true), await sira(dirs[1]!, sync, false), await raw(dirs[2]!, sync)];
    const turns = Array.from({ length: SESSIONS * TURNS }, () => g.next());
    const appendN = sync === 'always' ? Math.min(turns.length, 2000) : turns.length;
    const append = await interleaved(targets, (t, i) => t.append(i % SESSIONS, turns[i]!), appendN);
    const rng = mulberry32(7);
    const reads = await interleaved(targets, (t) => t.last20(Math.floor(rng() * SESSIONS)), READS);
    const sess = await interleaved(targets, (t) => t.session(Math.floor(rng() * SESSIONS)), READS);
    const bulk = Array.from({ length: QUICK ? 10_000 : 100_000 }, () => g.next());
    for (const t of targets) {
      const batchRate = await appendThroughput(t, sync === 'always' ? bulk.slice(0, 20_000) : bulk, 100, 1, SESSIONS, SESSIONS);
      const concRate = await appendThroughput(t, bulk.slice(0, sync === 'always' ? 5_000 : 20_000), 1, 16, SESSIONS, SESSIONS);
      const a = summary(append[t.name]!);
      const r = summary(reads[t.name]!);
      const s = summary(sess[t.name]!);
      rows.push([t.name, ms(a.p50), ms(a.p99), ms(r.p50), ms(r.p99), ms(s.p50), ms(s.p99), Math.round(batchRate).toLocaleString('en-US'), Math.round(concRate).toLocaleString('en-US')]);
      data[t.name] = { append: a, last20: r, session: s, batch100TurnsPerSec: batchRate, concurrent16TurnsPerSec: concRate };
    }
    for (const t of targets) await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const md = [
    `Machine: ${data.machine}. ${SESSIONS} sessions × ${TURNS} turns appended one at a time (one client), then ${READS} random reads; latencies in ms.`,
    '',
    table(['system', 'append 1 p50', 'append 1 p99', 'last 20 p50', 'last 20 p99', 'session p50', 'session p99', '100-turn batches turns/s', '16 concurrent appenders turns/s'], rows),
  ].join('\n');
  writeResult('store', data, md);
}

if (import.meta.main) await run();
