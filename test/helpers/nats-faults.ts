/**
 * @module test/helpers/nats-faults
 * A fault under load on a real 3-node JetStream cluster, for test/storage/faults.nats.test.ts and
 * bench/nats.bench.ts. Append writers (each its own session, a unique text per turn) and CAS writers (shared
 * registers: read the state, write a new tag expecting the version read; reads and writes recorded with real
 * times for the linearizability checker) run through several store instances (each its own connection, to a
 * random node). The leader of a bucket's stream is SIGKILLed (then started again on its directory) or SIGSTOPped
 * for a while (a node that neither answers nor votes: what a partition looks like from the others, then healed).
 *
 * Lost = acknowledged (the call resolved) but afterwards missing: a turn not at its seq with its text, or a CAS
 * register whose final version is below one acknowledged.
 *
 * Every wait is bounded by what the cluster reports, not by a fixed sleep: the fault is injected only once all
 * three nodes report healthy (`cluster.settle()`: every Raft group has a leader and caught-up replicas, so a
 * fault never lands in the previous one's election or catch-up); the writers are then given until
 * `clientShareMs` after the last leader-elected advisory of the heads and data streams (nats-server's election
 * is its own: up to `electionMs` for it to be announced); after the heal the cluster must settle again.
 */
import { connect } from '@nats-io/transport-node';
import { isSiraError } from '../../src/core/errors.ts';
import type { NatsStore } from '../../src/storage/nats/nats-store.ts';
import { checkRegisters, HistoryRecorder } from './linearizability.ts';
import type { NatsClusterHandle } from './nats-cluster.ts';

/** What one fault run saw. */
export interface NatsFaultReport {
  fault: 'kill' | 'stop';
  /** Which bucket's stream leader was the victim. */
  target: 'heads' | 'data';
  victim: string;
  acknowledged: number;
  casAcknowledged: number;
  /** Calls that threw (not acknowledged), by error code. */
  failed: Record<string, number>;
  /** A few distinct messages of those errors. */
  failedSamples: string[];
  lost: number;
  casLost: number;
  /** Ms from the fault until the first write begun after it was acknowledged. */
  resumeFirstMs: number;
  /** Ms from the fault until every writer had one write begun after it answered (acknowledged, or a CAS refused). */
  resumeAllMs: number;
  /** Ms the cluster took to report healthy before the fault (`cluster.settle()`). */
  settleBeforeMs: number;
  /** Ms from the restart (kill) or the resume (stop) until every node reported healthy again. */
  healMs: number;
  /** resumeAllMs − electedMs: the client's own share of the outage (barrier, resends, reconnects). */
  resumeAfterElectedMs: number;
  /**
   * Ms from the fault until nats-server had announced a new leader (leader-elected advisory) of each of the heads
   * and data streams that held an election after it — the victim often leads both; a stop's victim may also win
   * again once resumed. Resume − elected is the client's own share.
   */
  electedMs: number;
  /** Every store read every session back after the heal. */
  readsAfterHeal: boolean;
  linearizable: boolean;
  historyOps: number;
}

