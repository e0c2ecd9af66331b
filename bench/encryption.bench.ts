/**
 * Cost of sealing every value (per-user AES-256-GCM data keys, issue 11) on the embedded store, side by side in
 * one run, interleaved op by op: LmdbStore with values plain and sealed, each with its tail cache on (the
 * default: hot reads skip LMDB and so the cipher) and off (every read opens the sealed records), plus a context
 * build through the library facade (SiraSession, plain vs sealed). Target: sealing adds ≤ 10 % to append and
 * read p50.
 *  - 200 sessions (one user each) × 100 turns appended one at a time: append p50/p99;
 *  - reads of a session's last 20 turns and of the session record: p50/p99;
 *  - the same, sealed, with the opened-record cache off too (every read deciphers every record: the cold cost);
 *  - context build on a 100-turn session (budget 2,000 tokens, a query): p50/p99;
 *  - the same appends and reads on RedisStore (BENCH_REDIS_URL, default redis://127.0.0.1:6379), plain vs sealed
 *    (per-tenant keys), tail cache off, under random key prefixes deleted afterwards; BENCH_REDIS=off skips it.
 * usage: npm run bench -- encryption   (env BENCH_QUICK=1 for a short run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbStore } from '../src/storage/lmdb/lmdb-store.ts';
import { FileKeyring } from '../src/storage/crypto/keyring.ts';
import { parseMasterKey } from '../src/storage/crypto/master-key.ts';
import { SiraSession } from '../src/sira.ts';
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../src/storage/redis/redis-store.ts';
import { deleteKeysWithPrefix } from '../test/helpers/redis-cluster.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, now, summary } from './lib/stats.ts';
import { interleaved, type Target } from './lib/ops.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SESSIONS = QUICK ? 20 : 200;
const TURNS = QUICK ? 20 : 100;
const READS = QUICK ? 500 : 20_000;
const CONTEXTS = QUICK ? 20 : 500;
const MASTER = 'benchmark master key: not a secret, only for this run';

/** `cold`: sealed with the opened-record cache off, so every read deciphers every record it returns. */
async function store(dir: string, sealed: boolean, cache: boolean, cold = false): Promise<Target> {
  const keyring = sealed ? new FileKeyring(dir, [parseMasterKey(MASTER)]) : undefined;
  const s = await LmdbStore.open({ path: dir, tailCache: cache ? {} : false, keyring, ...(cold ? { openedCache: { turns: 0, sessions: 0 } } : {}) });
  for (let i = 0; i < SESSIONS; i++) await s.createSession('bench', { id: `s${i}`, user_id: `u${i}` });
  return {
    name: `LmdbStore values ${sealed ? 'sealed' : 'plain'}, tail cache ${cache ? 'on' : 'off'}${cold ? ', opened cache off' : ''}`,
    append: async (i, t) => void (await s.appendTurns('bench', `s${i}`, [t])),
    appendBatch: async (i, ts) => void (await s.appendTurns('bench', `s${i}`, ts)),
    last20: async (i) => (await s.getTurns('bench', `s${i}`, { last: 20 }))!.length,
    session: (i) => s.getSession('bench', `s${i}`),
    close: () => s.close(),
  };
}

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redis(sealed: boolean): Promise<Target> {
  const keyPrefix = `sira-bench-enc:${randomBytes(4).toString('hex')}:`;
  const s = await RedisStore.open({ url: REDIS_URL, keyPrefix, tailCache: false, masterKeys: sealed ? [parseMasterKey(MASTER)] : [] });
  for (let i = 0; i < SESSIONS; i++) await s.createSession('bench', { id: `s${i}`, user_id: `u${i}` });
  return {
    name: `RedisStore values ${sealed ? 'sealed' : 'plain'}, tail cache off`,
    append: async (i, t) => void (await s.appendTurns('bench', `s${i}`, [t])),
    appendBatch: async (i, ts) => void (await s.appendTurns('bench', `s${i}`, ts)),
    last20: async (i) => (await s.getTurns('bench', `s${i}`, { last: 20 }))!.length,
    session: (i) => s.getSession('bench', `s${i}`),
    close: async () => {
      await s.close();
      const admin = await RedisStore.open({ url: REDIS_URL, keyPrefix });
      await deleteKeysWithPrefix(admin.client, keyPrefix);
      await admin.close();
    },
  };
}

