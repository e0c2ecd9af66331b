/**
 * Side by side with the peers and the storage floor (issue 6): one workload, one process, systems interleaved in
 * small blocks of ops, repeated in rounds. Systems (bench/peers/<system>.ts, one PeerSystem interface): Sira in-process and over
 * HTTP, @mastra/memory on libsql and on pg, LangGraph with its sqlite (Node 20 child) and postgres checkpointers,
 * and the floors raw lmdb and raw ioredis. The peers are pinned in bench/package.json: `cd bench && npm ci` first.
 *
 * Workload: SESSIONS sessions pre-filled with TURNS corpus turns each (training/lib/corpus.ts, seeded) and a small
 * JSON state; then per round, on seeded random sessions, the same for every system: OPS single-turn appends,
 * OPS/4 appends of a 20-turn batch, OPS reads of the last 20 turns, OPS state fetches, OPS context windows under
 * 2,000 tokens. Reported: per op and system the median over rounds of the round's p50 (and p99), with min–max.
 *
 * usage: npm run bench -- peers
 * env:   PEERS_SESSIONS (200), PEERS_TURNS (100), PEERS_OPS (200), PEERS_ROUNDS (5), PEERS_BLOCK (10: ops per
 *        system before the next system's turn; 1 = op by op),
 *        PEERS_SYSTEMS=sira,mastra-libsql,... (default all: sira, sira-always, sira-cold, sira-http, mastra-libsql, mastra-pg,
 *        langgraph-sqlite, langgraph-pg, raw-lmdb, raw-redis), PG_URL, REDIS_URL, PEERS_SQLITE_NODE (Node for the
 *        sqlite child; default /usr/bin/node), BENCH_QUICK=1 (20 sessions × 20 turns, 40 ops, 2 rounds).
 * typecheck: npx tsc -p bench/tsconfig.json --noEmit (needs bench/node_modules; the root check leaves peers out).
 */
import type { NewTurn } from '../src/core/types.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { ms, quantile } from './lib/stats.ts';
import { seedState, type PeerSystem, type SeedSession } from './peers/adapter.ts';
import { closeAll, interleave, openSystems, spread, type Samples, type Spread } from './peers/harness.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const int = (name: string, dflt: number, quick: number): number => Number(process.env[name] ?? (QUICK ? quick : dflt));
const SESSIONS = int('PEERS_SESSIONS', 200, 20);
const TURNS = int('PEERS_TURNS', 100, 20);
const OPS = int('PEERS_OPS', 200, 40);
const ROUNDS = int('PEERS_ROUNDS', 5, 2);
const BLOCK = int('PEERS_BLOCK', 10, 10);
const BATCH = 20;
const K = 20;
const BUDGET = 2000;

const OPS_DEF = [
  { key: 'append', label: 'append 1', n: OPS },
  { key: 'batch', label: `append ${BATCH} (batch)`, n: Math.max(1, Math.round(OPS / 4)) },
  { key: 'last', label: `last ${K}`, n: OPS },
  { key: 'state', label: 'state', n: OPS },
  { key: 'context', label: `context ≤ ${BUDGET} tok`, n: OPS },
] as const;
type OpKey = (typeof OPS_DEF)[number]['key'];

/** The inputs of one round, identical for every system. */
interface RoundPlan {
  session: Record<OpKey, number[]>;
  turns: NewTurn[];
  batches: NewTurn[][];
}

function plan(round: number, g: { next(): NewTurn }, scale = 1): RoundPlan {
  const rng = mulberry32(1000 + round);
  const pickN = (n: number) => Array.from({ length: Math.max(1, Math.round(n * scale)) }, () => Math.floor(rng() * SESSIONS));
  const session = Object.fromEntries(OPS_DEF.map((o) => [o.key, pickN(o.n)])) as Record<OpKey, number[]>;
  return { session, turns: session.append.map(() => g.next()), batches: session.batch.map(() => Array.from({ length: BATCH }, () => g.next())) };
}