export interface NatsFaultOptions {
  cluster: NatsClusterHandle;
  /** Store instances on the cluster, same bucket prefix (R3). */
  stores: NatsStore[];
  tenant: string;
  fault: 'kill' | 'stop';
  target: 'heads' | 'data';
  appendWriters?: number;
  casWriters?: number;
  /** CAS registers (sessions) the CAS writers share. @default 2 */
  registers?: number;
  /** Ms of load before the fault. @default 300 */
  beforeMs?: number;
  /** Ms a stopped node stays stopped (longer than an election). @default 6000 */
  stopMs?: number;
  /** Ms of load after the heal. @default 500 */
  afterMs?: number;
  /**
   * Ms the cluster may take to announce the new leaders (nats-server's election: a follower waits a random 4-9 s
   * before it campaigns; a split vote or a starved CPU makes a further round). @default 45000
   */
  electionMs?: number;
  /** Ms every writer has, after the last leader-elected advisory seen, to have a write answered. @default 15000 */
  clientShareMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const codeOf = (err: unknown): string => (isSiraError(err) ? err.code : ((err as Error | null)?.name ?? 'unknown'));

/** One phase of a run, printed as it happens: a run that hits its test's timeout shows where it stood. */
const phase = (run: string, what: string) => console.info(`nats fault ${run}: ${what}`);

/**
 * The write load: append writers (own sessions) and CAS writers (shared registers), from start() until stop();
 * what was acknowledged, what failed, and when each writer first had an answer to a call begun after the fault.
 */
class Load {
  readonly rec = new HistoryRecorder();
  readonly failed: Record<string, number> = {};
  readonly samples = new Set<string>();
  readonly acked: { sid: string; seq: number; text: string }[] = [];
  readonly casAcked = new Map<string, number>();
  /** Writer → ms from the fault to its first answered call begun after it. */
  readonly firstAfter = new Map<number, number>();
  faultAt = Number.POSITIVE_INFINITY;
  readonly regIds: string[];
  readonly appendIds: string[];
  readonly writers: number;
  #stopped = false;
  #running: Promise<void>[] = [];
  /** Writer → the call it is in and since when (printed while stop() waits long). */
  readonly #inFlight = new Map<number, { call: string; since: number }>();

  readonly o: NatsFaultOptions;
  readonly run: string;

  constructor(o: NatsFaultOptions, run: string) {
    this.o = o;
    this.run = run;
    this.regIds = Array.from({ length: o.registers ?? 2 }, (_, i) => `${run}-reg${i}`);
    this.appendIds = Array.from({ length: o.appendWriters ?? 4 }, (_, i) => `${run}-app${i}`);
    this.writers = this.appendIds.length + (o.casWriters ?? 4);
  }

  get allResumed(): boolean {
    return this.firstAfter.size >= this.writers;
  }

  async start(): Promise<void> {
    for (const id of [...this.regIds, ...this.appendIds]) await this.o.stores[0]!.createSession(this.o.tenant, { id });
    const casWriters = this.writers - this.appendIds.length;
    this.#running = [...this.appendIds.map((_, w) => this.#appender(w)), ...Array.from({ length: casWriters }, (_, w) => this.#casser(w))];
  }

  /** Stop the writers; resolves once every call in flight has answered (the store bounds each call). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const slow = setInterval(() => {
      const now = performance.now();
      const calls = [...this.#inFlight].map(([w, c]) => `writer ${w} in ${c.call} for ${Math.round(now - c.since)} ms`);
      phase(this.run, `stopping: still waiting on ${calls.join(', ')}`);
    }, 10_000);
    try {
      await Promise.all(this.#running);
    } finally {
      clearInterval(slow);
    }
  }

  /** Run one call of writer `w`, noted in #inFlight meanwhile. */
  async #call<T>(w: number, call: string, fn: () => Promise<T>): Promise<T> {
    this.#inFlight.set(w, { call, since: performance.now() });
    try {
      return await fn();
    } finally {
      this.#inFlight.delete(w);
    }
  }

