/**
 * Memory held for SSE subscribers that never read (issue 11 measured 213 → 395 MB with 200 of them, staying
 * there after they closed): the real service (bin, embedded store), 200 raw sockets subscribed to one workspace's
 * events that never read, then CRDT updates of ~60 KB each (inlined in every subscriber's `crdt.updated` event).
 * Reports the process's resident memory (/proc/<pid>/status) and the service's own gauges (`/metrics`:
 * buffered bytes, open streams, slow consumers disconnected) idle, while the clients stall, after the server
 * disconnected them, and after they closed. Memory, not timing: safe on a loaded machine.
 * usage: npm run bench -- slow-subscribers   (env BENCH_CLIENTS, BENCH_UPDATES; BENCH_QUICK=1: 20 clients, 20 updates)
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import * as Y from 'yjs';
import { machine, table, writeResult } from './lib/report.ts';
import { startServer } from './lib/server.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? (QUICK ? 20 : 200));
const UPDATES = Number(process.env.BENCH_UPDATES ?? (QUICK ? 20 : 100));
const SLOW_MS = 3000;

function memOf(pid: number): { rss: number; anon: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}

async function gauges(url: string): Promise<{ buffered: number; sse: number; subscribers: number; slowClosed: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    buffered: get(/^sira_event_stream_buffered_bytes (\S+)$/m),
    sse: get(/^sira_event_streams\{transport="sse"\} (\S+)$/m),
    subscribers: get(/^sira_event_subscribers (\S+)$/m),
    slowClosed: get(/^sira_slow_consumers_disconnected_total\{transport="sse"\} (\S+)$/m),
  };
}

export async function run(): Promise<void> {
  const srv = await startServer([], { env: { SIRA_SSE_SLOW_CONSUMER_MS: String(SLOW_MS) } });
  const pid = srv.child.pid!;
  const auth = { authorization: `Bearer ${srv.key}` };
  const { port } = new URL(srv.url);
  await fetch(`${srv.url}/v1/workspaces`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'w' }) });
  const idle = { ...memOf(pid), ...(await gauges(srv.url)) };
  const sockets: Socket[] = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect(Number(port), '127.0.0.1', () => {
            s.pause(); // never reads
            s.write(`GET /v1/workspaces/w/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: ${auth.authorization}\r\n\r\n`);
            resolve(s);
          });
          s.on('error', () => {}); // the server disconnects these clients on purpose
        }),
    ),
  );
  for (let i = 0; i < UPDATES; i++) {
    const d = new Y.Doc();
    d.getText('t').insert(0, `${i}`.padEnd(60_000, 'x'));
    const r = await fetch(`${srv.url}/v1/workspaces/w/crdt/notes`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: Buffer.from(Y.encodeStateAsUpdate(d)) });
    if (r.status !== 200) throw new Error(`crdt update: ${r.status}`);
  }
  const stalled = { ...memOf(pid), ...(await gauges(srv.url)) };
  let dropped = stalled;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, SLOW_MS / 10));
    dropped = { ...memOf(pid), ...(await gauges(srv.url)) };
    if (dropped.sse === 0) break;
  }
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 1000));
  const closed = { ...memOf(pid), ...(await gauges(srv.url)) };
  await srv.stop();
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  const row = (name: string, m: typeof idle) => [name, mb(m.rss), mb(m.anon), mb(m.buffered), String(m.sse), String(m.subscribers), String(m.slowClosed)];
  const md = [
    `Machine: ${machine()}. Service via bin (embedded LMDB, sseMaxBufferedBytes 1 MiB, sseSlowConsumerMs ${SLOW_MS}); ${CLIENTS} raw SSE clients that never read, ${UPDATES} CRDT updates of ~60 KB (each an ~80 KB event per client).`,
    '',
    table(
      ['phase', 'RSS', 'anonymous', 'buffered (gauge)', 'SSE streams', 'subscriber slots', 'slow consumers disconnected'],
      [row('idle', idle), row('clients stalled, updates written', stalled), row('after the slow-consumer window', dropped), row('after the clients closed', closed)],
    ),
  ].join('\n');
  writeResult('slow-subscribers', { machine: machine(), clients: CLIENTS, updates: UPDATES, idle, stalled, dropped, closed }, md);
}