async function runRound(systems: readonly PeerSystem[], p: RoundPlan, contextCounts?: Map<PeerSystem, number[]>): Promise<Record<OpKey, Map<PeerSystem, Samples>>> {
  const id = (i: number) => `p${i}`;
  const withCtx = systems.filter((s) => s.contextWindow !== undefined);
  const expect = (what: string, s: PeerSystem, got: number, want: number) => {
    if (got !== want) throw new Error(`${s.name}: ${what} returned ${got}, expected ${want}`);
  };
  return {
    append: await interleave(systems, p.session.append.length, (s, i) => s.append(id(p.session.append[i]!), p.turns[i]!), BLOCK),
    batch: await interleave(systems, p.session.batch.length, (s, i) => s.appendBatch(id(p.session.batch[i]!), p.batches[i]!), BLOCK),
    last: await interleave(systems, p.session.last.length, async (s, i) => expect(`last ${K}`, s, await s.lastK(id(p.session.last[i]!), K), K), BLOCK),
    state: await interleave(systems, p.session.state.length, (s, i) => s.getState(id(p.session.state[i]!)), BLOCK),
    context: await interleave(withCtx, p.session.context.length, async (s, i) => {
      const n = await s.contextWindow!(id(p.session.context[i]!), BUDGET);
      if (n < 1) throw new Error(`${s.name}: empty context window`);
      contextCounts?.get(s)?.push(n);
    }, BLOCK),
  };
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const only = (process.env.PEERS_SYSTEMS ?? '').split(',').filter(Boolean);
  const { systems, skipped } = await openSystems(only);
  if (systems.length === 0) throw new Error('peers: no system could be opened');
  const rounds: Record<OpKey, Map<PeerSystem, Samples>>[] = [];
  const contextCounts = new Map<PeerSystem, number[]>(systems.map((s) => [s, []]));
  const ping: number[] = [];
  const child = systems.find((s) => 'ping' in s) as (PeerSystem & { ping(p: unknown): Promise<void> }) | undefined;
  try {
    const g = chatTurns(6);
    const seeds: SeedSession[] = Array.from({ length: SESSIONS }, (_, i) => ({ id: `p${i}`, turns: Array.from({ length: TURNS }, () => g.next()), state: seedState(i) }));
    for (const s of systems) {
      const ts = performance.now();
      await s.setup(seeds);
      console.error(`peers: ${s.name} set up in ${((performance.now() - ts) / 1000).toFixed(1)} s`);
    }
    // Warm-up round (JIT, connections, caches), not recorded.
    await runRound(systems, plan(-1, g, 0.1));
    for (let r = 0; r < ROUNDS; r++) {
      const tr = performance.now();
      const p = plan(r, g);
      rounds.push(await runRound(systems, p, contextCounts));
      if (child !== undefined) {
        for (const t of p.turns.slice(0, 100)) {
          const tp = performance.now();
          await child.ping(['p0', t]);
          ping.push(performance.now() - tp);
        }
      }
      console.error(`peers: round ${r + 1}/${ROUNDS} in ${((performance.now() - tr) / 1000).toFixed(1)} s`);
    }
  } finally {
    await closeAll(systems);
  }
  const notes = systems.map((s) => ({ name: s.name, notes: s.notes }));

  // Per system and op: the round p50s and p99s, summarised across rounds.
  type Cell = { p50: Spread; p99: Spread; n: number; rttP50?: Spread } | undefined;
  const cells = new Map<PeerSystem, Record<OpKey, Cell>>();
  for (const s of systems) {
    const row = {} as Record<OpKey, Cell>;
    for (const o of OPS_DEF) {
      const per = rounds.map((r) => r[o.key].get(s)).filter((x): x is Samples => x !== undefined);
      if (per.length === 0) continue;
      row[o.key] = {
        p50: spread(per.map((x) => quantile(x.lat, 0.5))),
        p99: spread(per.map((x) => quantile(x.lat, 0.99))),
        n: per[0]!.lat.length,
        ...(s.selfTimed === true ? { rttP50: spread(per.map((x) => quantile(x.rtt, 0.5))) } : {}),
      };
    }
    cells.set(s, row);
  }
  const fmt = (x: Spread | undefined) => (x === undefined ? 'n/a' : `${ms(x.median)} (${ms(x.min)}–${ms(x.max)})`);
  const head = ['system', ...OPS_DEF.map((o) => o.label)];
  const p50Rows = systems.map((s) => [s.name, ...OPS_DEF.map((o) => fmt(cells.get(s)![o.key]?.p50))]);
  const p99Rows = systems.map((s) => [s.name, ...OPS_DEF.map((o) => fmt(cells.get(s)![o.key]?.p99))]);
  const sira = systems.filter((s) => s.name.startsWith('Sira'));
  const ratioRows: string[][] = [];
  for (const us of sira) {
    for (const peer of systems.filter((s) => !s.name.startsWith('Sira'))) {
      ratioRows.push([
        `${us.name} / ${peer.name}`,
        ...OPS_DEF.map((o) => {
          const a = cells.get(us)![o.key]?.p50.median;
          const b = cells.get(peer)![o.key]?.p50.median;
          return a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(a / b < 0.1 ? 3 : 2)}×`;
        }),
      ]);
    }
  }
  const childCells = child === undefined ? undefined : cells.get(child);
  const ipcRows =
    childCells === undefined
      ? []
      : [
          [`${child!.name}: in the child`, ...OPS_DEF.map((o) => fmt(childCells[o.key]?.p50))],
          [`${child!.name}: round trip from the parent`, ...OPS_DEF.map((o) => fmt(childCells[o.key]?.rttP50))],
        ];
  const ctxRow = systems.filter((s) => s.contextWindow).map((s) => `${s.name} ${(contextCounts.get(s)!.reduce((a, b) => a + b, 0) / Math.max(1, contextCounts.get(s)!.length)).toFixed(1)}`);
  const wall = (performance.now() - t0) / 1000;
  const md = [
    `Machine: ${machine()}. ${SESSIONS} sessions × ${TURNS} turns pre-filled (batched), then ${ROUNDS} rounds; per round and system ${OPS} single appends, ${OPS_DEF[1].n} appends of ${BATCH} turns, ${OPS} reads of the last ${K}, ${OPS} state fetches, ${OPS} context windows (≤ ${BUDGET} tokens), on the same seeded sessions and turns, systems interleaved in blocks of ${BLOCK} ops (rotating which goes first). Wall time ${wall.toFixed(0)} s.`,
    '',
    'p50 latency, ms: median of the rounds\' p50 (min–max across rounds)',
    '',
    table(head, p50Rows),
    '',
    'p99 latency, ms: median of the rounds\' p99 (min–max across rounds)',
    '',
    table(head, p99Rows),
    '',
    'Ratio of medians of p50 (below 1: Sira is faster)',
    '',
    table(['Sira / peer', ...OPS_DEF.map((o) => o.label)], ratioRows),
    ...(ipcRows.length > 0
      ? ['', `IPC of the Node 20 child (p50, ms); a bare round trip carrying one turn: p50 ${ms(quantile(ping, 0.5))}, p99 ${ms(quantile(ping, 0.99))} ms`, '', table(['LangGraph + sqlite', ...OPS_DEF.map((o) => o.label)], ipcRows)]
      : []),
    '',
    `Turns in the context window, mean: ${ctxRow.join('; ')}.`,
    ...(skipped.length > 0 ? ['', `Not measured: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.`] : []),
    '',
    'Systems:',
    ...notes.map((n) => `- ${n.name}: ${n.notes}`),
  ].join('\n');
  const data = {
    machine: machine(),
    config: { sessions: SESSIONS, turns: TURNS, ops: OPS, rounds: ROUNDS, batch: BATCH, k: K, budgetTokens: BUDGET },
    wallSeconds: wall,
    systems: systems.map((s) => ({ name: s.name, notes: s.notes, ops: cells.get(s), contextTurnsMean: contextCounts.get(s)!.reduce((a, b) => a + b, 0) / Math.max(1, contextCounts.get(s)!.length) })),
    ipcPing: ping.length ? { p50: quantile(ping, 0.5), p99: quantile(ping, 0.99) } : undefined,
    skipped,
  };
  writeResult('peers', data, md);
}

if (import.meta.main) await run();
