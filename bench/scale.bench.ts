/**
 * Scale benchmark (issue 3): 100,000 sessions × 20 turns of realistic chat text (training/lib/corpus.ts, test split)
 * in the embedded store. Reports load rate, process RSS with all sessions live, disk bytes and bytes per turn,
 * storage size against the same turns as plain JSON (and against their text alone), read latency at that size,
 * and the time to sweep all of them once expired (TTL driven by an injected clock, no sleeping).
 * usage: npm run bench -- scale   (env BENCH_SESSIONS to change 100000)
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '../src/core/clock.ts';
import { LmdbStore } from '../src/storage/lmdb/lmdb-store.ts';
import { encodeTurn } from '../src/storage/codec/turn.ts';
import type { NewTurn } from '../src/core/types.ts';
import { chatTurns, rawJsonBytes, textBytes } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, now, summary } from './lib/stats.ts';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const TURNS = 20;

/** Resident memory split into anonymous (heap, caches) and file-backed (the LMDB map) parts, from /proc. */
function rssParts(): { anon: number; file: number } {
  try {
    const st = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? 0) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
  } catch {
    return { anon: 0, file: 0 };
  }
}

function diskBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).blocks * 512;
  return n;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sira-scale-'));
  const clock = manualClock(Date.UTC(2026, 10, 25));
  const store = await LmdbStore.open({ path: dir, clock });
  const g = chatTurns(2026);
  let raw = 0;
  let text = 0;
  let encoded = 0;
  const rssBefore = process.memoryUsage().rss;
  const t0 = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < SESSIONS) {
        const i = next++;
        const id = `scale-${i}`;
        await store.createSession('bench', { id, user_id: `u${i % 5000}`, ttl_seconds: 86_400, metadata: { app: 'bench', plan: i % 3 ? 'free' : 'pro' } });
        const turns: NewTurn[] = [];
        for (let k = 0; k < TURNS; k++) {
          const t = g.next();
          raw += rawJsonBytes(t, k + 1, clock());
          text += textBytes(t);
          encoded += encodeTurn(t, clock(), 64).byteLength;
          turns.push(t);
        }
        await store.appendTurns('bench', id, turns);
      }
    }),
  );
  const loadS = (now() - t0) / 1000;
  const totalTurns = SESSIONS * TURNS;
  const mem = process.memoryUsage();
  const parts = rssParts();
  const disk = diskBytes(dir);
  const rng = mulberry32(3);
  const reads: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const id = `scale-${Math.floor(rng() * SESSIONS)}`;
    const r0 = now();
    await store.getTurns('bench', id, { last: 20 });
    reads.push(now() - r0);
  }
  const rd = summary(reads);
  clock.advance(86_400_000 + 1);
  const s0 = now();
  let swept = 0;
  for (;;) {
    const n = await store.sweepExpired(10_000);
    if (n === 0) break;
    swept += n;
  }
  const sweepS = (now() - s0) / 1000;
  const st = await store.stats();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const data = {
    machine: machine(),
    sessions: SESSIONS,
    turns: totalTurns,
    loadSeconds: loadS,
    turnsPerSecond: totalTurns / loadS,
    rssBytes: mem.rss,
    rssBeforeBytes: rssBefore,
    rssAnonBytes: parts.anon,
    rssFileBytes: parts.file,
    heapUsedBytes: mem.heapUsed,
    diskBytes: disk,
    diskBytesPerTurn: disk / totalTurns,
    rawJsonBytes: raw,
    textBytes: text,
    encodedTurnBytes: encoded,
    savingVsRawJson: 1 - encoded / raw,
    savingVsText: 1 - encoded / text,
    diskSavingVsRawJson: 1 - disk / raw,
    readLast20: rd,
    swept,
    sweepSeconds: sweepS,
    sessionsAfterSweep: st.sessions,
  };
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const md = [
    `Machine: ${data.machine}. ${SESSIONS.toLocaleString('en-US')} sessions × ${TURNS} turns (${totalTurns.toLocaleString('en-US')} turns), 8 concurrent loaders, one 20-turn batch per session.`,
    '',
    table(
      ['figure', 'value'],
      [
        ['load time / rate', `${loadS.toFixed(1)} s / ${Math.round(totalTurns / loadS).toLocaleString('en-US')} turns/s`],
        ['process RSS with all sessions live (before load)', `${mb(mem.rss)} (${mb(rssBefore)})`],
        ['… of which anonymous (JS heap, caches, benchmark data) / file-backed (LMDB map pages)', `${mb(parts.anon)} / ${mb(parts.file)}`],
        ['JS heap used (incl. the benchmark corpus)', mb(mem.heapUsed)],
        ['disk (data.mdb)', `${mb(disk)} = ${(disk / totalTurns).toFixed(0)} bytes/turn all-in (sessions, indexes, B-tree)`],
        ['turn records vs the same turns as plain JSON', `${mb(encoded)} vs ${mb(raw)}: ${pct(1 - encoded / raw)} smaller`],
        ['turn records vs their text alone (UTF-8)', `${mb(encoded)} vs ${mb(text)}: ${pct(1 - encoded / text)} smaller`],
        ['disk all-in vs plain JSON of the turns', `${pct(1 - disk / raw)} smaller`],
        ['read last 20 turns, random session (p50 / p99)', `${ms(rd.p50)} / ${ms(rd.p99)} ms`],
        ['sweep of all expired sessions', `${swept.toLocaleString('en-US')} sessions in ${sweepS.toFixed(1)} s (${Math.round(swept / sweepS).toLocaleString('en-US')}/s); ${st.sessions} left`],
      ],
    ),
  ].join('\n');
  writeResult('scale', data, md);
}

if (import.meta.main) await run();
