/**
 * How cost grows with the number of sessions (issue 6, deliverable 2): the systems of bench/peers.bench.ts loaded
 * with 1,000 → 10,000 → 100,000 sessions of TURNS corpus turns each (and a small JSON state); at each point, in
 * rounds, single-turn appends, reads of the last 20 turns and state fetches on uniformly random sessions, systems
 * interleaved in small blocks; then what each system keeps: bytes on disk per stored turn (Redis: memory of its
 * keys), and memory (the system's own process where it has one: the service, the sqlite child; otherwise the
 * growth of this process's RSS while that system loaded, after a forced GC).
 *
 * Loading is not timed as a figure but is the run's cost: each system loads in chunks of CHUNK sessions with up to
 * LOAD_CONCURRENCY chunks in flight, through its own API (the adapters' setup: Sira's facade or HTTP routes,
 * Mastra's Memory, LangGraph's graph.invoke, the floors' bare writes). A peer whose projected load time for the
 * next point (from its rate so far) passes PEERS_SESSIONS_LOAD_BUDGET_S is not grown further and is reported as
 * not measured there, with the projection; raise the budget to measure it. Sira and the floors are always grown
 * (PEERS_SESSIONS_ALWAYS).
 *
 * usage: npm run bench -- peers-sessions
 * env:   PEERS_SESSIONS_POINTS (1000,10000,100000), PEERS_SESSIONS_TURNS (20), PEERS_SESSIONS_OPS (30 per op, round
 *        and system), PEERS_ROUNDS (3), PEERS_SESSIONS_LOAD_BUDGET_S (240), PEERS_SYSTEMS (default: sira,
 *        sira-cold, sira-http, mastra-libsql, mastra-pg, langgraph-sqlite, langgraph-pg, raw-lmdb, raw-redis),
 *        PEERS_SESSIONS_ALWAYS (systems grown whatever the budget: sira,sira-cold,sira-http,raw-lmdb,raw-redis),
 *        PEERS_SESSIONS_OUT (peers-sessions: the result files' name), PG_URL, REDIS_URL, PEERS_SQLITE_NODE,
 *        BENCH_QUICK=1 (200,1000,3000 sessions, 10 ops, 2 rounds).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, quantile } from './lib/stats.ts';
import { logLogChart } from './lib/svg.ts';
import { seedState, type Footprint, type PeerSystem, type SeedSession } from './peers/adapter.ts';
import { closeAll, interleave, openSystems, spread, SYSTEM_FACTORIES, type Spread } from './peers/harness.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const POINTS = (process.env.PEERS_SESSIONS_POINTS ?? (QUICK ? '200,1000,3000' : '1000,10000,100000')).split(',').map(Number);
const TURNS = Number(process.env.PEERS_SESSIONS_TURNS ?? 20);
const OPS = Number(process.env.PEERS_SESSIONS_OPS ?? (QUICK ? 10 : 30));
const ROUNDS = Number(process.env.PEERS_ROUNDS ?? (QUICK ? 2 : 3));
const BUDGET_S = Number(process.env.PEERS_SESSIONS_LOAD_BUDGET_S ?? 240);
/** Name of the result files (bench/results/<OUT>.{json,md}, <OUT>-*.svg), so a partial rerun keeps the full one. */
const OUT = process.env.PEERS_SESSIONS_OUT ?? 'peers-sessions';
const CHUNK = 250;
const LOAD_CONCURRENCY = 4;
const BLOCK = 5;
const K = 20;
const DEFAULT_SYSTEMS = 'sira,sira-cold,sira-http,mastra-libsql,mastra-pg,langgraph-sqlite,langgraph-pg,raw-lmdb,raw-redis';
const ALWAYS = (process.env.PEERS_SESSIONS_ALWAYS ?? 'sira,sira-cold,sira-http,raw-lmdb,raw-redis').split(',').filter(Boolean);

const OPS_DEF = [
  { key: 'append', label: 'append 1' },
  { key: 'last', label: `last ${K}` },
  { key: 'state', label: 'state' },
] as const;
type OpKey = (typeof OPS_DEF)[number]['key'];

