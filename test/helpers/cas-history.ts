/**
 * @module test/helpers/cas-history
 * Concurrent CAS writers and readers on a few state registers through several store instances (each its own
 * connection), every call recorded with real times, and the histories checked for linearizability
 * (./linearizability.ts). Used on Redis and on JetStream (test/storage/linearizable.*.test.ts, bench/nats.bench.ts).
 */
import { isSiraError } from '../../src/core/errors.ts';
import type { Store } from '../../src/storage/store.ts';
import { checkRegisters, HistoryRecorder } from './linearizability.ts';

export interface CasHistoryOptions {
  stores: Store[];
  tenant: string;
  /** Session id prefix (unique per run). */
  prefix: string;
  registers?: number;
  writers?: number;
  /** Read-then-CAS rounds per writer. */
  rounds?: number;
  /** Readers per register, each reading until the writers stop. @default 1 */
  readers?: number;
  /** Called once the writers are under way (a fault to inject); awaited before the final reads. */
  during?: () => Promise<void>;
}

export interface CasHistoryReport {
  registers: number;
  ops: number;
  writesOk: number;
  writesRefused: number;
  writesUnknown: number;
  reads: number;
  linearizable: boolean;
  /** Search states the checker explored. */
  explored: number;
  /** Registers refuted (not linearizable). */
  failedRegisters: string[];
  /** Registers the checker gave up on (neither proven nor refuted). */
  exhaustedRegisters: string[];
}

const tagOf = (v: Record<string, unknown>): string => (typeof v.tag === 'string' ? v.tag : '');

/** Run the workload and check it. */
export async function runCasHistory(o: CasHistoryOptions): Promise<CasHistoryReport> {
  const registers = Array.from({ length: o.registers ?? 3 }, (_, i) => `${o.prefix}r${i}`);
  for (const id of registers) await o.stores[0]!.createSession(o.tenant, { id });
  const rec = new HistoryRecorder();
  const counts = { ok: 0, refused: 0, unknown: 0, reads: 0 };
  const read = (store: Store, reg: string) =>
    rec.read(reg, async () => {
      const s = await store.getState(o.tenant, reg);
      counts.reads++;
      return { version: s!.version, tag: tagOf(s!.value) };
    });
  let writing = true;
  const writer = async (w: number) => {
    const store = o.stores[w % o.stores.length]!;
    for (let n = 0; n < (o.rounds ?? 20); n++) {
      const reg = registers[(w + n) % registers.length]!;
      try {
        const cur = await read(store, reg);
        const tag = `${o.prefix}w${w}n${n}`;
        await rec.write(reg, tag, cur.version, async () => (await store.putState(o.tenant, reg, { tag }, cur.version)).version, (err) =>
          isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT') ? (err.details?.current_version as number) : undefined,
        );
        counts.ok++;
      } catch (err) {
        if (isSiraError(err, 'SIRA_ERR_STATE_VERSION_CONFLICT')) counts.refused++;
        else counts.unknown++;
      }
    }
  };
  const reader = async (i: number) => {
    const store = o.stores[(i + 1) % o.stores.length]!;
    while (writing) {
      try {
        await read(store, registers[i % registers.length]!);
      } catch {
        // a failed read has no effect on the register: nothing to record
      }
    }
  };
  const readers = Array.from({ length: (o.readers ?? 1) * registers.length }, (_, i) => reader(i));
  const writers = Array.from({ length: o.writers ?? 6 }, (_, w) => writer(w));
  const fault = o.during?.();
  await Promise.all(writers);
  await fault;
  writing = false;
  await Promise.all(readers);
  for (const reg of registers) for (const s of o.stores) await read(s, reg);
  const lin = checkRegisters(rec.histories);
  return {
    registers: registers.length,
    ops: lin.ops,
    writesOk: counts.ok,
    writesRefused: counts.refused,
    writesUnknown: counts.unknown,
    reads: counts.reads,
    linearizable: lin.ok,
    explored: lin.explored,
    failedRegisters: lin.failed,
    exhaustedRegisters: lin.exhausted,
  };
}
