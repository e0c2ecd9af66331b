/**
 * @module test/helpers/redis-cluster
 * A real Redis Cluster for tests: 3 masters + 3 replicas started from the local `redis-server` binary on free
 * loopback ports in a temporary directory, formed with `redis-cli --cluster create`, and awaited until every node
 * reports `cluster_state:ok` with all 16384 slots assigned. One cluster per test file (they take about a second).
 * Also {@link requireStandaloneRedis}: the standalone server CI starts on 6379 (a failing check fails the test).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, type Redis } from 'ioredis';

const run = promisify(execFile);

/** A running cluster. */
export interface RedisClusterHandle {
  /** The nodes (masters and replicas). */
  nodes: { host: string; port: number }[];
  /** Kill every node and remove the directory. */
  stop(): Promise<void>;
  /** SIGKILL the node on `port` (a crash: no shutdown, no last sync to its replica); resolves once it exited. */
  kill(port: number): Promise<void>;
  /**
   * Start a killed node again with its cluster config (same node id, no data: nodes keep none on disk). A master
   * that was failed over meanwhile rejoins as a replica of its successor. Resolves once it answers PING.
   */
  restart(port: number): Promise<void>;
  /** SIGSTOP / SIGCONT the node on `port`: a stalled node (it neither answers nor replicates until resumed). */
  pause(port: number): void;
  resume(port: number): void;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** `n` ports P that are free along with their cluster bus port P + 10000. */
async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < 1000; tries++) {
    const p = 20_000 + Math.floor(Math.random() * 30_000);
    if (out.includes(p) || out.includes(p + 10_000) || out.includes(p - 10_000)) continue;
    if ((await portFree(p)) && (await portFree(p + 10_000))) out.push(p);
  }
  if (out.length < n) throw new Error('no free ports for a Redis Cluster');
  return out;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Start a 3-master, 3-replica cluster; bounded waits so a broken setup fails instead of hanging. With
 * `awaitReplicas` (failover tests) it also waits until every replica is in sync and known to every node (a few
 * seconds of gossip more).
 */
export async function startRedisCluster(opts: { awaitReplicas?: boolean; nodeTimeoutMs?: number } = {}): Promise<RedisClusterHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'sira-redis-cluster-'));
  const ports = await freePorts(6);
  const procs: ChildProcess[] = [];
  const killAll = () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(
      procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await gone;
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  const spawnNode = (port: number) =>
    spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 5000),
        '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', `redis-${port}.log`, '--repl-diskless-sync-delay', '0',
      ],
      { stdio: 'ignore' },
    );
  try {
    for (const port of ports) procs.push(spawnNode(port));
    await Promise.all(ports.map((port) => until(`node ${port} to start`, 10_000, async () => (await cli(port, 'ping')).trim() === 'PONG')));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 20_000,
    });
    await until('cluster_state:ok on every node', 20_000, async () => {
      for (const port of ports) {
        const info = await cli(port, 'cluster', 'info');
        if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
      }
      return true;
    });
    // Replicas attached and in sync, and known to every node, so failover tests have somewhere to fail over to.
    if (opts.awaitReplicas === true) await until('every replica in sync with its master', 20_000, async () => {
      for (const port of ports) {
        const info = await cli(port, 'info', 'replication');
        if (/role:master/.test(info) ? !/connected_slaves:1/.test(info) : !/master_link_status:up/.test(info)) return false;
        if ((await cli(port, 'cluster', 'nodes')).split('\n').filter((l) => /[ ,](slave|replica)[ ,]/.test(l)).length !== 3) return false;
      }
      return true;
    });
    const kill = async (port: number) => {
      const p = procs[ports.indexOf(port)];
      if (p === undefined) throw new Error(`no node on port ${port}`);
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    };
    const restart = async (port: number) => {
      const i = ports.indexOf(port);
      const p = procs[i];
      if (p === undefined) throw new Error(`no node on port ${port}`);
      if (p.exitCode === null && p.signalCode === null) throw new Error(`node ${port} is running`);
      procs[i] = spawnNode(port);
      await until(`node ${port} to restart`, 10_000, async () => (await cli(port, 'ping')).trim() === 'PONG');
    };
    const signal = (port: number, sig: 'SIGSTOP' | 'SIGCONT') => {
      const p = procs[ports.indexOf(port)];
      if (p === undefined) throw new Error(`no node on port ${port}`);
      p.kill(sig);
    };
    return {
      nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
      stop,
      kill,
      restart,
      pause: (port) => signal(port, 'SIGSTOP'),
      resume: (port) => signal(port, 'SIGCONT'),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Throws a clear error unless the standalone Redis at `url` answers PING (tests must fail, not skip, without it). */
export async function requireStandaloneRedis(host = '127.0.0.1', port = 6379): Promise<void> {
  let reply: string;
  try {
    reply = (await run('redis-cli', ['-h', host, '-p', String(port), 'ping'], { timeout: 5000 })).stdout.trim();
  } catch (err) {
    reply = (err as Error).message;
  }
  if (reply !== 'PONG') {
    throw new Error(`Redis is not reachable at ${host}:${port} (redis-cli ping: ${reply}). Start it: redis-server --port ${port} --save '' --daemonize yes`);
  }
}

/** Delete every key under `prefix` on every master `client` reaches (test cleanup; SCAN, never KEYS). */
export async function deleteKeysWithPrefix(client: Redis | Cluster, prefix: string): Promise<number> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  let n = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      // One UNLINK per key: keys of different slots cannot share a command on a Cluster node.
      n += (await Promise.all(keys.map((k) => node.unlink(k)))).reduce((a, b) => a + b, 0);
    } while (cursor !== '0');
  }
  return n;
}
