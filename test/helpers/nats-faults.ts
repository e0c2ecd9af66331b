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
 * register whose final version is below one acknowledged. Every wait is bounded.
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
  /** Bound on each wait. @default 40000 */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const codeOf = (err: unknown): string => (isSiraError(err) ? err.code : ((err as Error | null)?.name ?? 'unknown'));

/** Run one fault; the caller checks the report. */
export async function runNatsFault(o: NatsFaultOptions): Promise<NatsFaultReport> {
  const { cluster, stores, tenant } = o;
  const appendWriters = o.appendWriters ?? 4;
  const casWriters = o.casWriters ?? 4;
  const registers = o.registers ?? 2;
  const timeoutMs = o.timeoutMs ?? 40_000;
  const run = `${o.fault}-${o.target}-${Date.now().toString(36)}`;
  const rec = new HistoryRecorder();
  const failed: Record<string, number> = {};
  const samples = new Set<string>();
  const fail = (err: unknown) => {
    failed[codeOf(err)] = (failed[codeOf(err)] ?? 0) + 1;
    if (samples.size < 5) samples.add(String((err as Error | null)?.message).slice(0, 160));
  };
  const acked: { sid: string; seq: number; text: string }[] = [];
  const casAcked = new Map<string, number>();
  let faultAt = Number.POSITIVE_INFINITY;
  const firstAfter = new Map<number, number>();
  let stop = false;
  const store = (i: number) => stores[i % stores.length]!;

  const regIds = Array.from({ length: registers }, (_, i) => `${run}-reg${i}`);
  const appendIds = Array.from({ length: appendWriters }, (_, i) => `${run}-app${i}`);
  for (const id of [...regIds, ...appendIds]) await stores[0]!.createSession(tenant, { id });

  const resumed = (w: number, start: number) => {
    if (start > faultAt && !firstAfter.has(w)) firstAfter.set(w, performance.now() - faultAt);
  };
  const appender = async (w: number) => {
    for (let n = 0; !stop; n++) {
      const text = `${run} w${w} n${n}`;
      const start = performance.now();
      try {
        const [t] = await store(w).appendTurns(tenant, appendIds[w]!, [{ role: 'user', parts: [{ type: 'text', text }] }]);
        acked.push({ sid: appendIds[w]!, seq: t!.seq, text });
        resumed(w, start);
      } catch (err) {
        fail(err);
        await sleep(20); // a failed call returns at once while there is no leader: do not spin
      }
    }
  };
  const casser = async (w: number) => {
    const reg = regIds[w % registers]!;
    const s = store(w + 1);
    for (let n = 0; !stop; n++) {
      const start = performance.now();
      try {
        const cur = await rec.read(reg, async () => {
          const st = await s.getState(tenant, reg);
          return { version: st!.version, tag: typeof st!.value.tag === 'string' ? st!.value.tag : '' };
        });
        const tag = `${run} c${w} n${n}`;
        const v = await rec.write(reg, tag, cur.version, async () => (await s.putState(tenant, reg, { tag }, cur.version)).version, (err) =>
          isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT') ? (err.details?.current_version as number) : undefined,
        );
        casAcked.set(reg, Math.max(casAcked.get(reg) ?? 0, v));
        resumed(appendWriters + w, start);
      } catch (err) {
        // A refusal is a definite answer: the store serves writes again (two writers on a register take turns
        // winning, and one on a slower connection can lose many rounds in a row).
        if (isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT')) resumed(appendWriters + w, start);
        else {
          fail(err);
          await sleep(20);
        }
      }
    }
  };
  const writers = [...Array.from({ length: appendWriters }, (_, w) => appender(w)), ...Array.from({ length: casWriters }, (_, w) => casser(w))];

  let victim = '';
  const elected = new Map<string, number>(); // stream → first election after the fault
  const stream = `KV_${stores[0]!.bucketPrefix}_${o.target}`;
  const watcher = await connect({ servers: cluster.url.replace('nats://', '').split(','), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  for (const bucket of ['heads', 'data']) {
    const name = `KV_${stores[0]!.bucketPrefix}_${bucket}`;
    watcher.subscribe(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${name}`, {
      callback: () => {
        if (performance.now() > faultAt && !elected.has(name)) elected.set(name, performance.now());
      },
    });
  }
  await watcher.flush();
  try {
    await sleep(o.beforeMs ?? 300);
    victim = await cluster.leaderOf(stream);
    faultAt = performance.now();
    if (o.fault === 'kill') await cluster.kill(victim);
    else cluster.pause(victim);
    const deadline = Date.now() + timeoutMs;
    while (firstAfter.size < appendWriters + casWriters && Date.now() < deadline) {
      await sleep(50);
      if (o.fault === 'stop' && performance.now() - faultAt > (o.stopMs ?? 6000)) cluster.resume(victim);
    }
    cluster.resume(victim);
    if (o.fault === 'kill') await cluster.restart(victim);
    await sleep(o.afterMs ?? 500);
  } finally {
    cluster.resume(victim);
    stop = true;
    await Promise.all(writers);
    await watcher.close();
  }

  // After the heal: every acknowledged append at its seq with its text, read through every store.
  let lost = 0;
  let readsAfterHeal = true;
  for (const s of stores) {
    for (const sid of appendIds) {
      try {
        const turns = await s.getTurns(tenant, sid);
        if (turns === undefined) readsAfterHeal = false;
      } catch {
        readsAfterHeal = false;
      }
    }
  }
  const bySession = new Map<string, Map<number, string>>();
  for (const sid of appendIds) {
    const turns = (await stores[0]!.getTurns(tenant, sid)) ?? [];
    bySession.set(sid, new Map(turns.map((t) => [t.seq, t.parts[0]?.type === 'text' ? t.parts[0].text : ''])));
  }
  for (const a of acked) if (bySession.get(a.sid)?.get(a.seq) !== a.text) lost++;
  let casLost = 0;
  for (const reg of regIds) {
    // Final reads go into the history too: a lost acknowledged write shows there as well.
    for (const s of stores) {
      const st = await rec.read(reg, async () => {
        const x = await s.getState(tenant, reg);
        return { version: x!.version, tag: typeof x!.value.tag === 'string' ? x!.value.tag : '' };
      });
      if (st.version < (casAcked.get(reg) ?? 0)) casLost++;
    }
  }
  const lin = checkRegisters(rec.histories);
  return {
    fault: o.fault,
    target: o.target,
    victim,
    acknowledged: acked.length,
    casAcknowledged: [...casAcked.values()].reduce((a, b) => a + b, 0),
    failed,
    failedSamples: [...samples],
    lost,
    casLost,
    resumeFirstMs: Math.round(Math.min(...firstAfter.values())),
    resumeAllMs: firstAfter.size < appendWriters + casWriters ? Number.POSITIVE_INFINITY : Math.round(Math.max(...firstAfter.values())),
    electedMs: elected.size === 0 ? Number.POSITIVE_INFINITY : Math.round(Math.max(...elected.values()) - faultAt),
    readsAfterHeal,
    linearizable: lin.ok,
    historyOps: lin.ops,
  };
}
