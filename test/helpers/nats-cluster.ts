/**
 * @module test/helpers/nats-cluster
 * A real 3-node NATS JetStream cluster for tests, started from the installed `nats-server` binary (Debian's
 * 2.9.x; `SIRA_NATS_SERVER` overrides the path) on free loopback ports, each node with its own store directory
 * under one temporary directory, removed by `stop()`. Every wait is bounded, so a broken setup fails instead of
 * hanging. Also {@link requireStandaloneNats}: the single server CI runs (a failing check fails the test).
 *
 * Readiness is what the nodes report, not a sleep: each node serves nats-server's monitoring `/healthz`, which
 * answers ok only once the node is current with the meta leader and with every stream it replicates (a leader
 * known, its log caught up). {@link NatsClusterHandle.settle} waits for that on all three nodes; a fault test
 * calls it before each fault, so a kill never lands while a previous election or catch-up is still running (a
 * Raft group whose third peer is still recovering has no spare vote: killing its leader then leaves one current
 * peer, and the election waits for the recovering one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** The single JetStream server CI starts (.ci/run). */
export const STANDALONE_NATS_URL = process.env.SIRA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

const BINARY = process.env.SIRA_NATS_SERVER ?? 'nats-server';
/** Where `stop()` copies the nodes' logs (one folder per cluster); unset: the logs go with the cluster. */
const LOG_DIR = process.env.SIRA_NATS_LOG_DIR;

/** One node. */
export interface NatsNode {
  name: string;
  port: number;
  clusterPort: number;
  /** nats-server's monitoring port (`/healthz`, `/jsz`). */
  httpPort: number;
}

/** What {@link NatsClusterHandle.settle} saw. */
export interface SettleReport {
  /** Ms until every node reported healthy. */
  ms: number;
  /** The distinct states seen on the way (each node's `/healthz` error, `ok` when healthy), in order. */
  states: string[];
}

/** Bounds of {@link NatsClusterHandle.settle}. */
export interface SettleOptions {
  /**
   * Give up when the nodes' reported states stay the same this long (no progress). Longer than one Raft round of
   * nats-server's fixed timers (lost quorum after 10 s, then a 4-9 s election timeout), plus a split vote: a
   * loaded machine saw a stream leaderless for ~40 s. @default 45000
   */
  stallMs?: number;
  /** Give up after this long in any case. @default 90000 */
  maxMs?: number;
}

/** A running cluster. */
export interface NatsClusterHandle {
  nodes: NatsNode[];
  /** `nats://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` */
  url: string;
  /** Kill every node and remove the directory. */
  stop(): Promise<void>;
  /** SIGKILL the node (a crash: no shutdown); resolves once it exited. */
  kill(name: string): Promise<void>;
  /**
   * Start a killed node again on its store directory; resolves once the whole cluster has settled again (the
   * node caught up on the meta group and every stream: {@link settle}).
   */
  restart(name: string): Promise<SettleReport>;
  /**
   * Wait until every node's `/healthz` is ok: a meta leader and a leader for every stream, each replica caught up.
   * The deadline follows what the nodes report: it fails after `stallMs` without any node's state changing (an
   * election or a catch-up that makes no progress), or after `maxMs`. Throws with the last states seen.
   */
  settle(options?: SettleOptions): Promise<SettleReport>;
  /** One node's `/healthz`: `ok`, nats-server's error, or `unreachable: …` (down or stopped). */
  health(name: string): Promise<string>;
  /** SIGSTOP / SIGCONT the node: a stalled node (it neither answers nor takes part in Raft until resumed). */
  pause(name: string): void;
  resume(name: string): void;
  /** Name of the node leading this stream's Raft group (asked of any live node). */
  leaderOf(stream: string): Promise<string>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < 1000; tries++) {
    const p = 20_000 + Math.floor(Math.random() * 40_000);
    if (!out.includes(p) && (await portFree(p))) out.push(p);
  }
  if (out.length < n) throw new Error('no free ports for a NATS cluster');
  return out;
}

