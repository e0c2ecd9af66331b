/**
 * @module test/helpers/failover
 * A master crash under write load, for the failover test and bench/failover.bench.ts. Concurrent writers append
 * turns (each with a unique text) to sessions spread over every shard of a real 3+3 cluster; the master owning the
 * first session's slot is SIGKILLed (optionally while its replica is stalled); once its replica has taken over, the killed node is started again (it rejoins
 * as a replica of its successor, which durability `replicated` needs before that shard acknowledges writes
 * again); the writers go on a while longer, stop, and every acknowledged append is looked for in the store.
 *
 * Lost = acknowledged (the call resolved with a seq) but the turn at that seq is missing or holds another text.
 * Every wait is bounded: a cluster that never recovers fails the run instead of hanging it.
 */
import { Redis } from 'ioredis';
import type { RedisStore } from '../../src/storage/redis/redis-store.ts';
import type { RedisClusterHandle } from './redis-cluster.ts';

/** What one run saw. */
export interface FailoverReport {
  durability: 'local' | 'replicated';
  /** Ms the victim's replica was stalled before the kill. */
  stallReplicaMs: number;
  sessions: number;
  writers: number;
  /** Appends that resolved (acknowledged). */
  acknowledged: number;
  /** Appends that threw, by error code (or driver message). */
  failed: Record<string, number>;
  /** Acknowledged appends missing from the store afterwards (must be 0 under `replicated`). */
  lost: number;
  /** Turns in the store that no writer saw acknowledged (applied, but the call failed: a retry would duplicate). */
  unacknowledgedApplied: number;
  /** Acknowledged appends on the killed master's shard. */
  acknowledgedOnVictim: number;
  /** Ms from the kill until the replica reported role master. */
  promotedAfterMs: number;
  /** Ms from the kill until the first acknowledged append on the victim shard. */
  victimWritableAfterMs: number;
  /** Ms from the kill until the restarted node was a replica in sync. */
  replicaBackAfterMs: number;
  /** Whether, at the end, an append to every session succeeded. */
  servingAtEnd: boolean;
}

