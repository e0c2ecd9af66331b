/**
 * Load test of the HTTP service (issue 6, deliverable 3): a mixed workload — 35% context builds (POST
 * /v1/sessions/:id/context, a corpus query, budget 2,000 tokens), 35% reads of the last 20 turns, 30% single-turn
 * appends — on uniformly random sessions, with 10,000 and then 100,000 live sessions of 20 corpus turns each. The
 * offered rate steps up until p99 passes 10 ms (always through the first MIN_STEPS steps, so that a noisy machine
 * still draws a curve); the figure is the highest step whose p99 stays ≤ 5 ms.
 *
 * The service runs as users start it (the bin, embedded LMDB, sync os, auth on, heap capped as `npm start` does:
 * bench/lib/server.ts). Its data dir is pre-filled in this process through the library facade (SiraSession,
 * tenant "default", the bootstrap key's tenant), which writes exactly what the routes write, at ~10× the rate of
 * loading over HTTP; the service is then started on that dir (so its tail cache starts cold, as after a restart).
 *
 * Each step is offered twice, for STEP_S seconds each:
 *  - open loop (bench/lib/load.ts, in a worker thread): request i is due at t0 + i/rate and its latency counts
 *    from when it was due, so a stall is charged to every request it delayed;
 *  - autocannon 9 with `overallRate` over CONNECTIONS connections (requests varied by `setupRequest`): its rate
 *    limiter lets each connection send its quota for the second back to back at the start of each second, so
 *    the service sees bursts of CONNECTIONS concurrent requests; its latency counts from each send (autocannon's
 *    coordinated-omission correction is turned off: it assumes a 1 ms interval whatever the rate).
 * Then one closed-loop autocannon run (CONNECTIONS connections, no rate limit) gives the saturation throughput.
 * Each session count is run once per worker count (`serve --workers N`, side by side in one run, on the same data
 * dir; N = 1 is plain `serve`); the service RSS counts the primary and all its workers. Then the same load goes to
 * the peer a gateway would run instead: Mastra Memory on PostgreSQL behind a minimal Fastify app with the same
 * three routes (bench/peers/mastra-http.ts, needs `cd bench && npm ci` and PostgreSQL at PG_URL), its database
 * pre-filled with the same number of sessions of the same corpus turns. A chart per session count draws p50 and
 * p99 (open loop) against the offered rate, one pair of lines per system.
 *
 * usage: npm run bench -- loadtest
 * env:   LOADTEST_SESSIONS (10000,100000), LOADTEST_RATES (100,250,500,1000,1500,2000,3000,4000,6000,8000),
 *        LOADTEST_STEP_S (6), LOADTEST_MIN_STEPS (4), LOADTEST_CONNECTIONS (10), LOADTEST_WORKERS (1,2),
 *        LOADTEST_PEERS (mastra-pg; empty for none), PG_URL (postgresql://postgres@127.0.0.1:5432/test),
 *        BENCH_QUICK=1 (1,000 and 5,000 sessions, 2-second steps).
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewTurn } from '../src/core/types.ts';
import type { TurnInput } from '../src/core/index.ts';
import { SiraSession } from '../src/sira.ts';
import { chatTurns } from '../training/lib/corpus.ts';
import { diskBytes, processTreeRss } from './lib/footprint.ts';
import { constantRateInWorker, type LoadRequest } from './lib/load.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import { startServer } from './lib/server.ts';
import { ms } from './lib/stats.ts';
import { logLogChart } from './lib/svg.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SESSION_POINTS = (process.env.LOADTEST_SESSIONS ?? (QUICK ? '1000,5000' : '10000,100000')).split(',').map(Number);
const RATES = (process.env.LOADTEST_RATES ?? '100,250,500,1000,1500,2000,3000,4000,6000,8000').split(',').map(Number);
const STEP_S = Number(process.env.LOADTEST_STEP_S ?? (QUICK ? 2 : 6));
const CONNECTIONS = Number(process.env.LOADTEST_CONNECTIONS ?? 10);
const MIN_STEPS = Number(process.env.LOADTEST_MIN_STEPS ?? 4);
const WORKERS = (process.env.LOADTEST_WORKERS ?? '1,2').split(',').map(Number);
const PEERS = (process.env.LOADTEST_PEERS ?? 'mastra-pg').split(',').filter((p) => p === 'mastra-pg');
const TURNS = 20;
const BUDGET = 2000;
/** p99 past which the ramp stops, and p99 the reported rate must keep. */
const STOP_MS = 10;
const TARGET_MS = 5;
const TENANT = 'default';
const KINDS = ['context', 'last 20', 'append'];

