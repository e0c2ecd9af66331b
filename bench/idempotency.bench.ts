/**
 * Idempotency-Key cost (issue 13, part 4): single-turn appends through the real service (bin, embedded LMDB, sync
 * os, auth on), closed loop with autocannon (16 connections), three ways: no key; a fresh key per request (the
 * TypeScript client's default: claim + answer = two extra document writes and one read); and retries of keys
 * already answered (a replay: one read, nothing written).
 * usage: npm run bench -- idempotency   (BENCH_QUICK=1 for 3-second runs)
 */
import autocannon from 'autocannon';
import { machine, table, writeResult } from './lib/report.ts';
import { startServer } from './lib/server.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const DURATION = QUICK ? 3 : 15;
const SESSIONS = 200;

interface Row {
  scenario: string;
  achieved: number;
  p50: number;
  p99: number;
  errors: number;
}

export async function run(): Promise<void> {
  const srv = await startServer();
  const auth = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
  for (let i = 0; i < SESSIONS; i++) {
    const r = await fetch(`${srv.url}/v1/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ id: `i${i}` }) });
    if (r.status !== 201) throw new Error(`create failed: ${r.status}`);
  }
  const body = (n: number) => JSON.stringify({ turns: [{ role: 'user', content: `turn ${n}: the quick brown fox jumps over the lazy dog` }] });
  // Keys answered beforehand, for the replay scenario (each with its own body, as a retry sends).
  const answered: { path: string; key: string; body: string }[] = [];
  for (let i = 0; i < 500; i++) {
    const a = { path: `/v1/sessions/i${i % SESSIONS}/turns`, key: `pre-${i}`, body: body(i) };
    const r = await fetch(`${srv.url}${a.path}`, { method: 'POST', headers: { ...auth, 'idempotency-key': a.key }, body: a.body });
    if (r.status !== 201) throw new Error(`pre-answer failed: ${r.status}`);
    answered.push(a);
  }
  const rows: Row[] = [];
  let n = 0;
  const cannon = (scenario: string, req: () => { path: string; body: string; headers: Record<string, string> }) =>
    new Promise<void>((resolve, reject) => {
      autocannon(
        { url: srv.url, connections: 16, duration: DURATION, requests: [{ setupRequest: (r: autocannon.Request) => ({ ...r, method: 'POST', ...req() }) }] },
        (err: Error | null, res: autocannon.Result) => {
          if (err) return reject(err);
          rows.push({ scenario, achieved: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, errors: res.non2xx + res.errors });
          resolve();
        },
      );
    });
  // Warm up (JIT, connections) before anything is measured.
  await cannon('warm-up', () => ({ path: `/v1/sessions/i${n++ % SESSIONS}/turns`, body: body(n), headers: auth }));
  rows.length = 0;
  await cannon('append, no key', () => ({ path: `/v1/sessions/i${n++ % SESSIONS}/turns`, body: body(n), headers: auth }));
  await cannon('append, fresh key each', () => ({ path: `/v1/sessions/i${n++ % SESSIONS}/turns`, body: body(n), headers: { ...auth, 'idempotency-key': `k-${n}` } }));
  await cannon('retry of an answered key (replay)', () => {
    const a = answered[n++ % answered.length]!;
    return { path: a.path, body: a.body, headers: { ...auth, 'idempotency-key': a.key } };
  });
  await srv.stop();
  const md = [
    `Machine: ${machine()}. Service via bin (embedded LMDB, sync os, auth on), ${SESSIONS} sessions; autocannon closed loop, 16 connections, ${DURATION} s per row, in the same machine; latency in ms.`,
    '',
    table(
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors'],
      rows.map((r) => [r.scenario, Math.round(r.achieved).toLocaleString('en-US'), r.p50, r.p99, r.errors]),
    ),
  ].join('\n');
  writeResult('idempotency', { machine: machine(), duration: DURATION, rows }, md);
}

if (import.meta.main) await run();