/** Context builds through the facade, plain vs sealed, interleaved. */
async function contexts(): Promise<Record<string, number[]>> {
  const g = chatTurns(9);
  const setups = await Promise.all(
    [false, true].map(async (sealed) => {
      const dir = mkdtempSync(join(tmpdir(), 'sira-bench-ctx-'));
      const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', ...(sealed ? { masterKey: MASTER } : { encryption: false }) });
      const t = sira.tenant('bench');
      for (let i = 0; i < 10; i++) {
        await t.createSession({ id: `c${i}`, user_id: `u${i}` });
        for (let k = 0; k < TURNS; k++) {
          const turn = g.next();
          await t.appendTurns(`c${i}`, [{ role: turn.role, content: turn.parts.map((p) => (p.type === 'text' ? p.text : '')).join(' ') }]);
        }
      }
      return { name: `context build, values ${sealed ? 'sealed' : 'plain'}`, sira, dir };
    }),
  );
  const lat: Record<string, number[]> = Object.fromEntries(setups.map((x) => [x.name, []]));
  const rng = mulberry32(3);
  for (let i = 0; i < CONTEXTS; i++) {
    const id = `c${Math.floor(rng() * 10)}`;
    for (let k = 0; k < setups.length; k++) {
      const x = setups[(i + k) % setups.length]!;
      const t0 = now();
      await x.sira.tenant('bench').buildContext(id, { query: 'what did we decide about the deadline?', budget_tokens: 2000 });
      lat[x.name]!.push(now() - t0);
    }
  }
  for (const x of setups) {
    await x.sira.close();
    rmSync(x.dir, { recursive: true, force: true });
  }
  return lat;
}

export async function run(): Promise<void> {
  const g = chatTurns(42);
  const data: Record<string, unknown> = { machine: machine(), sessions: SESSIONS, turnsPerSession: TURNS };
  const dirs = Array.from({ length: 5 }, () => mkdtempSync(join(tmpdir(), 'sira-bench-enc-')));
  const targets = [
    await store(dirs[0]!, false, true),
    await store(dirs[1]!, true, true),
    await store(dirs[2]!, false, false),
    await store(dirs[3]!, true, false),
    await store(dirs[4]!, true, false, true),
  ];
  if (process.env.BENCH_REDIS !== 'off') targets.push(await redis(false), await redis(true));
  const turns = Array.from({ length: SESSIONS * TURNS }, () => g.next());
  const append = await interleaved(targets, (t, i) => t.append(i % SESSIONS, turns[i]!), turns.length);
  const rng = mulberry32(7);
  const reads = await interleaved(targets, (t) => t.last20(Math.floor(rng() * SESSIONS)), READS);
  const sess = await interleaved(targets, (t) => t.session(Math.floor(rng() * SESSIONS)), READS);
  const rows: (string | number)[][] = [];
  for (const t of targets) {
    const a = summary(append[t.name]!);
    const r = summary(reads[t.name]!);
    const s = summary(sess[t.name]!);
    rows.push([t.name, ms(a.p50), ms(a.p99), ms(r.p50), ms(r.p99), ms(s.p50), ms(s.p99)]);
    data[t.name] = { append: a, last20: r, session: s };
  }
  for (const t of targets) await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  const ctx = await contexts();
  const ctxRows = Object.entries(ctx).map(([name, xs]) => {
    const c = summary(xs);
    data[name] = c;
    return [name, ms(c.p50), ms(c.p99)];
  });
  const ratio = (a: string, b: string, f: (x: { p50: number }) => number) => {
    const x = data[a] as Record<string, { p50: number }>;
    const y = data[b] as Record<string, { p50: number }>;
    return f(y as never) / f(x as never);
  };
  const added = (cache: 'on' | 'off', op: 'append' | 'last20' | 'session', backend = 'LmdbStore', suffix = '') =>
    data[`${backend} values plain, tail cache ${cache}`] === undefined
      ? 'not measured'
      : `${((ratio(`${backend} values plain, tail cache ${cache}`, `${backend} values sealed, tail cache ${cache}${suffix}`, (x) => (x as unknown as Record<string, { p50: number }>)[op]!.p50) - 1) * 100).toFixed(1)} %`;
  const md = [
    `Machine: ${data.machine}. Per store: ${SESSIONS} sessions × ${TURNS} turns appended one at a time (one client), then ${READS} random reads; ${CONTEXTS} context builds on 100-turn sessions; latencies in ms.`,
    '',
    table(['store', 'append p50', 'append p99', 'last 20 p50', 'last 20 p99', 'session p50', 'session p99'], rows),
    '',
    table(['context build', 'p50', 'p99'], ctxRows),
    '',
    `Sealing adds to p50 — tail cache on: append ${added('on', 'append')}, last 20 ${added('on', 'last20')}, session ${added('on', 'session')}; tail cache off: append ${added('off', 'append')}, last 20 ${added('off', 'last20')}, session ${added('off', 'session')}; tail and opened caches off (every read deciphers): last 20 ${added('off', 'last20', 'LmdbStore', ', opened cache off')}, session ${added('off', 'session', 'LmdbStore', ', opened cache off')}; Redis (tail cache off): append ${added('off', 'append', 'RedisStore')}, last 20 ${added('off', 'last20', 'RedisStore')}, session ${added('off', 'session', 'RedisStore')}.`,
  ].join('\n');
  writeResult('encryption', data, md);
}

if (import.meta.main) await run();
