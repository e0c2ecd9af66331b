/** @module bench/lib/server — start the real service (the package's bin) in a child process for HTTP benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningServer {
  url: string;
  key: string;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Extra settings of {@link startServer}. */
export interface StartOptions {
  /** The bootstrap key (several instances of one deployment share it). @default a random one */
  key?: string;
  /** Environment added to the child's (e.g. SIRA_REDIS_KEY_PREFIX). */
  env?: Record<string, string>;
  /** Serve an existing data dir instead (pre-filled by the caller, who keeps it: `stop()` leaves it). */
  dataDir?: string;
  /** `serve --workers N`: ready once every worker answered (x-sira-worker). @default 1 (plain serve) */
  workers?: number;
}

/** The worker that answers /healthz on a fresh connection (0 when none answers: not up yet). */
function healthzWorker(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? Number(res.headers['x-sira-worker'] ?? 1) : 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Start `sira-session serve` on a free loopback port with a fresh data dir; resolves once /healthz answers. */
export async function startServer(extraArgs: string[] = [], opts: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sira-http-bench-'));
  const key = opts.key ?? `bench-${Math.random().toString(36).slice(2)}`;
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'sira-session.js');
  // The same V8 heap cap as `npm start` (see README): without one V8 collects lazily on a large machine and RSS
  // holds garbage. BENCH_SERVER_NODE_ARGS replaces it.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '--max-old-space-size=768').split(' ').filter(Boolean);
  const workers = opts.workers ?? 1;
  const workerArgs = workers > 1 ? ['--workers', String(workers)] : [];
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', ...workerArgs, ...extraArgs], {
    env: { ...process.env, ...opts.env, SIRA_BOOTSTRAP_KEY: key },
    stdio: ['ignore', process.env.BENCH_SERVER_STDOUT === '1' ? 'inherit' : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  // Each probe on a new connection, which the primary hands to the next worker: up once all have answered.
  const answered = new Set<number>();
  for (let i = 0; i < 600 && answered.size < workers; i++) {
    const w = await healthzWorker(url);
    if (w > 0) answered.add(w);
    if (child.exitCode !== null) throw new Error('server exited during start');
    if (answered.size < workers) await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    key,
    dataDir,
    child,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
