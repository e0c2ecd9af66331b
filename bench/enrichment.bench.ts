/**
 * Enrichment (issue 4): what embedding on write costs the append path. The same in-process service (LMDB, one
 * session per 100 turns) takes single-turn appends from one client, with the embed queue off (`embedder: none`)
 * and on (the offline USE-lite embedder in its worker thread, turns queued after each append), interleaved
 * off/on/off/on in one run: appends/s and append latency p50/p99 (the acknowledged write). The "on" rounds are the
 * worst case: a backlog is queued first so the embedder is busy for the whole timed window (appends outpace a
 * CPU embedder by ~200×, so in steady state the queue is full, the worker never idles and surplus turns are
 * dropped to `pending`); the queue is bounded at QUEUE_MAX so the run ends in seconds.
 * usage: npm run bench -- enrichment   (env BENCH_QUICK=1 for a short run)
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiraSession } from '../src/sira.ts';
import type { TurnInput } from '../src/core/index.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { ms, now, summary } from './lib/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const APPENDS = QUICK ? 2000 : 20_000;
const ROUNDS = 3;
const QUEUE_MAX = 128;

interface RoundResult {
  perSec: number;
  lat: number[];
  embeddedDuring: number;
  droppedDuring: number;
  drainMs: number;
}

async function round(turns: TurnInput[], embedder: 'none' | 'offline'): Promise<RoundResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sira-bench-enrich-'));
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0, logLevel: 'silent', embedder, embedQueueMax: QUEUE_MAX });
  try {
    const t = sira.tenant('bench');
    // Load the model before timing (a service loads it on its first append; that one-off is not the steady cost).
    if (embedder !== 'none') await sira.enrichment!.embedder.embed(['warm up']);
    const sessions: string[] = [];
    for (let i = 0; i < APPENDS / 100; i++) sessions.push((await t.createSession()).id);
    const e = sira.enrichment;
    if (e !== undefined) {
      // A full queue, and the worker busy on it, before the clock starts.
      const backlog = (await t.createSession()).id;
      for (let i = 0; i < QUEUE_MAX; i++) await t.appendTurns(backlog, [turns[i % turns.length]!]);
      while (e.queue.stats().embedded === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const before = e?.queue.stats();
    const lat: number[] = [];
    const t0 = now();
    for (let i = 0; i < APPENDS; i++) {
      const a = now();
      await t.appendTurns(sessions[i % sessions.length]!, [turns[i % turns.length]!]);
      lat.push(now() - a);
    }
    const elapsed = now() - t0;
    const after = e?.queue.stats();
    const embeddedDuring = (after?.embedded ?? 0) - (before?.embedded ?? 0);
    const droppedDuring = (after?.dropped ?? 0) - (before?.dropped ?? 0);
    const d0 = now();
    await sira.enrichment?.drain();
    const drainMs = now() - d0;
    return { perSec: APPENDS / (elapsed / 1000), lat, embeddedDuring, droppedDuring, drainMs };
  } finally {
    await sira.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const gen = chatTurns(1);
  // The corpus' chat turns as a client sends them (parts as content), first APPENDS of them.
  const turns: TurnInput[] = Array.from({ length: APPENDS }, () => {
    const t = gen.next();
    return { role: t.role, content: t.parts, metadata: t.metadata ?? undefined } as TurnInput;
  });
  const res: Record<string, RoundResult[]> = { none: [], offline: [] };
  // One untimed round first, so neither side pays the JIT warm-up.
  await round(turns, 'none');
  for (let r = 0; r < ROUNDS; r++) {
    for (const e of ['none', 'offline'] as const) res[e]!.push(await round(turns, e));
  }
  const rows: (string | number)[][] = [];
  const data: Record<string, unknown> = { machine: machine(), appends: APPENDS, rounds: ROUNDS };
  const agg = (e: string) => {
    const rs = res[e]!;
    const lat = summary(rs.flatMap((x) => x.lat));
    const perSec = rs.reduce((a, x) => a + x.perSec, 0) / rs.length;
    const mean = (f: (x: RoundResult) => number) => rs.reduce((a, x) => a + f(x), 0) / rs.length;
    return { lat, perSec, embeddedDuring: mean((x) => x.embeddedDuring), droppedDuring: mean((x) => x.droppedDuring), drainMs: mean((x) => x.drainMs) };
  };
  const off = agg('none');
  const on = agg('offline');
  for (const [name, a] of [['embed queue off (embedder none)', off], ['embed queue on (offline USE-lite, worker)', on]] as const) {
    rows.push([name, a.perSec.toFixed(0), ms(a.lat.p50), ms(a.lat.p99), a.embeddedDuring.toFixed(0), a.droppedDuring.toFixed(0), (a.drainMs / 1000).toFixed(1)]);
  }
  data.off = off;
  data.on = on;
  const slowdown = 1 - on.perSec / off.perSec;
  data.slowdown = slowdown;
  const md = [
    `Machine: ${data.machine}. ${APPENDS} single-turn appends per round by one client (chat turns, 100 per session), ${ROUNDS} rounds each, interleaved off/on after an untimed warm-up round; means of the rounds, latency percentiles over all appends. Queue on: bounded at ${QUEUE_MAX} turns and already full, the embedder busy throughout.`,
    '',
    table(['', 'appends/s', 'p50 ms', 'p99 ms', 'embedded during the window', 'dropped to pending', 'then drain s'], rows),
    '',
    `Append throughput with the queue on: ${Math.abs(slowdown * 100).toFixed(1)}% ${slowdown >= 0 ? 'lower' : 'higher'} than off (target: at most 10% lower); p50 ${ms(on.lat.p50)} vs ${ms(off.lat.p50)} ms.`,
  ].join('\n');
  writeResult('enrichment', data, md);
}

if (import.meta.main) await run();