const wire = (t: NewTurn) => ({ role: t.role, content: t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts, metadata: t.metadata ?? null });
const input = (t: NewTurn): TurnInput => ({ role: t.role, content: t.parts, metadata: t.metadata ?? null });

interface Step {
  offered: number;
  open?: { achieved: number; p50: number; p99: number; fromSendP99: number; errors: number; p99ByKind: Record<string, number> };
  cannon?: { achieved: number; p50: number; p99: number; errors: number };
}

interface SessionsRun {
  /** `Sira` or the peer's name. */
  system: string;
  sessions: number;
  /** `serve --workers` (1: plain serve; 1 for a peer too: one process). */
  workers: number;
  preloadSeconds: number;
  diskBytes: number;
  rssAfter?: number;
  steps: Step[];
  saturation: { achieved: number; p50: number; p99: number; errors: number };
  /** Highest offered rate up to which every step kept p99 ≤ TARGET_MS, no errors and its rate, per method. */
  sustainedOpen?: number;
  sustainedCannon?: number;
}

/** Add sessions `from … to-1` (20 turns each) to the store in `dir` through the library, 8 at a time. */
async function preload(dir: string, from: number, to: number): Promise<number> {
  const t0 = performance.now();
  const sira = await SiraSession.open({ dataDir: dir, sweepIntervalMs: 0 });
  const t = sira.tenant(TENANT);
  const g = chatTurns(40_000 + from);
  let next = from;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < to) {
        const id = `l${next++}`;
        await t.createSession({ id });
        await t.appendTurns(id, Array.from({ length: TURNS }, () => input(g.next())));
      }
    }),
  );
  await sira.close();
  return (performance.now() - t0) / 1000;
}

/** The mixed request list (cycled by both generators): seeded, uniformly random sessions. */
function workload(sessions: number, n: number): LoadRequest[] {
  const rng = mulberry32(sessions);
  const g = chatTurns(91);
  const queries: string[] = [];
  while (queries.length < 500) {
    const t = g.next();
    if (t.role === 'user' && t.parts[0]?.type === 'text') queries.push(t.parts[0].text);
  }
  return Array.from({ length: n }, () => {
    const id = `l${Math.floor(rng() * sessions)}`;
    const x = rng();
    if (x < 0.35) return { tag: 'context', method: 'POST', path: `/v1/sessions/${id}/context`, body: JSON.stringify({ query: queries[Math.floor(rng() * queries.length)], budget_tokens: BUDGET }) };
    if (x < 0.7) return { tag: 'last 20', method: 'GET', path: `/v1/sessions/${id}/turns?last=20` };
    return { tag: 'append', method: 'POST', path: `/v1/sessions/${id}/turns`, body: JSON.stringify({ turns: [wire(g.next())] }) };
  });
}

function cannon(url: string, headers: Record<string, string>, tagged: LoadRequest[], rate: number | undefined): Promise<NonNullable<Step['cannon']>> {
  // Content-type only on requests with a body: autocannon sends a GET with it and an empty body, which Fastify
  // rejects (400, empty JSON body).
  const json = { ...headers, 'content-type': 'application/json' };
  const { 'content-type': _drop, ...bare } = headers;
  const reqs = tagged.map((r) => (r.body === undefined ? { method: r.method, path: r.path, headers: bare } : { method: r.method, path: r.path, body: r.body, headers: json }));
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: STEP_S,
        headers: bare,
        ...(rate === undefined ? {} : { overallRate: rate, ignoreCoordinatedOmission: true }),
        requests: [{ setupRequest: (r: autocannon.Request) => ({ ...r, ...reqs[i++ % reqs.length]! }) }],
      },
      (err: Error | null, res: autocannon.Result) => {
        if (err) return reject(err);
        resolve({ achieved: res.requests.total / STEP_S, p50: res.latency.p50, p99: res.latency.p99, errors: res.non2xx + res.errors + res.timeouts });
      },
    );
  });
}

