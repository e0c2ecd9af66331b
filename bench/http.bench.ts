/**
 * HTTP benchmark (issue 3): the service started as users start it (bin, embedded store, auth on), driven by
 * autocannon from this process over loopback (server and load generator each get one of the 2 cores).
 *  - a constant offered rate of 2,000 requests/s (open loop, bench/lib/load.ts; latency counted from when each
 *    request was due): append one turn, and read the last 20 turns (p50/p99);
 *  - saturation (autocannon, closed loop, 16 connections): single-turn appends, 100-turn batch appends and
 *    reads (requests/s, turns/s).
 * usage: npm run bench -- http   (BENCH_QUICK=1 for 3-second runs)
 */
import autocannon from 'autocannon';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { startServer } from './lib/server.ts';
import { constantRateInWorker } from './lib/load.ts';
import { ms } from './lib/stats.ts';
import { mulberry32 } from '../training/lib/rng.ts';
import type { NewTurn } from '../src/core/types.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const DURATION = QUICK ? 3 : 15;
const SESSIONS = 1000;

const wire = (t: NewTurn) => ({ role: t.role, content: t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts, metadata: t.metadata });

interface Row {
  scenario: string;
  offered: string;
  achieved: number;
  p50: number | string;
  p99: number | string;
  fromSend?: string;
  errors: number;
  turnsPerSec?: number;
}

export async function run(): Promise<void> {
  const srv = await startServer();
  const auth = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
  const g = chatTurns(11);
  for (let i = 0; i < SESSIONS; i++) {
    const r = await fetch(`${srv.url}/v1/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id: `h${i}` }) });
    if (r.status !== 201) throw new Error(`create failed: ${r.status}`);
    await fetch(`${srv.url}/v1/sessions/h${i}/turns`, { method: 'POST', headers: auth, body: JSON.stringify({ turns: Array.from({ length: 20 }, () => wire(g.next())) }) });
  }
  const bodies = Array.from({ length: 2000 }, () => JSON.stringify({ turns: [wire(g.next())] }));
  const batches = Array.from({ length: 50 }, () => JSON.stringify({ turns: Array.from({ length: 100 }, () => wire(g.next())) }));
  const rng = mulberry32(5);
  const sid = () => `h${Math.floor(rng() * SESSIONS)}`;
  const rows: Row[] = [];
  const cannon = (scenario: string, offered: number | undefined, connections: number, req: () => { method: 'GET' | 'POST'; path: string; body?: string }, turnsPerReq = 0) =>
    new Promise<void>((resolve, reject) => {
      autocannon(
        {
          url: srv.url,
          connections,
          duration: DURATION,
          ...(offered ? { overallRate: offered } : {}),
          headers: auth,
          requests: [{ setupRequest: (r: autocannon.Request) => ({ ...r, ...req() }) }],
        },
        (err: Error | null, res: autocannon.Result) => {
          if (err) return reject(err);
          const achieved = res.requests.average;
          rows.push({ scenario, offered: offered ? String(offered) : 'max', achieved, p50: res.latency.p50, p99: res.latency.p99, errors: res.non2xx + res.errors, ...(turnsPerReq ? { turnsPerSec: achieved * turnsPerReq } : {}) });
          resolve();
        },
      );
    });
  let b = 0;
  // Warm up (JIT, connections) before anything is measured.
  const reads = Array.from({ length: 5000 }, () => ({ method: 'GET' as const, path: `/v1/sessions/${sid()}/turns?last=20` }));
  const appends = Array.from({ length: 5000 }, () => ({ method: 'POST' as const, path: `/v1/sessions/${sid()}/turns`, body: bodies[b++ % bodies.length]! }));
  await constantRateInWorker(srv.url, auth, 1000, 2, reads);
  for (const rate of [2000]) {
    const a = await constantRateInWorker(srv.url, auth, rate, DURATION, appends);
    rows.push({ scenario: 'append 1 turn (open loop)', offered: String(rate), achieved: a.achieved, p50: ms(a.latency.p50), p99: ms(a.latency.p99), fromSend: `${ms(a.fromSend.p50)} / ${ms(a.fromSend.p99)}`, errors: a.errors, turnsPerSec: a.achieved });
    const r = await constantRateInWorker(srv.url, auth, rate, DURATION, reads);
    rows.push({ scenario: 'read last 20 turns (open loop)', offered: String(rate), achieved: r.achieved, p50: ms(r.latency.p50), p99: ms(r.latency.p99), fromSend: `${ms(r.fromSend.p50)} / ${ms(r.fromSend.p99)}`, errors: r.errors });
    const sessionReads = Array.from({ length: 5000 }, () => ({ method: 'GET' as const, path: `/v1/sessions/${sid()}` }));
    const g2 = await constantRateInWorker(srv.url, auth, rate, DURATION, sessionReads);
    rows.push({ scenario: 'read session (open loop)', offered: String(rate), achieved: g2.achieved, p50: ms(g2.latency.p50), p99: ms(g2.latency.p99), fromSend: `${ms(g2.fromSend.p50)} / ${ms(g2.fromSend.p99)}`, errors: g2.errors });
  }
  await cannon('append 1 turn (closed loop)', undefined, 16, () => ({ method: 'POST', path: `/v1/sessions/${sid()}/turns`, body: bodies[b++ % bodies.length]! }), 1);
  await cannon('append 100-turn batch (closed loop)', undefined, 16, () => ({ method: 'POST', path: `/v1/sessions/${sid()}/turns`, body: batches[b++ % batches.length]! }), 100);
  await cannon('read last 20 turns (closed loop)', undefined, 16, () => ({ method: 'GET', path: `/v1/sessions/${sid()}/turns?last=20` }));
  await srv.stop();
  const md = [
    `Machine: ${machine()}. Open-loop rows: latency from when each request was due (p50/p99) and from when it was actually sent (the generator, in a worker thread, fires on ~1 ms timers). Service via bin (embedded LMDB, sync os, auth on), ${SESSIONS} sessions pre-filled with 20 turns; autocannon in the same machine, ${DURATION} s per row; latency in ms.`,
    '',
    table(
      ['scenario', 'offered req/s', 'achieved req/s', 'p50 ms', 'p99 ms', 'from send p50 / p99 ms', 'non-2xx + errors', 'turns/s'],
      rows.map((r) => [r.scenario, r.offered, Math.round(r.achieved).toLocaleString('en-US'), r.p50, r.p99, r.fromSend ?? '', r.errors, r.turnsPerSec ? Math.round(r.turnsPerSec).toLocaleString('en-US') : '']),
    ),
  ].join('\n');
  writeResult('http', { machine: machine(), duration: DURATION, rows }, md);
}

if (import.meta.main) await run();