  #store(i: number): NatsStore {
    return this.o.stores[i % this.o.stores.length]!;
  }

  #fail(err: unknown): void {
    this.failed[codeOf(err)] = (this.failed[codeOf(err)] ?? 0) + 1;
    if (this.samples.size < 5) this.samples.add(String((err as Error | null)?.message).slice(0, 160));
  }

  #resumed(w: number, start: number): void {
    if (start > this.faultAt && !this.firstAfter.has(w)) this.firstAfter.set(w, performance.now() - this.faultAt);
  }

  async #appender(w: number): Promise<void> {
    const sid = this.appendIds[w]!;
    for (let n = 0; !this.#stopped; n++) {
      const text = `${this.run} w${w} n${n}`;
      const start = performance.now();
      try {
        const [t] = await this.#call(w, 'appendTurns', () => this.#store(w).appendTurns(this.o.tenant, sid, [{ role: 'user', parts: [{ type: 'text', text }] }]));
        this.acked.push({ sid, seq: t!.seq, text });
        this.#resumed(w, start);
      } catch (err) {
        this.#fail(err);
        await sleep(20); // a failed call returns at once while there is no leader: do not spin
      }
    }
  }

  async #casser(w: number): Promise<void> {
    const reg = this.regIds[w % this.regIds.length]!;
    const s = this.#store(w + 1);
    const tenant = this.o.tenant;
    const writer = this.appendIds.length + w;
    for (let n = 0; !this.#stopped; n++) {
      const start = performance.now();
      try {
        const cur = await this.#call(writer, 'getState', () => this.readRegister(s, reg));
        const tag = `${this.run} c${w} n${n}`;
        const put = async () => (await s.putState(tenant, reg, { tag }, cur.version)).version;
        const v = await this.#call(writer, 'putState', () =>
          this.rec.write(reg, tag, cur.version, put, (err) => (isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT') ? (err.details?.current_version as number) : undefined)),
        );
        this.casAcked.set(reg, Math.max(this.casAcked.get(reg) ?? 0, v));
        this.#resumed(writer, start);
      } catch (err) {
        // A refusal is a definite answer: the store serves writes again (two writers on a register take turns
        // winning, and one on a slower connection can lose many rounds in a row).
        if (isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT')) this.#resumed(writer, start);
        else {
          this.#fail(err);
          await sleep(20);
        }
      }
    }
  }

  /** A recorded read of a register (the history the checker sees). */
  readRegister(s: NatsStore, reg: string): Promise<{ version: number; tag: string }> {
    return this.rec.read(reg, async () => {
      const st = await s.getState(this.o.tenant, reg);
      return { version: st!.version, tag: typeof st!.value.tag === 'string' ? st!.value.tag : '' };
    });
  }
}

/** What {@link injectFault} saw. */
interface FaultTimes {
  victim: string;
  settleBeforeMs: number;
  healMs: number;
  /** Stream → when its first leader-elected advisory after the fault came (performance.now()). */
  elected: Map<string, number>;
}

/**
 * Settle, pick the victim, watch the elections from the other nodes, inject the fault, wait for every writer to
 * have an answer (bounded by the elections the cluster announces), heal, settle again.
 */
