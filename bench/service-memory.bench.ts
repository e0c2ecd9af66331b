/**
 * Service memory with 100,000 live sessions (issue 3 target: RSS ≤ 1 GiB): the real service (bin, embedded
 * store) loaded over HTTP with 100,000 sessions × 20 turns of realistic chat text, then its resident memory read
 * from /proc/<pid>/status — total, anonymous (heap, caches) and file-backed (LMDB's mapped pages, which the kernel
 * can drop and re-read) — after a read pass over every session.
 * With `BENCH_WORKERS=N` the service is `serve --workers N`, and every figure sums the primary and its workers:
 * RSS, anonymous memory, and PSS (proportional set size: the LMDB pages all workers map are shared, so summing
 * their RSS counts those pages N times; PSS charges each process its share, so the PSS sum is the machine's real
 * cost). `BENCH_SERVER_NODE_ARGS` sets the service's Node flags (the heap cap; default as `npm start`).
 * usage: npm run bench -- service-memory   (env BENCH_SESSIONS to change 100000, BENCH_WORKERS 1)
 */
import { readFileSync } from 'node:fs';
import { processTree } from './lib/footprint.ts';
import { Agent, request } from 'node:http';
import { chatTurns } from '../training/lib/corpus.ts';
import { machine, table, writeResult } from './lib/report.ts';
import { startServer } from './lib/server.ts';
import type { NewTurn } from '../src/core/types.ts';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const wire = (t: NewTurn) => ({ role: t.role, content: t.parts.length === 1 && t.parts[0]!.type === 'text' ? t.parts[0]!.text : t.parts, metadata: t.metadata });

/** Memory of one process from /proc: RSS and its anonymous / file-backed parts, PSS, and the peak RSS. */
function memOfOne(pid: number): Record<string, number> {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string, text = st) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
  let pss = 0;
  try {
    pss = kb('Pss', readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  } catch {
    // no smaps_rollup (an older kernel): PSS stays 0
  }
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem'), pss, hwm: kb('VmHWM') };
}

/** The same, summed over `pid` and its descendants (the primary of `--workers` and its workers). */
function memOf(pid: number): Record<string, number> {
  const sum: Record<string, number> = { rss: 0, anon: 0, file: 0, pss: 0, hwm: 0 };
  for (const p of processTree(pid)) for (const [k, v] of Object.entries(memOfOne(p))) sum[k]! += v;
  return sum;
}

export async function run(): Promise<void> {
  const srv = await startServer([], { workers: WORKERS });
  const pid = srv.child.pid!;
  const headers = { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' };
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const url = new URL(srv.url);
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<number>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request({ host: url.hostname, port: url.port, method, path, agent, headers: data === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(data) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(data);
    });
  const post = async (path: string, body: unknown) => {
    const status = await call('POST', path, body);
    if (status !== 201) throw new Error(`${path}: ${status}`);
  };
  const idle = memOf(pid);
  const g = chatTurns(77);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < SESSIONS) {
        const i = next++;
        await post('/v1/sessions', { id: `m${i}`, user_id: `u${i % 5000}`, ttl_seconds: 86_400 });
        await post(`/v1/sessions/m${i}/turns`, { turns: Array.from({ length: 20 }, () => wire(g.next())) });
      }
    }),
  );
  const loadS = (performance.now() - t0) / 1000;
  const loaded = memOf(pid);
  let r = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (r < SESSIONS) {
        const i = r++;
        await call('GET', `/v1/sessions/m${i}/turns?last=20`);
      }
    }),
  );
  const afterReads = memOf(pid);
  await srv.stop();
  agent.destroy();
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  const row = (name: string, m: Record<string, number>) => [name, mb(m.rss!), mb(m.pss!), mb(m.anon!), mb(m.file!)];
  const md = [
    `Machine: ${machine()}. Service via bin (${WORKERS === 1 ? 'one process' : `serve --workers ${WORKERS}, figures summed over the primary and the workers`}; node ${process.env.BENCH_SERVER_NODE_ARGS ?? '--max-old-space-size=768'}; embedded LMDB, sync os, default 64 MiB tail cache), loaded over HTTP with ${SESSIONS.toLocaleString('en-US')} sessions × 20 turns in ${loadS.toFixed(0)} s; peak RSS ${mb(afterReads.hwm!)}.`,
    '',
    table(['service', 'RSS', 'PSS', 'anonymous (heap, caches)', 'file-backed (LMDB map)'], [row('idle, empty store', idle), row(`${SESSIONS.toLocaleString('en-US')} sessions loaded`, loaded), row('after reading every session once', afterReads)]),
  ].join('\n');
  writeResult(process.env.BENCH_OUT ?? 'service-memory', { machine: machine(), sessions: SESSIONS, workers: WORKERS, nodeArgs: process.env.BENCH_SERVER_NODE_ARGS ?? '--max-old-space-size=768', loadSeconds: loadS, idle, loaded, afterReads }, md);
}

if (import.meta.main) await run();