/** Poll `check` until it is true, at most `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`NATS cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when the server at `url` answers a JetStream account request (it has a meta leader). */
async function jetStreamUp(url: string): Promise<boolean> {
  const nc = await connect({ servers: url.replace(/^nats:\/\//, '').split(','), reconnect: false, timeout: 1000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1000 });
    await jsm.getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}

/** True once an R3 stream can be placed (every peer known to the meta leader); the probe stream is removed. */
async function placeable(url: string): Promise<boolean> {
  const nc = await connect({ servers: url.replace(/^nats:\/\//, '').split(','), reconnect: false, timeout: 1000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 3000 });
    await jsm.streams.add({ name: 'sira_probe', subjects: ['sira.probe'], num_replicas: 3 });
    await jsm.streams.delete('sira_probe');
    return true;
  } finally {
    await nc.close();
  }
}

/** Start a 3-node JetStream cluster (a few seconds: until an R3 stream can be placed). */
export async function startNatsCluster(): Promise<NatsClusterHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'sira-nats-cluster-'));
  const ports = await freePorts(9);
  const nodes: NatsNode[] = [0, 1, 2].map((i) => ({ name: `n${i + 1}`, port: ports[i]!, clusterPort: ports[i + 3]!, httpPort: ports[i + 6]! }));
  const procs = new Map<string, ChildProcess>();
  const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.clusterPort}`).join(', ');
  for (const n of nodes) {
    const conf = [
      `server_name: ${n.name}`,
      `listen: 127.0.0.1:${n.port}`,
      `http: 127.0.0.1:${n.httpPort}`,
      `jetstream { store_dir: "${join(dir, n.name)}", max_memory_store: 64MB, max_file_store: 2GB }`,
      `cluster { name: sira-test, listen: 127.0.0.1:${n.clusterPort}, routes: [${routes}] }`,
      // Each node logs to its own file (elections, catch-ups, stalls): kept when SIRA_NATS_LOG_DIR is set.
      `log_file: "${join(dir, `${n.name}.log`)}"`,
      'logtime: true',
      ...(process.env.SIRA_NATS_DEBUG === '1' ? ['debug: true'] : []),
    ].join('\n');
    await writeFile(join(dir, `${n.name}.conf`), conf);
  }
  const start = (n: NatsNode): void => {
    const p = spawn(BINARY, ['-c', join(dir, `${n.name}.conf`)], { stdio: 'ignore' });
    p.on('error', () => undefined); // a missing binary shows as the wait below timing out, with its message
    procs.set(n.name, p);
  };
  const url = `nats://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  const node = (name: string): NatsNode => {
    const n = nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  };
  const stop = async (): Promise<void> => {
    for (const p of procs.values()) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    await Promise.all([...procs.values()].map((p) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)))));
    if (LOG_DIR !== undefined) {
      const to = join(LOG_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}-${nodes[0]!.port}`);
      await mkdir(to, { recursive: true });
      for (const n of nodes) await cp(join(dir, `${n.name}.log`), join(to, `${n.name}.log`)).catch(() => undefined); // a node that never started has no log
    }
    await rm(dir, { recursive: true, force: true });
  };
  const settle = (options: SettleOptions = {}) => settleNodes(nodes, options);
  for (const n of nodes) start(n);
  try {
    await until(`JetStream on ${url} (binary ${BINARY})`, 30_000, () => jetStreamUp(url));
    await until(`all 3 JetStream peers on ${url}`, 30_000, () => placeable(url));
    await settle();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    url,
    stop,
    kill: async (name) => {
      const p = procs.get(name);
      if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGCONT');
      p.kill('SIGKILL');
      await exited;
    },
    restart: async (name) => {
      const n = node(name);
      start(n);
      // The process itself: it answers its monitoring port within a second or two (a bound on starting, not on
      // Raft); the rest is the cluster settling, which has its own progress-based deadline.
      await until(`${name} started`, 15_000, async () => !(await healthOf(n)).startsWith('unreachable'));
      return settle();
    },
    settle,
    health: (name) => healthOf(node(name)),
    pause: (name) => void procs.get(name)?.kill('SIGSTOP'),
    resume: (name) => void procs.get(name)?.kill('SIGCONT'),
    leaderOf: async (stream) => {
      let leader = '';
      await until(`a leader of ${stream}`, 15_000, async () => {
        const nc = await connect({ servers: url.replace(/^nats:\/\//, '').split(','), reconnect: false, timeout: 1000 });
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2000 });
          leader = (await jsm.streams.info(stream)).cluster?.leader ?? '';
          return leader !== '';
        } finally {
          await nc.close();
        }
      });
      return leader;
    },
  };
}

/** A node's `/healthz` (see {@link NatsClusterHandle.health}). */
async function healthOf(n: NatsNode): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${n.httpPort}/healthz`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status?: string; error?: string };
    return body.status === 'ok' ? 'ok' : (body.error ?? body.status ?? `HTTP ${res.status}`);
  } catch (err) {
    return `unreachable: ${(err as Error).message}`;
  }
}

/** {@link NatsClusterHandle.settle} over `nodes`. */
async function settleNodes(nodes: NatsNode[], o: SettleOptions): Promise<SettleReport> {
  const stallMs = o.stallMs ?? 45_000;
  const maxMs = o.maxMs ?? 90_000;
  const start = performance.now();
  const states: string[] = [];
  let last = '';
  let changedAt = start;
  for (;;) {
    const each = await Promise.all(nodes.map(async (n) => `${n.name}: ${await healthOf(n)}`));
    const now = performance.now();
    const state = each.join('; ');
    if (state !== last) {
      last = state;
      changedAt = now;
      if (states.length < 20) states.push(state);
    }
    if (each.every((e) => e.endsWith(': ok'))) return { ms: Math.round(now - start), states };
    if (now - changedAt > stallMs || now - start > maxMs) {
      const why = now - changedAt > stallMs ? `no progress for ${stallMs} ms` : `not settled in ${maxMs} ms`;
      throw new Error(`NATS cluster: ${why}; last states: ${state}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Throws with a clear message unless a JetStream server answers at `url`. */
export async function requireStandaloneNats(url = STANDALONE_NATS_URL): Promise<void> {
  try {
    if (await jetStreamUp(url)) return;
  } catch (err) {
    throw new Error(`no NATS JetStream server at ${url} (CI starts one: .ci/run; set SIRA_TEST_NATS_URL): ${(err as Error).message}`, { cause: err });
  }
}