/** What a ramp loads: a listening service, how to authenticate, its process (for RSS), how to stop it. */
interface Target {
  system: string;
  url: string;
  key: string;
  pid: number | undefined;
  diskBytes: () => Promise<number>;
  stop(): Promise<void>;
}

/** Sira as users start it, on the pre-filled data dir. */
async function siraTarget(dir: string, workers: number): Promise<Target> {
  const srv = await startServer([], { dataDir: dir, workers });
  return { system: 'Sira', url: srv.url, key: srv.key, pid: srv.child.pid, diskBytes: async () => diskBytes(dir), stop: () => srv.stop() };
}

async function ramp(target: Target, sessions: number, preloadSeconds: number, workers: number): Promise<SessionsRun> {
  const srv = target;
  const headers = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
  const reqs = workload(sessions, 50_000);
  const steps: Step[] = [];
  let saturation: SessionsRun['saturation'];
  let rssAfter: number | undefined;
  try {
    // Warm-up (JIT, connections), not recorded.
    await constantRateInWorker(srv.url, headers, 500, QUICK ? 1 : 3, reqs);
    let openOn = true;
    let cannonOn = true;
    for (const [k, rate] of RATES.entries()) {
      if (k >= MIN_STEPS && !openOn && !cannonOn) break;
      const step: Step = { offered: rate };
      if (openOn || k < MIN_STEPS) {
        const r = await constantRateInWorker(srv.url, headers, rate, STEP_S, reqs);
        const p99ByKind = Object.fromEntries(Object.entries(r.byTag ?? {}).map(([k, v]) => [k, v.p99]));
        step.open = { achieved: r.achieved, p50: r.latency.p50, p99: r.latency.p99, fromSendP99: r.fromSend.p99, errors: r.errors, p99ByKind };
        openOn &&= r.latency.p99 <= STOP_MS && r.achieved >= 0.9 * rate;
      }
      if (cannonOn || k < MIN_STEPS) {
        step.cannon = await cannon(srv.url, headers, reqs, rate);
        cannonOn &&= step.cannon.p99 <= STOP_MS && step.cannon.achieved >= 0.9 * rate;
      }
      steps.push(step);
      console.error(`loadtest: ${srv.system}, ${sessions} sessions, ${workers} worker(s), ${rate}/s: open loop p99 ${step.open ? ms(step.open.p99) : '–'} ms, autocannon p99 ${step.cannon ? ms(step.cannon.p99) : '–'} ms`);
    }
    saturation = await cannon(srv.url, headers, reqs, undefined);
  } finally {
    rssAfter = processTreeRss(srv.pid);
    await srv.stop();
  }
  const ok = (x: { p99: number; achieved: number; errors: number } | undefined, rate: number) => x !== undefined && x.p99 <= TARGET_MS && x.achieved >= 0.9 * rate && x.errors === 0;
  // The highest step such that it and every step below it kept the target.
  const best = (f: (s: Step) => Step['open'] | Step['cannon']) => {
    let rate: number | undefined;
    for (const s of steps) {
      if (!ok(f(s), s.offered)) break;
      rate = s.offered;
    }
    return rate;
  };
  const sustainedOpen = best((s) => s.open);
  const sustainedCannon = best((s) => s.cannon);
  return {
    system: srv.system,
    sessions,
    workers,
    preloadSeconds,
    diskBytes: await srv.diskBytes(),
    ...(rssAfter === undefined ? {} : { rssAfter }),
    steps,
    saturation,
    ...(sustainedOpen === undefined ? {} : { sustainedOpen }),
    ...(sustainedCannon === undefined ? {} : { sustainedCannon }),
  };
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'sira-loadtest-'));
  const runs: SessionsRun[] = [];
  const peer = PEERS.length > 0 ? await mastraPeer() : undefined;
  try {
    let have = 0;
    for (const n of SESSION_POINTS) {
      const secs = await preload(dir, have, n);
      console.error(`loadtest: preloaded ${have} → ${n} sessions in ${secs.toFixed(1)} s`);
      for (const w of WORKERS) runs.push(await ramp(await siraTarget(dir, w), n, secs, w));
      if (peer !== undefined) {
        const peerSecs = await peer.preload(have, n);
        console.error(`loadtest: Mastra + pg preloaded ${have} → ${n} sessions in ${peerSecs.toFixed(1)} s`);
        runs.push(await ramp(await peer.start(), n, peerSecs, 1));
      }
      have = n;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await peer?.drop();
  }
  report(runs, (performance.now() - t0) / 1000);
}

