/**
 * @module memory/embed-queue
 * Enrichment off the request path (DESIGN §4): appended turns are queued after the append is acknowledged and
 * embedded in batches of up to `batchSize` texts, or whatever is queued after `maxDelayMs`. One batch runs at a
 * time. The queue is bounded: beyond `maxQueued` jobs, new ones are dropped (counted) instead of blocking or
 * failing the append; a dropped or failed turn simply stays `pending` until something enqueues it again (the
 * context path backfills turns it finds without a vector). Nothing here ever throws into the caller.
 */
import type { Embedder } from '../models/embedder.ts';

/** One text to embed, and where its vector goes. */
export interface EmbedJob {
  tenant: string;
  session: string;
  seq: number;
  text: string;
}

/** Where finished vectors go (the embedding store); a rejection counts the batch as failed. */
export type EmbedSink = (jobs: readonly EmbedJob[], vectors: readonly Float32Array[]) => Promise<void>;

/** Queue options. */
export interface EmbedQueueOptions {
  /** Most texts per embedder call. @default 16 */
  batchSize: number;
  /** Longest a queued text waits for a batch to fill (ms). @default 25 */
  maxDelayMs: number;
  /** Most jobs held (queued, not in flight); more are dropped. @default 10000 */
  maxQueued: number;
  /** Told about each failed batch (logging); must not throw. */
  onError?: (err: unknown, jobs: readonly EmbedJob[]) => void;
}
export const DEFAULT_EMBED_QUEUE: Readonly<EmbedQueueOptions> = Object.freeze({ batchSize: 16, maxDelayMs: 25, maxQueued: 10_000 });

/** Counters since the queue started. */
export interface EmbedQueueStats {
  queued: number;
  inFlight: number;
  embedded: number;
  dropped: number;
  failed: number;
}

const key = (j: { tenant: string; session: string; seq: number }) => `${j.tenant}\u0000${j.session}\u0000${j.seq}`;

/** A bounded batching queue in front of an {@link Embedder}. */
export class EmbedQueue {
  readonly embedder: Embedder;
  readonly #sink: EmbedSink;
  readonly #opts: EmbedQueueOptions;
  #jobs: EmbedJob[] = [];
  /** Keys queued or in flight, so a turn is not queued twice. */
  readonly #held = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #inFlight = 0;
  #embedded = 0;
  #dropped = 0;
  #failed = 0;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(embedder: Embedder, sink: EmbedSink, opts: Partial<EmbedQueueOptions> = {}) {
    this.embedder = embedder;
    this.#sink = sink;
    this.#opts = { ...DEFAULT_EMBED_QUEUE, ...opts };
  }

  /** Queue jobs (never throws, never waits); returns how many were accepted (the rest were dropped or already held). */
  enqueue(jobs: readonly EmbedJob[]): number {
    if (this.#closed) return 0;
    let accepted = 0;
    for (const j of jobs) {
      const k = key(j);
      if (this.#held.has(k)) continue;
      if (this.#jobs.length >= this.#opts.maxQueued) {
        this.#dropped++;
        continue;
      }
      this.#held.add(k);
      this.#jobs.push(j);
      accepted++;
    }
    if (accepted > 0) this.#schedule();
    return accepted;
  }

  /** True while the turn is queued or being embedded. */
  isHeld(tenant: string, session: string, seq: number): boolean {
    return this.#held.has(key({ tenant, session, seq }));
  }

  /** Counters. */
  stats(): EmbedQueueStats {
    return { queued: this.#jobs.length, inFlight: this.#inFlight, embedded: this.#embedded, dropped: this.#dropped, failed: this.#failed };
  }

  /** Resolves once nothing is queued or in flight (tests, benchmarks, shutdown). */
  drain(): Promise<void> {
    if (this.#jobs.length === 0 && this.#running === undefined) return Promise.resolve();
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#kick();
    }
    return new Promise((r) => this.#idle.push(r));
  }

  /**
   * Stop accepting jobs, let the batch in flight finish, and abandon the rest (counted as dropped): those turns stay
   * `pending` and are queued again by a later context request. Shutdown never waits for a backlog to be embedded.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dropped += this.#jobs.length;
    for (const j of this.#jobs) this.#held.delete(key(j));
    this.#jobs = [];
    await this.drain();
  }

  #schedule(): void {
    if (this.#running !== undefined) return;
    if (this.#jobs.length >= this.#opts.batchSize) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      // Not synchronously: the append that queued these must answer first.
      setImmediate(() => this.#kick());
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#kick();
      }, this.#opts.maxDelayMs);
      this.#timer.unref();
    }
  }

  #kick(): void {
    if (this.#running !== undefined || this.#jobs.length === 0) {
      if (this.#running === undefined) this.#wakeIdle();
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#jobs.length > 0) this.#schedule();
      else this.#wakeIdle();
    });
  }

  async #loop(): Promise<void> {
    while (this.#jobs.length > 0) {
      const batch = this.#jobs.splice(0, this.#opts.batchSize);
      this.#inFlight = batch.length;
      try {
        const vectors = await this.embedder.embed(batch.map((j) => j.text));
        await this.#sink(batch, vectors);
        this.#embedded += batch.length;
      } catch (e) {
        this.#failed += batch.length;
        try {
          this.#opts.onError?.(e, batch);
        } catch {
          // a logger that throws must not stop the queue
        }
      } finally {
        this.#inFlight = 0;
        for (const j of batch) this.#held.delete(key(j));
      }
      // Let request handlers run between batches.
      await new Promise<void>((r) => setImmediate(r));
      // Wait for a full batch or the delay again rather than running a trickle back-to-back.
      if (this.#jobs.length < this.#opts.batchSize && !this.#closed && this.#idle.length === 0) break;
    }
  }

  #wakeIdle(): void {
    const w = this.#idle;
    this.#idle = [];
    for (const r of w) r();
  }
}
