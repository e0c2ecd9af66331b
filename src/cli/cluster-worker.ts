/**
 * @module cli/cluster-worker
 * One worker process of `sira-session serve --workers N` (the primary is cli/cluster.ts). A worker is the whole
 * service on the shared port and the shared store, with three differences:
 *  - on the embedded store, its event hub takes wake-ups from the other workers over the cluster's IPC channel
 *    ({@link ClusterWakeups}) and publishes its own writes there (on Redis or NATS each worker is simply another
 *    instance, woken by the store's own pub/sub);
 *  - the background jobs (TTL sweeper, retention sweep, prefetcher) run in slot 1 only;
 *  - its HNSW index files live in `<dataDir>/vector-index/worker-<slot>` (an index is a cache of the store,
 *    checked against the store's version counter, so each worker keeps its own rather than sharing files).
 * Every response carries `x-sira-worker: <slot>`. SIGTERM (what the primary sends) shuts the worker down
 * gracefully; SIGINT is left to the primary (a terminal's Ctrl-C reaches every process of the group); a lost
 * primary (the IPC channel closes) shuts it down too.
 */
import cluster from 'node:cluster';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SiraOptions } from '../core/config.ts';
import { isNatsUrl } from '../storage/nats/connect.ts';
import { isRedisUrl } from '../storage/redis/connect.ts';
import type { EventWakeSource, WakeFn } from '../storage/event-hub.ts';
import { isClusterMessage, type ClusterMessage } from './cluster-messages.ts';
import { startServer } from './serve.ts';

export { isClusterMessage, type ClusterMessage } from './cluster-messages.ts';

/**
 * The event wake-up source of a worker on the embedded store: every write this worker acknowledges is published
 * to the primary, which forwards it to the other workers, whose hubs then read the session's log from their
 * subscribers' cursors. Publishes of one event-loop turn go as one message. A wake-up is only a hint (the log is
 * the source of events), so a lost one costs latency — the hub's fallback poll — never an event.
 */
export class ClusterWakeups implements EventWakeSource {
  readonly relaysWrites = true;
  #wake: WakeFn | undefined;
  #pending = new Map<string, [string, string]>();
  #scheduled = false;
  #closed = false;
  readonly #onMessage = (m: unknown) => {
    if (this.#closed || !isClusterMessage(m) || m.sira !== 'wake') return;
    for (const [tenant, sessionId] of m.keys) this.#wake?.(tenant, sessionId);
  };

  start(wake: WakeFn): void {
    this.#wake = wake;
    process.on('message', this.#onMessage);
  }

  publish(tenant: string, sessionId: string): void {
    if (this.#closed) return;
    this.#pending.set(`${tenant}\u0000${sessionId}`, [tenant, sessionId]);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#pending.size === 0 || process.send === undefined || !process.connected) return;
    const message: ClusterMessage = { sira: 'wake', keys: [...this.#pending.values()] };
    this.#pending = new Map();
    // A failed send (the primary is going away) loses wake-ups only: the other workers' fallback polls read the logs.
    process.send(message, undefined, undefined, () => {});
  }

  async close(): Promise<void> {
    this.#flush();
    this.#closed = true;
    process.off('message', this.#onMessage);
  }
}

/** Options a worker in `slot` runs with: the background jobs only in slot 1. */
export function workerOptions(options: SiraOptions, slot: number): SiraOptions {
  if (slot === 1) return options;
  return { ...options, sweepIntervalMs: 0, retentionSweepMs: 0, prefetchIntervalMs: 0 };
}

/** Run this process as worker `slot` (from SIRA_WORKER_SLOT) until it is told to stop; resolves with the exit code. */
export async function serveWorker(options: SiraOptions, logger: Logger): Promise<number> {
  const slot = Number(process.env.SIRA_WORKER_SLOT ?? cluster.worker?.id ?? 1);
  const log = logger.child({ worker: slot });
  const embedded = !isRedisUrl(options.store) && !isNatsUrl(options.store);
  const server = await startServer(workerOptions(options, slot), {
    logger: log,
    workerSlot: slot,
    vectorIndexDir: join(options.dataDir, 'vector-index', `worker-${slot}`),
    ...(embedded ? { wakeups: new ClusterWakeups() } : {}),
  });
  process.send?.({ sira: 'ready', slot, url: server.url } satisfies ClusterMessage);
  return new Promise<number>((resolve) => {
    const stop = (why: string) => {
      log.info({ why }, 'worker stopping');
      server.close().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('disconnect', () => stop('the primary is gone'));
    // Ctrl-C in a terminal signals the whole process group: the primary alone decides (it sends SIGTERM).
    process.on('SIGINT', () => {});
  });
}