async function injectFault(o: NatsFaultOptions, load: Load): Promise<FaultTimes> {
  const { cluster } = o;
  const prefix = o.stores[0]!.bucketPrefix;
  const electionMs = o.electionMs ?? 45_000;
  const clientShareMs = o.clientShareMs ?? 15_000;
  const elected = new Map<string, number>();
  let victim = '';
  let watcher: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    const settled = await cluster.settle();
    phase(load.run, `settled in ${settled.ms} ms`);
    await sleep(o.beforeMs ?? 300);
    victim = await cluster.leaderOf(`KV_${prefix}_${o.target}`);
    // The advisories are watched from the nodes that stay up (a connection to the victim would miss them while
    // it reconnects), and only from them (no cluster updates).
    const others = cluster.nodes.filter((n) => n.name !== victim).map((n) => `127.0.0.1:${n.port}`);
    watcher = await connect({ servers: others, ignoreClusterUpdates: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    for (const bucket of ['heads', 'data']) {
      const name = `KV_${prefix}_${bucket}`;
      watcher.subscribe(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${name}`, {
        callback: () => {
          if (performance.now() > load.faultAt && !elected.has(name)) elected.set(name, performance.now());
        },
      });
    }
    await watcher.flush();
    load.faultAt = performance.now();
    if (o.fault === 'kill') await cluster.kill(victim);
    else cluster.pause(victim);
    phase(load.run, `${o.fault === 'kill' ? 'killed' : 'stopped'} ${victim}, leader of ${o.target}`);
    // Until the cluster announces the elections, its own bound; after the last one, the writers' bound.
    const deadline = () => (elected.size === 0 ? load.faultAt + electionMs : Math.max(...elected.values())) + clientShareMs;
    while (!load.allResumed && performance.now() < deadline()) {
      await sleep(50);
      if (o.fault === 'stop' && performance.now() - load.faultAt > (o.stopMs ?? 6000)) cluster.resume(victim);
    }
    phase(load.run, `${load.firstAfter.size} of ${load.writers} writers answered; ${elected.size} elections announced`);
    cluster.resume(victim);
    const healAt = performance.now();
    const healed = o.fault === 'kill' ? await cluster.restart(victim) : await cluster.settle();
    phase(load.run, `healed in ${healed.ms} ms`);
    await sleep(o.afterMs ?? 500);
    return { victim, settleBeforeMs: settled.ms, healMs: Math.round(performance.now() - healAt), elected };
  } finally {
    if (victim !== '') cluster.resume(victim);
    await load.stop();
    await watcher?.close();
  }
}

/** After the heal: acknowledged appends and CAS writes still there (read through every store), and the histories. */
async function checkAfterHeal(o: NatsFaultOptions, load: Load) {
  const { stores, tenant } = o;
  let readsAfterHeal = true;
  for (const s of stores) {
    for (const sid of load.appendIds) {
      try {
        if ((await s.getTurns(tenant, sid)) === undefined) readsAfterHeal = false;
      } catch {
        readsAfterHeal = false;
      }
    }
  }
  const bySession = new Map<string, Map<number, string>>();
  for (const sid of load.appendIds) {
    const turns = (await stores[0]!.getTurns(tenant, sid)) ?? [];
    bySession.set(sid, new Map(turns.map((t) => [t.seq, t.parts[0]?.type === 'text' ? t.parts[0].text : ''])));
  }
  const lost = load.acked.filter((a) => bySession.get(a.sid)?.get(a.seq) !== a.text).length;
  let casLost = 0;
  for (const reg of load.regIds) {
    // Final reads go into the history too: a lost acknowledged write shows there as well.
    for (const s of stores) if ((await load.readRegister(s, reg)).version < (load.casAcked.get(reg) ?? 0)) casLost++;
  }
  return { lost, casLost, readsAfterHeal, lin: checkRegisters(load.rec.histories) };
}

/** Run one fault; the caller checks the report. */
export async function runNatsFault(o: NatsFaultOptions): Promise<NatsFaultReport> {
  const load = new Load(o, `${o.fault}-${o.target}-${Date.now().toString(36)}`);
  await load.start();
  const t = await injectFault(o, load);
  const c = await checkAfterHeal(o, load);
  const resumeAllMs = load.allResumed ? Math.round(Math.max(...load.firstAfter.values())) : Number.POSITIVE_INFINITY;
  const electedMs = t.elected.size === 0 ? Number.POSITIVE_INFINITY : Math.round(Math.max(...t.elected.values()) - load.faultAt);
  return {
    fault: o.fault,
    target: o.target,
    victim: t.victim,
    acknowledged: load.acked.length,
    casAcknowledged: [...load.casAcked.values()].reduce((a, b) => a + b, 0),
    failed: load.failed,
    failedSamples: [...load.samples],
    lost: c.lost,
    casLost: c.casLost,
    resumeFirstMs: Math.round(Math.min(...load.firstAfter.values())),
    resumeAllMs,
    electedMs,
    resumeAfterElectedMs: resumeAllMs - electedMs,
    settleBeforeMs: t.settleBeforeMs,
    healMs: t.healMs,
    readsAfterHeal: c.readsAfterHeal,
    linearizable: c.lin.ok,
    historyOps: c.lin.ops,
  };
}
