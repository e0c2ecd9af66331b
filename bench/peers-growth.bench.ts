/**
 * How cost grows as a session grows (issue 6, deliverable 2): the systems of bench/peers.bench.ts, a few sessions
 * each grown through 10 → 100 → 1,000 → 10,000 turns (batches of up to 1,000, not timed); at each size, in rounds,
 * single-turn appends and reads of the last 20 turns, systems interleaved in small blocks. Writes a table and two
 * log-log SVG charts (bench/results/peers-growth-{append,read}.svg). Flat lines are O(1) per append and O(k) per
 * read of k turns; a line rising with the session is a system that rewrites or re-reads the whole session.
 *
 * usage: npm run bench -- peers-growth
 * env:   PEERS_GROWTH_POINTS (10,100,1000,10000), PEERS_GROWTH_SESSIONS (4), PEERS_GROWTH_OPS (8 per op, round
 *        and system), PEERS_ROUNDS (3), PEERS_SYSTEMS (default: all but sira-always, whose fsync does not depend on
 *        the session's length), PG_URL, REDIS_URL, PEERS_SQLITE_NODE, BENCH_QUICK=1 (10,100,300).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NewTurn } from '../src/core/types.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { ms, quantile } from './lib/stats.ts';
import { logLogChart } from './lib/svg.ts';
import { closeAll, interleave, openSystems, spread, type Spread } from './peers/harness.ts';
import type { PeerSystem } from './peers/adapter.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const POINTS = (process.env.PEERS_GROWTH_POINTS ?? (QUICK ? '10,100,300' : '10,100,1000,10000')).split(',').map(Number);
const SESSIONS = Number(process.env.PEERS_GROWTH_SESSIONS ?? 4);
const OPS = Number(process.env.PEERS_GROWTH_OPS ?? 8);
const ROUNDS = Number(process.env.PEERS_ROUNDS ?? 3);
const BLOCK = 4;
const CHUNK = 1000;
const K = 20;

interface Point {
  turns: number;
  append: Spread;
  last: Spread;
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const only = (process.env.PEERS_SYSTEMS ?? 'sira,sira-cold,sira-http,mastra-libsql,mastra-pg,langgraph-sqlite,langgraph-pg,raw-lmdb,raw-redis').split(',').filter(Boolean);
  const { systems, skipped } = await openSystems(only);
  if (systems.length === 0) throw new Error('peers-growth: no system could be opened');
  const curves = new Map<PeerSystem, Point[]>(systems.map((s) => [s, []]));
  try {
    const g = chatTurns(9);
    const id = (i: number) => `g${i}`;
    const first = POINTS[0]!;
    const seeds = Array.from({ length: SESSIONS }, (_, i) => ({ id: id(i), turns: Array.from({ length: first }, () => g.next()), state: { step: 0 } }));
    for (const s of systems) await s.setup(seeds);
    let size = first;
    // Turns in each session (the same in every system): the read check expects min(K, length).
    const length = Array.from({ length: SESSIONS }, () => first);
    for (const point of POINTS) {
      const tg = performance.now();
      while (size < point) {
        const n = Math.min(CHUNK, point - size);
        for (let i = 0; i < SESSIONS; i++) {
          const batch: NewTurn[] = Array.from({ length: n }, () => g.next());
          for (const s of systems) await s.appendBatch(id(i), batch);
          length[i]! += n;
        }
        size += n;
      }
      const grown = (performance.now() - tg) / 1000;
      const per = new Map<PeerSystem, { a: number[]; l: number[] }>(systems.map((s) => [s, { a: [], l: [] }]));
      for (let r = 0; r < ROUNDS; r++) {
        const turns = Array.from({ length: OPS }, () => g.next());
        const a = await interleave(systems, OPS, (s, i) => s.append(id(i % SESSIONS), turns[i]!), BLOCK);
        for (let i = 0; i < OPS; i++) length[i % SESSIONS]! += 1;
        const l = await interleave(systems, OPS, async (s, i) => {
          const n = await s.lastK(id(i % SESSIONS), K);
          const want = Math.min(K, length[i % SESSIONS]!);
          if (n !== want) throw new Error(`${s.name}: last ${K} returned ${n}, expected ${want}`);
        }, BLOCK);
        for (const s of systems) {
          per.get(s)!.a.push(quantile(a.get(s)!.lat, 0.5));
          per.get(s)!.l.push(quantile(l.get(s)!.lat, 0.5));
        }
      }
      size = Math.min(...length);
      for (const s of systems) curves.get(s)!.push({ turns: point, append: spread(per.get(s)!.a), last: spread(per.get(s)!.l) });
      console.error(`peers-growth: ${point} turns (grown in ${grown.toFixed(1)} s, measured in ${((performance.now() - tg) / 1000 - grown).toFixed(1)} s)`);
    }
  } finally {
    await closeAll(systems);
  }
  const notes = systems.map((s) => `- ${s.name}: ${s.notes}`);

  const fmt = (x: Spread) => `${ms(x.median)} (${ms(x.min)}–${ms(x.max)})`;
  const growth = (pts: Point[], f: (p: Point) => number) => {
    const a = pts.find((p) => p.turns === 100) ?? pts[0]!;
    const b = pts.at(-1)!;
    return `${(f(b) / f(a)).toFixed(1)}×`;
  };
  const head = ['system', ...POINTS.map((p) => `${p.toLocaleString('en-US')} turns`), `last / ${POINTS.includes(100) ? '100' : POINTS[0]} turns`];
  const rows = (f: (p: Point) => Spread) => systems.map((s) => [s.name, ...curves.get(s)!.map((p) => fmt(f(p))), growth(curves.get(s)!, (p) => f(p).median)]);
  const wall = (performance.now() - t0) / 1000;
  const series = (f: (p: Point) => Spread) => systems.map((s) => ({ name: s.name, points: curves.get(s)!.map((p) => [p.turns, f(p).median] as const) }));
  const dir = join(import.meta.dirname, 'results');
  writeFileSync(join(dir, 'peers-growth-append.svg'), logLogChart({ title: 'Append one turn, p50 (ms) as the session grows', xLabel: 'turns in the session', yLabel: 'ms (log)', series: series((p) => p.append) }));
  writeFileSync(join(dir, 'peers-growth-read.svg'), logLogChart({ title: `Read the last ${K} turns, p50 (ms) as the session grows`, xLabel: 'turns in the session', yLabel: 'ms (log)', series: series((p) => p.last) }));
  const md = [
    `Machine: ${machine()}. ${SESSIONS} sessions per system grown to each size with batches of up to ${CHUNK} turns (not timed); at each size ${ROUNDS} rounds of ${OPS} single appends and ${OPS} reads of the last ${K} per system, interleaved in blocks of ${BLOCK}. Cells: median of the rounds' p50 in ms (min–max). Wall time ${wall.toFixed(0)} s.`,
    '',
    'Append one turn',
    '',
    table(head, rows((p) => p.append)),
    '',
    `Read the last ${K} turns`,
    '',
    table(head, rows((p) => p.last)),
    ...(skipped.length > 0 ? ['', `Not measured: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.`] : []),
    '',
    'Charts: [append](peers-growth-append.svg), [read last 20](peers-growth-read.svg). Systems:',
    ...notes,
  ].join('\n');
  writeResult('peers-growth', { machine: machine(), config: { points: POINTS, sessions: SESSIONS, ops: OPS, rounds: ROUNDS, block: BLOCK }, wallSeconds: wall, curves: systems.map((s) => ({ name: s.name, points: curves.get(s) })), skipped }, md);
}

if (import.meta.main) await run();
