/**
 * @module test/helpers/workers
 * `sira-session serve --workers N` as a child process for tests: started on a free loopback port with a fresh
 * data directory, ready once the primary logs that every worker listens; the workers' pids are read from their
 * `sira-session ready` log lines (a restarted worker logs a new one). {@link pinnedClient} keeps one keep-alive
 * connection that the primary handed to a chosen worker, so a test can write through one and read through another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openStream, type Stream } from './sse.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'sira-session.js');

/** A running cluster. */
export interface WorkerCluster {
  url: string;
  key: string;
  dataDir: string;
  child: ChildProcess;
  /** Pid of each slot's current worker (updated when a restarted worker logs ready). */
  pids: Map<number, number>;
  /** Resolves once slot `slot` logs ready with a pid other than `not`. */
  readyAgain(slot: number, not: number): Promise<number>;
  /** SIGTERM the primary and wait for it to exit; resolves with its exit code. Removes the data dir. */
  stop(): Promise<number | null>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Start `serve --workers n` (plus `args`); resolves once all workers are ready. */
export async function startWorkers(n: number, args: string[] = [], env: Record<string, string> = {}): Promise<WorkerCluster> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'sira-workers-'));
  const key = `workers-key-${Math.random().toString(36).slice(2)}`;
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--workers', String(n), '--log-level', 'info', ...args], {
    env: { ...process.env, ...env, SIRA_BOOTSTRAP_KEY: key },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pids = new Map<number, number>();
  const waiters: (() => void)[] = [];
  let ready = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const o = JSON.parse(line) as { msg?: string; worker?: number; pid?: number };
    if (o.msg === 'sira-session ready' && o.worker !== undefined && o.pid !== undefined) pids.set(o.worker, o.pid);
    if (o.msg === 'sira-session workers ready') ready = true;
    for (const w of waiters.splice(0)) w();
  });
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pred()) resolve();
        else if (child.exitCode !== null) reject(new Error(`the cluster exited (${child.exitCode})`));
        else waiters.push(check);
      };
      check();
    });
  child.once('exit', () => {
    for (const w of waiters.splice(0)) w();
  });
  await until(() => ready);
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    dataDir,
    child,
    pids,
    readyAgain: async (slot, not) => {
      await until(() => pids.get(slot) !== undefined && pids.get(slot) !== not);
      return pids.get(slot)!;
    },
    stop: async () => {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = child.exitCode ?? (await exited);
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** An HTTP answer: status, the worker that served it and the parsed JSON body (undefined when empty). */
export interface Answer {
  status: number;
  worker: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test answers of many shapes
}

/** Requests over one keep-alive connection: every request is served by the same worker. */
export interface PinnedClient {
  worker: number;
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  close(): void;
}

function call(agent: Agent | false, base: string, key: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (data !== undefined) headers['content-type'] = 'application/json';
    const req = httpRequest(`${base}${path}`, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: Number(res.headers['x-sira-worker']), body: text === '' ? undefined : JSON.parse(text) }));
      res.on('error', reject);
    });
    // A client's timeout, as any gateway has one: a connection the primary handed to a worker at the moment it was
    // killed is never answered nor closed (node:cluster's round-robin hand-off keeps it), see docs/internals.md.
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: no answer within 15 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** One request on a connection of its own (closed after it): the primary hands it to the next live worker. */
export function callFresh(c: { url: string; key: string }, method: string, path: string, body?: unknown): Promise<Answer> {
  return call(false, c.url, c.key, method, path, body);
}

/** A client whose one connection the primary handed to worker `slot` (new connections are tried until one is). */
export async function pinnedClient(c: { url: string; key: string }, slot: number): Promise<PinnedClient> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const probe = await call(agent, c.url, c.key, 'GET', '/healthz');
    if (probe.worker === slot) return { worker: slot, call: (m, p, b) => call(agent, c.url, c.key, m, p, b), close: () => agent.destroy() };
    agent.destroy();
  }
  throw new Error(`no connection reached worker ${slot}`);
}

/** An SSE stream served by worker `slot` (streams are opened until the primary hands one to it). */
export async function streamOn(c: { url: string; key: string }, slot: number, path: string, headers: Record<string, string> = {}): Promise<Stream> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const s = await openStream(c.url, path, { authorization: `Bearer ${c.key}`, ...headers });
    if (Number(s.headers['x-sira-worker']) === slot) return s;
    s.close();
  }
  throw new Error(`no stream reached worker ${slot}`);
}