export interface FailoverOptions {
  cluster: RedisClusterHandle;
  /** A store on the cluster (durability as configured); the tail cache should be off so reads come from Redis. */
  store: RedisStore;
  tenant: string;
  sessions?: number;
  writers?: number;
  /** Ms of load before the kill. @default 500 */
  beforeMs?: number;
  /** Ms of load after the replica is back. @default 500 */
  afterMs?: number;
  /**
   * Stall the victim's replica (SIGSTOP) and cut its replication link this many ms before the kill, resuming it
   * just after: the writes the master acknowledges meanwhile never reach the replica (a lagging replica, as after
   * a network hiccup). @default 0
   */
  stallReplicaMs?: number;
  /** Bound on each wait (failover, rejoin). @default 30000 */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withNode<T>(port: number, f: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  try {
    await r.connect();
    return await f(r);
  } finally {
    r.disconnect();
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`failover: timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The master owning `key`'s slot and its replica, from CLUSTER NODES of a live node. */
export async function shardOf(cluster: RedisClusterHandle, key: string): Promise<{ master: number; replica: number; slot: number }> {
  const port = cluster.nodes[0]!.port;
  return withNode(port, async (r) => {
    const slot = Number(await r.call('CLUSTER', 'KEYSLOT', key));
    // <id> <host:port@bus> <flags> <master id|-> <ping> <pong> <epoch> <link> <slot ranges…>
    const lines = String(await r.call('CLUSTER', 'NODES')).trim().split('\n').map((l) => l.split(' '));
    const owns = (ranges: string[]) =>
      ranges.some((x) => {
        const [lo, hi = lo] = x.split('-').map(Number);
        return slot >= lo! && slot <= hi!;
      });
    const m = lines.find((l) => l[2]!.includes('master') && owns(l.slice(8)));
    if (m === undefined) throw new Error(`no master owns slot ${slot}`);
    const rep = lines.find((l) => l[3] === m[0]);
    if (rep === undefined) throw new Error(`the master of slot ${slot} has no replica`);
    const portOf = (l: string[]) => Number(/:(\d+)@/.exec(l[1]!)![1]);
    return { master: portOf(m), replica: portOf(rep), slot };
  });
}

/**
 * SIGKILL the master owning `key`'s slot, wait until its replica is master, start the killed node again and wait
 * until it is that master's replica in sync (bounded waits). For the consistency harness's `chaos` hook.
 */
export async function crashMaster(cluster: RedisClusterHandle, key: string, timeoutMs = 30_000): Promise<{ promotedAfterMs: number; replicaBackAfterMs: number }> {
  const victim = await shardOf(cluster, key);
  const t0 = performance.now();
  await cluster.kill(victim.master);
  await until('the replica to take over', timeoutMs, () => withNode(victim.replica, async (r) => String((await r.call('ROLE')) as unknown[]).startsWith('master')));
  const promoted = performance.now();
  await cluster.restart(victim.master);
  await until('the old master to rejoin as a replica in sync', timeoutMs, () => withNode(victim.master, async (r) => /master_link_status:up/.test(await r.info('replication'))));
  return { promotedAfterMs: Math.round(promoted - t0), replicaBackAfterMs: Math.round(performance.now() - t0) };
}

const codeOf = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && e.code.startsWith('SIRA_ERR_')) return e.code;
  return String(e.message ?? err).replace(/^redis: /, '').slice(0, 40);
};

/** Run the crash scenario described in the module note. */
export async function runFailover(o: FailoverOptions): Promise<FailoverReport> {
  const { cluster, store, tenant } = o;
  const nSessions = o.sessions ?? 24;
  const nWriters = o.writers ?? 16;
  const timeout = o.timeoutMs ?? 30_000;
  const ids = Array.from({ length: nSessions }, (_, i) => `fo${i}`);
  for (const id of ids) await store.createSession(tenant, { id });
  const victim = await shardOf(cluster, store.keys.session(tenant, ids[0]!).session);
  const onVictim = new Set<string>();
  for (const id of ids) if ((await shardOf(cluster, store.keys.session(tenant, id).session)).master === victim.master) onVictim.add(id);

  // A list, not a map by seq: after a failover that lost writes, a later append can be given a lost one's seq.
  const acked = new Map<string, [number, string][]>(ids.map((id) => [id, []]));
  const failed: Record<string, number> = {};
  let acknowledged = 0;
  let acknowledgedOnVictim = 0;
  // Times (performance.now()) of the scenario's steps.
  const at = { killed: Number.NaN, killDone: Number.POSITIVE_INFINITY, promoted: Number.NaN, replicaBack: Number.NaN };
  let victimWritableAt = Number.NaN;
  let stop = false;

  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const id = ids[(w + i * nWriters) % nSessions]!;
      const text = `w${w}-${i}`;
      const started = performance.now();
      try {
        const [t] = await store.appendTurns(tenant, id, [{ role: 'user', parts: [{ type: 'text', text }] }]);
        acked.get(id)!.push([t!.seq, text]);
        acknowledged++;
        if (onVictim.has(id)) {
          acknowledgedOnVictim++;
          if (started > at.killDone && Number.isNaN(victimWritableAt)) victimWritableAt = performance.now();
        }
      } catch (err) {
        const c = codeOf(err);
        failed[c] = (failed[c] ?? 0) + 1;
        await sleep(20);
      }
    }
  };
  const running = Array.from({ length: nWriters }, (_, w) => writer(w));
  const stall = o.stallReplicaMs ?? 0;
  try {
    await sleep(o.beforeMs ?? 500);
    if (stall > 0) {
      // A stalled replica alone loses nothing on loopback: the kernel keeps what the master sent until it wakes.
      // Cutting the link as well leaves the master acknowledging writes that reach no replica.
      cluster.pause(victim.replica);
      await withNode(victim.master, (r) => r.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      await sleep(stall);
    }
    at.killed = performance.now();
    await cluster.kill(victim.master);
    at.killDone = performance.now();
    if (stall > 0) cluster.resume(victim.replica);
    await until('the replica to take over', timeout, () => withNode(victim.replica, async (r) => String((await r.call('ROLE')) as unknown[]).startsWith('master')));
    at.promoted = performance.now();
    await cluster.restart(victim.master);
    await until('the old master to rejoin as a replica in sync', timeout, () =>
      withNode(victim.master, async (r) => /master_link_status:up/.test(await r.info('replication'))),
    );
    at.replicaBack = performance.now();
    await until('an acknowledged write on the failed-over shard', timeout, async () => !Number.isNaN(victimWritableAt));
    await sleep(o.afterMs ?? 500);
  } finally {
    if (stall > 0) cluster.resume(victim.replica); // harmless when already resumed
    stop = true;
    await Promise.all(running);
  }

  let servingAtEnd = true;
  for (const id of ids) {
    try {
      await store.appendTurns(tenant, id, [{ role: 'user', parts: [{ type: 'text', text: 'final' }] }]);
    } catch {
      servingAtEnd = false;
    }
  }
  let lost = 0;
  let unacknowledgedApplied = 0;
  for (const id of ids) {
    const turns = (await store.getTurns(tenant, id, { after_seq: 0, limit: 1_000_000 })) ?? [];
    const bySeq = new Map(turns.map((t) => [t.seq, t.parts[0]?.type === 'text' ? t.parts[0].text : '']));
    const mine = acked.get(id)!;
    for (const [seq, text] of mine) if (bySeq.get(seq) !== text) lost++;
    const ackedTexts = new Set(mine.map(([, text]) => text));
    for (const text of bySeq.values()) if (text !== 'final' && !ackedTexts.has(text)) unacknowledgedApplied++;
  }
  return {
    durability: store.durability,
    stallReplicaMs: o.stallReplicaMs ?? 0,
    sessions: nSessions,
    writers: nWriters,
    acknowledged,
    failed,
    lost,
    unacknowledgedApplied,
    acknowledgedOnVictim,
    promotedAfterMs: Math.round(at.promoted - at.killed),
    victimWritableAfterMs: Math.round(victimWritableAt - at.killed),
    replicaBackAfterMs: Math.round(at.replicaBack - at.killed),
    servingAtEnd,
  };
}