/**
 * The Mastra + PostgreSQL peer: a fresh database, pre-filled with the sessions Sira has (same ids, same corpus
 * turns through the same generator), served by bench/peers/mastra-http.ts. Undefined (with a note) when its
 * packages (bench/node_modules) or PostgreSQL are not there.
 */
const PEER_POSTGRES = './peers/postgres.ts';
const PEER_MASTRA_HTTP = './peers/mastra-http.ts';
/** What this bench uses of bench/peers/postgres.ts. */
interface PostgresPeer {
  freshDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void>; size(): Promise<number> }>;
}
/** What this bench uses of bench/peers/mastra-http.ts. */
interface MastraHttpPeer {
  preloadMastra(url: string, ids: readonly string[], turnsOf: (id: string) => { role: string; content: unknown }[]): Promise<void>;
  startMastraHttp(url: string): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }>;
}

async function mastraPeer(): Promise<{ preload(from: number, to: number): Promise<number>; start(): Promise<Target>; drop(): Promise<void> } | undefined> {
  try {
    // Imported by a computed path: the peer's packages live in bench/node_modules (`cd bench && npm ci`), which the
    // project's typecheck and CI do not install; the shapes below are what this bench uses of them.
    const { freshDatabase } = (await import(PEER_POSTGRES)) as PostgresPeer;
    const { preloadMastra, startMastraHttp } = (await import(PEER_MASTRA_HTTP)) as MastraHttpPeer;
    const db = await freshDatabase('sira_loadtest_mastra');
    return {
      async preload(from, to) {
        const t0 = performance.now();
        const g = chatTurns(40_000 + from);
        const ids = Array.from({ length: to - from }, (_, i) => `l${from + i}`);
        await preloadMastra(db.url, ids, () => Array.from({ length: TURNS }, () => wire(g.next())));
        return (performance.now() - t0) / 1000;
      },
      async start() {
        const srv = await startMastraHttp(db.url);
        return { system: 'Mastra + pg', url: srv.url, key: 'unused', pid: srv.pid, diskBytes: () => db.size(), stop: () => srv.stop() };
      },
      drop: () => db.drop(),
    };
  } catch (err) {
    console.error(`loadtest: skipping the Mastra + pg peer (${(err as Error).message}); it needs \`cd bench && npm ci\` and PostgreSQL at PG_URL`);
    return undefined;
  }
}

