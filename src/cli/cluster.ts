/**
 * @module cli/cluster
 * The primary of `sira-session serve --workers N` (node:cluster). It opens no store and serves nothing itself:
 *  - forks N workers (cli/cluster-worker.ts), slot 1 first and the others once it listens, so one process creates
 *    a new data directory; they share the port (the primary hands connections round-robin) and the one LMDB
 *    environment (one writer at a time, readers lock-free, across processes);
 *  - relays event wake-ups: a `wake` message from one worker goes to every other one;
 *  - restarts a worker that dies, in the same slot, after a backoff that doubles with each death in a row
 *    (100 ms up to 10 s; a worker that reached `ready` resets it);
 *  - on SIGTERM or SIGINT forwards SIGTERM to every worker, waits until all have exited and resolves; a second
 *    signal SIGKILLs them and resolves with 1.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { isClusterMessage, type ClusterMessage } from './cluster-messages.ts';

/**
 * The worker count `--workers` / SIRA_WORKERS names: an integer 1..256, or `auto` (the number of cores).
 * Undefined (neither given) is 1. Returns undefined for anything else (the caller's usage error).
 */
export function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return availableParallelism();
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 256 ? n : undefined;
}

/** Timing of worker restarts (injectable for tests). */
export interface ClusterOptions {
  /** Number of workers (≥ 2; one worker is plain `serve`). */
  workers: number;
  /** First restart delay, ms; doubled for each death in a row. @default 100 */
  restartBaseMs?: number;
  /** Longest restart delay, ms. @default 10000 */
  restartMaxMs?: number;
}

interface Slot {
  readonly slot: number;
  worker: Worker | undefined;
  /** The current worker reported `ready`. */
  ready: boolean;
  /** Deaths since the last `ready`. */
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/** Run as the primary until every worker has exited after a signal; resolves with the exit code. */
// Over 80 lines on purpose: one closure holds the primary's state (slots, restarts, backoff, draining) that its
// cluster event handlers share; split, that state would have to travel through every handler.
export function runCluster(opts: ClusterOptions, logger: Logger): Promise<number> {
  const base = opts.restartBaseMs ?? 100;
  const max = opts.restartMaxMs ?? 10_000;
  const slots: Slot[] = Array.from({ length: opts.workers }, (_, i) => ({ slot: i + 1, worker: undefined, ready: false, failures: 0, timer: undefined }));
  let stopping = false;
  let exitCode = 0;
  let announced = false;
  let everReady = false;

  return new Promise<number>((resolve) => {
    const live = () => slots.filter((s) => s.worker !== undefined);
    const finishIfDone = () => {
      if (stopping && live().length === 0) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        logger.info('all workers stopped');
        resolve(exitCode);
      }
    };
    const relay = (from: Slot, m: ClusterMessage) => {
      for (const s of slots) if (s !== from && s.worker?.isConnected() === true) s.worker.send(m, undefined, () => {}); // a worker going away: its poll covers
    };
    const fork = (s: Slot) => {
      s.timer = undefined;
      const w = cluster.fork({ SIRA_WORKER_SLOT: String(s.slot) });
      s.worker = w;
      s.ready = false;
      w.on('message', (m: unknown) => {
        if (!isClusterMessage(m)) return;
        if (m.sira === 'wake') relay(s, m);
        else onReady(s, m.url);
      });
      w.on('exit', (code, signal) => {
        if (s.worker === w) {
          s.worker = undefined;
          s.ready = false;
        }
        if (stopping) {
          if (code !== 0 && exitCode === 0) exitCode = 1;
          finishIfDone();
          return;
        }
        if (!everReady) {
          // It could not start (a port in use, a store that does not open): retrying would not help.
          logger.error({ worker: s.slot, code, signal }, 'worker exited before the service was ready: stopping');
          exitCode = code === 0 || code === null ? 1 : code;
          onSignal('SIGTERM');
          return;
        }
        const delay = Math.min(max, base * 2 ** s.failures);
        s.failures++;
        logger.warn({ worker: s.slot, code, signal, restartInMs: delay }, 'worker died: restarting it');
        s.timer = setTimeout(() => fork(s), delay);
      });
    };
    const onReady = (s: Slot, url: string) => {
      s.failures = 0;
      s.ready = true;
      everReady = true;
      if (!announced && s.slot === 1) for (const other of slots) if (other.slot !== 1 && other.worker === undefined && other.timer === undefined) fork(other);
      if (!announced && slots.every((x) => x.ready)) {
        announced = true;
        logger.info({ url, workers: opts.workers }, 'sira-session workers ready');
      }
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: killing the workers');
        for (const s of live()) s.worker!.process.kill('SIGKILL');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'signal received: stopping the workers');
      for (const s of slots) {
        if (s.timer !== undefined) clearTimeout(s.timer);
        s.worker?.process.kill('SIGTERM');
      }
      finishIfDone();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    fork(slots[0]!);
  });
}