interface Point {
  sessions: number;
  ops: Record<OpKey, Spread>;
  footprint?: Footprint;
  /** Bytes stored per turn held (stored / turns). */
  bytesPerTurn?: number;
  /** Growth of this process's RSS while this system loaded (in-process systems), cumulative. */
  inProcessRss?: number;
  loadSeconds: number;
}

/** Forced full GC (flag set at run time, so `npm run bench` needs no --expose-gc). */
function gcNow(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The sessions `from … to-1`, the same for every system (seeded by the range). */
function* seeds(from: number, to: number): Generator<SeedSession[]> {
  const g = chatTurns(70_000 + from);
  for (let i = from; i < to; i += CHUNK) {
    const n = Math.min(CHUNK, to - i);
    yield Array.from({ length: n }, (_, j) => ({ id: `s${i + j}`, turns: Array.from({ length: TURNS }, () => g.next()), state: seedState(i + j) }));
  }
}

/** Load sessions `from … to-1` into `s` with up to LOAD_CONCURRENCY chunks in flight; returns seconds. */
async function load(s: PeerSystem, from: number, to: number): Promise<number> {
  const t0 = performance.now();
  const it = seeds(from, to);
  // The first chunk ever goes alone: some systems create their tables on the first setup.
  if (from === 0) {
    const first = it.next();
    if (!first.done) await s.setup(first.value);
  }
  await Promise.all(
    Array.from({ length: LOAD_CONCURRENCY }, async () => {
      for (let r = it.next(); !r.done; r = it.next()) await s.setup(r.value);
    }),
  );
  return (performance.now() - t0) / 1000;
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const only = (process.env.PEERS_SYSTEMS ?? DEFAULT_SYSTEMS).split(',').filter(Boolean);
  const { systems, skipped } = await openSystems(only);
  const alwaysGrown = new Set(SYSTEM_FACTORIES.filter((f) => ALWAYS.includes(f.key)).map((f) => f.name));
  if (systems.length === 0) throw new Error('peers-sessions: no system could be opened');
  const curves = new Map<PeerSystem, Point[]>(systems.map((s) => [s, []]));
  const loaded = new Map<PeerSystem, { sessions: number; seconds: number; rss: number }>(systems.map((s) => [s, { sessions: 0, seconds: 0, rss: 0 }]));
  const stopped = new Map<PeerSystem, string>();
  // Turns appended during measurement, per session (reads expect min(K, TURNS + appended)).
  const appended = new Map<number, number>();
  const g = chatTurns(77);
  try {
    for (const point of POINTS) {
      const tp = performance.now();
      for (const s of systems) {
        if (stopped.has(s)) continue;
        const l = loaded.get(s)!;
        const projected = l.sessions === 0 ? 0 : ((point - l.sessions) * l.seconds) / l.sessions;
        if (projected > BUDGET_S && !alwaysGrown.has(s.name)) {
          stopped.set(s, `not grown past ${l.sessions.toLocaleString('en-US')} sessions: loading to ${point.toLocaleString('en-US')} would take ~${Math.round(projected)} s at its rate so far (${Math.round(l.sessions / l.seconds)} sessions/s), over PEERS_SESSIONS_LOAD_BUDGET_S=${BUDGET_S}`);
          console.error(`peers-sessions: ${s.name} ${stopped.get(s)}`);
          continue;
        }
        const ownProcess = (await s.footprint?.())?.processRss !== undefined;
        if (!ownProcess) gcNow();
        const rss0 = process.memoryUsage().rss;
        let secs: number;
        try {
          secs = await load(s, l.sessions, point);
        } catch (e) {
          // One system failing (a crashed service or child) must not lose the others' curves.
          stopped.set(s, `failed while loading to ${point.toLocaleString('en-US')} sessions: ${e instanceof Error ? e.message : String(e)}`);
          console.error(`peers-sessions: ${s.name} ${stopped.get(s)}`);
          continue;
        }
        if (!ownProcess) {
          gcNow();
          l.rss += process.memoryUsage().rss - rss0;
        }
        l.seconds += secs;
        l.sessions = point;
        console.error(`peers-sessions: ${s.name} loaded to ${point.toLocaleString('en-US')} sessions in ${secs.toFixed(1)} s`);
      }
      const active = systems.filter((s) => !stopped.has(s));
      const rng = mulberry32(point);
      const per = new Map<PeerSystem, Record<OpKey, number[]>>(active.map((s) => [s, { append: [], last: [], state: [] }]));
      const tm = performance.now();
      for (let r = 0; r < ROUNDS; r++) {
        const pick = () => Array.from({ length: OPS }, () => Math.floor(rng() * point));
        const [ia, il, is] = [pick(), pick(), pick()];
        const turns = ia.map(() => g.next());
        const a = await interleave(active, OPS, (s, i) => s.append(`s${ia[i]}`, turns[i]!), BLOCK);
        for (const i of ia) appended.set(i, (appended.get(i) ?? 0) + 1);
        const l = await interleave(active, OPS, async (s, i) => {
          const n = await s.lastK(`s${il[i]}`, K);
          const want = Math.min(K, TURNS + (appended.get(il[i]!) ?? 0));
          if (n !== want) throw new Error(`${s.name}: last ${K} of s${il[i]} returned ${n}, expected ${want}`);
        }, BLOCK);
        const st = await interleave(active, OPS, (s, i) => s.getState(`s${is[i]}`), BLOCK);
        for (const s of active) {
          const p = per.get(s)!;
          p.append.push(quantile(a.get(s)!.lat, 0.5));
          p.last.push(quantile(l.get(s)!.lat, 0.5));
          p.state.push(quantile(st.get(s)!.lat, 0.5));
        }
      }
      const heldTurns = point * TURNS + [...appended.values()].reduce((x, y) => x + y, 0);
      for (const s of active) {
        const fp = await s.footprint?.();
        const p = per.get(s)!;
        const l = loaded.get(s)!;
        curves.get(s)!.push({
          sessions: point,
          ops: { append: spread(p.append), last: spread(p.last), state: spread(p.state) },
          ...(fp === undefined ? {} : { footprint: fp, bytesPerTurn: fp.storedBytes / heldTurns }),
          ...(fp?.processRss === undefined ? { inProcessRss: l.rss } : {}),
          loadSeconds: l.seconds,
        });
      }
      console.error(`peers-sessions: ${point.toLocaleString('en-US')} sessions: loaded in ${((tm - tp) / 1000).toFixed(0)} s, measured in ${((performance.now() - tm) / 1000).toFixed(1)} s`);
    }
  } finally {
    await closeAll(systems);
  }
  report(systems, curves, stopped, skipped.map((s) => `${s.name} (${s.reason})`), (performance.now() - t0) / 1000);
}

function report(systems: readonly PeerSystem[], curves: Map<PeerSystem, Point[]>, stopped: Map<PeerSystem, string>, skipped: string[], wall: number): void {
  const pts = (s: PeerSystem, n: number) => curves.get(s)!.find((p) => p.sessions === n);
  const fmt = (x: Spread | undefined) => (x === undefined ? 'n/m' : `${ms(x.median)} (${ms(x.min)}–${ms(x.max)})`);
  const head = ['system', ...POINTS.map((p) => `${p.toLocaleString('en-US')} sessions`)];
  const opTable = (k: OpKey) => table(head, systems.map((s) => [s.name, ...POINTS.map((p) => fmt(pts(s, p)?.ops[k]))]));
  const mib = (b: number | undefined) => (b === undefined ? '' : `${(b / 1024 ** 2).toFixed(0)} MiB`);
  const bytesRows = systems.map((s) => [s.name, ...POINTS.map((p) => {
    const x = pts(s, p);
    return x?.bytesPerTurn === undefined ? 'n/m' : `${Math.round(x.bytesPerTurn)} (${mib(x.footprint!.storedBytes)})`;
  }), curves.get(s)!.at(-1)?.footprint?.storedWhat ?? '']);
  const memRows = systems.map((s) => [s.name, ...POINTS.map((p) => {
    const x = pts(s, p);
    if (x === undefined) return 'n/m';
    return x.footprint?.processRss !== undefined ? `${mib(x.footprint.processRss)} (own process)` : x.inProcessRss !== undefined ? `≈ ${mib(x.inProcessRss)} (in-process growth)` : 'n/m';
  })]);
  // Ratios at each point: every Sira variant against every other system, medians of p50.
  const sira = systems.filter((s) => s.name.startsWith('Sira'));
  const others = systems.filter((s) => !s.name.startsWith('Sira'));
  const ratioRows: string[][] = [];
  for (const us of sira) {
    for (const peer of others) {
      ratioRows.push([`${us.name} / ${peer.name}`, ...POINTS.map((p) => OPS_DEF.map((o) => {
        const a = pts(us, p)?.ops[o.key].median;
        const b = pts(peer, p)?.ops[o.key].median;
        return a === undefined || b === undefined ? '–' : `${(a / b).toFixed(a / b < 0.1 ? 3 : 2)}`;
      }).join(' / '))]);
    }
  }
  const dir = join(import.meta.dirname, 'results');
  const series = (f: (p: Point) => number | undefined) => systems.map((s) => ({ name: s.name, points: curves.get(s)!.map((p) => [p.sessions, f(p) ?? Number.NaN] as const) }));
  const charts: [string, string][] = [];
  for (const o of OPS_DEF) {
    const file = `${OUT}-${o.key}.svg`;
    writeFileSync(join(dir, file), logLogChart({ title: `${o.label}, p50 (ms) as sessions grow`, xLabel: 'sessions stored', yLabel: 'ms (log)', series: series((p) => p.ops[o.key].median) }));
    charts.push([o.label, file]);
  }
  writeFileSync(join(dir, `${OUT}-bytes.svg`), logLogChart({ title: 'Bytes stored per turn as sessions grow', xLabel: 'sessions stored', yLabel: 'bytes per turn (log)', series: series((p) => p.bytesPerTurn) }));
  charts.push(['bytes per turn', `${OUT}-bytes.svg`]);
  const md = [
    `Machine: ${machine()}. Each system loaded to ${POINTS.map((p) => p.toLocaleString('en-US')).join(' → ')} sessions of ${TURNS} corpus turns and a small JSON state (chunks of ${CHUNK} sessions through each system's own API, ${LOAD_CONCURRENCY} chunks in flight; not timed as a figure), then at each point ${ROUNDS} rounds of ${OPS} single appends, ${OPS} reads of the last ${K} and ${OPS} state fetches per system on uniformly random sessions, interleaved in blocks of ${BLOCK}. Cells: median of the rounds' p50 in ms (min–max); n/m = not measured. Wall time ${wall.toFixed(0)} s.`,
    '',
    ...OPS_DEF.flatMap((o) => [`${o.label}, p50 ms`, '', opTable(o.key), '']),
    'Ratios of medians, Sira / system, at each point: append / last 20 / state (below 1: Sira is faster)',
    '',
    table(['Sira / system', ...POINTS.map((p) => `${p.toLocaleString('en-US')} sessions`)], ratioRows),
    '',
    'Bytes stored per turn held (all-in: sessions, state, indexes; total in parentheses)',
    '',
    table([...head, 'what'], bytesRows),
    '',
    'Memory: the system\'s own process RSS where it has one; otherwise ≈ growth of this process\'s RSS while it loaded (after a forced GC; includes LMDB pages it touched)',
    '',
    table(head, memRows),
    '',
    `Load time to the last point reached: ${systems.map((s) => `${s.name} ${Math.round(curves.get(s)!.at(-1)?.loadSeconds ?? 0)} s`).join('; ')}.`,
    ...(stopped.size > 0 ? ['', 'Not grown further:', ...[...stopped].map(([s, why]) => `- ${s.name}: ${why}`)] : []),
    ...(skipped.length > 0 ? ['', `Not measured: ${skipped.join('; ')}.`] : []),
    '',
    `Charts: ${charts.map(([l, f]) => `[${l}](${f})`).join(', ')}. Systems:`,
    ...systems.map((s) => `- ${s.name}: ${s.notes}`),
  ].join('\n');
  writeResult(
    OUT,
    {
      machine: machine(),
      config: { points: POINTS, turns: TURNS, ops: OPS, rounds: ROUNDS, block: BLOCK, chunk: CHUNK, loadConcurrency: LOAD_CONCURRENCY, loadBudgetSeconds: BUDGET_S },
      wallSeconds: wall,
      curves: systems.map((s) => ({ name: s.name, points: curves.get(s), stopped: stopped.get(s) })),
      skipped,
    },
    md,
  );
}

if (import.meta.main) await run();