function report(runs: SessionsRun[], wall: number): void {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const mib = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 1024 ** 2).toFixed(0)} MiB`);
  const cell = (x: { achieved: number; p50: number; p99: number; errors: number } | undefined) =>
    x === undefined ? '–' : `${n(x.achieved)} / ${ms(x.p50)} / **${ms(x.p99)}**${x.errors ? ` (${x.errors} errors)` : ''}`;
  const dir = join(import.meta.dirname, 'results');
  const sections: string[] = [];
  const label = (r: SessionsRun) => (r.system !== 'Sira' ? r.system : r.workers === 1 ? 'Sira, 1 process' : `Sira, ${r.workers} workers`);
  for (const sessions of [...new Set(runs.map((r) => r.sessions))]) {
    const group = runs.filter((r) => r.sessions === sessions);
    const file = `loadtest-${sessions}.svg`;
    writeFileSync(
      join(dir, file),
      logLogChart({
        title: `Mixed load, ${sessions.toLocaleString('en-US')} sessions: p99 (ms) vs offered req/s`,
        xLabel: 'offered requests/s',
        yLabel: 'p99 ms (log)',
        series: [
          ...group.flatMap((r) => [
            { name: `open loop (from due time), ${label(r)}`, points: r.steps.filter((s) => s.open).map((s) => [s.offered, s.open!.p99] as const) },
            { name: `autocannon overallRate, ${CONNECTIONS} conns, ${label(r)}`, points: r.steps.filter((s) => s.cannon).map((s) => [s.offered, s.cannon!.p99] as const) },
          ]),
          { name: `${TARGET_MS} ms target`, points: group[0]!.steps.map((s) => [s.offered, TARGET_MS] as const) },
        ],
      }),
    );
    for (const r of group) {
      sections.push(
        `${r.sessions.toLocaleString('en-US')} live sessions, ${label(r)} (preloaded in ${r.preloadSeconds.toFixed(0)} s; data dir ${mib(r.diskBytes)}; service RSS after the run, all processes, ${mib(r.rssAfter)}). ` +
          `Highest offered rate with p99 ≤ ${TARGET_MS} ms: **${r.sustainedOpen === undefined ? `none (p99 > ${TARGET_MS} ms from ${RATES[0]} req/s)` : `${n(r.sustainedOpen)} req/s`}** open loop; ` +
          `${r.sustainedCannon === undefined ? `none from ${RATES[0]} req/s` : `${n(r.sustainedCannon)} req/s`} autocannon-paced. ` +
          `Closed loop, ${CONNECTIONS} connections: ${n(r.saturation.achieved)} req/s, p50 ${ms(r.saturation.p50)} ms, p99 ${ms(r.saturation.p99)} ms. Chart: [p99 vs offered rate](${file}).`,
        '',
        table(
          ['offered req/s', 'open loop: achieved / p50 / p99 ms', 'open loop p99 from send', 'open loop p99 context / last 20 / append', `autocannon (${CONNECTIONS} conns): achieved / p50 / p99 ms`],
          r.steps.map((s) => [n(s.offered), cell(s.open), s.open ? ms(s.open.fromSendP99) : '–', s.open ? KINDS.map((k) => ms(s.open!.p99ByKind[k] ?? Number.NaN)).join(' / ') : '–', cell(s.cannon)]),
        ),
        '',
      );
    }
    const one = group.find((r) => r.system === 'Sira' && r.workers === 1);
    for (const r of group) {
      if (one !== undefined && r !== one) sections.push(`Closed-loop capacity, ${label(r)} / Sira, 1 process: **${(r.saturation.achieved / one.saturation.achieved).toFixed(2)}×**${r.system === 'Sira' ? ' (issue 14 target ≥ 1.7× with 2 workers)' : ''}.`, '');
    }
    const systemsFile = `loadtest-${sessions}-systems.svg`;
    writeFileSync(
      join(dir, systemsFile),
      logLogChart({
        title: `Mixed load, ${sessions.toLocaleString('en-US')} sessions: open-loop p50 and p99 (ms) vs offered req/s, by system`,
        xLabel: 'offered requests/s',
        yLabel: 'latency ms (log)',
        series: [
          ...group.flatMap((r) => [
            { name: `p99, ${label(r)}`, points: r.steps.filter((s) => s.open).map((s) => [s.offered, s.open!.p99] as const) },
            { name: `p50, ${label(r)}`, points: r.steps.filter((s) => s.open).map((s) => [s.offered, s.open!.p50] as const) },
          ]),
          { name: `${TARGET_MS} ms target`, points: group[0]!.steps.map((s) => [s.offered, TARGET_MS] as const) },
        ],
      }),
    );
    sections.push(`Chart, every system side by side: [p50 and p99 vs offered rate](${systemsFile}).`, '');
  }
  const md = [
    `Machine: ${machine()}. Mixed workload on uniformly random sessions: 35% context builds (budget ${BUDGET} tokens, a corpus query), 35% reads of the last 20 turns, 30% single-turn appends. The service via the bin (embedded LMDB, sync os, auth on; serve --workers N for N > 1) on a data dir pre-filled through the library; load from this process (server and generators share the machine's cores). ${STEP_S} s per step and method; the ramp runs the first ${MIN_STEPS} steps, then stops at the first step whose p99 passes ${STOP_MS} ms or whose achieved rate falls under 90% of the offered. Wall time ${wall.toFixed(0)} s.`,
    '',
    ...sections,
  ].join('\n');
  writeResult('loadtest', { machine: machine(), config: { sessions: SESSION_POINTS, workers: WORKERS, peers: PEERS, rates: RATES, stepSeconds: STEP_S, connections: CONNECTIONS, turns: TURNS, budgetTokens: BUDGET, stopMs: STOP_MS, targetMs: TARGET_MS, mix: { context: 0.35, last20: 0.35, append: 0.3 } }, wallSeconds: wall, runs }, md);
}

if (import.meta.main) await run();
