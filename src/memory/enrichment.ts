/**
 * @module memory/enrichment
 * Ties an embedder to a store for one service: the {@link EmbedQueue} that embeds appended turns off the request
 * path into the {@link EmbeddingStore}, the cached {@link QueryEmbedder}, each turn's enrichment status, and the
 * dense similarities a context request passes to the scorer. An embedder with `embedSync` (the static default)
 * skips the queue: turns are embedded inline at append (microseconds each) and only the store write is deferred
 * (serialised, the vectors readable meanwhile), so no embedding backlog ever builds up behind a bulk import.
 */
import { EMBED_MAX_CHARS, textHead } from '../core/text-limits.ts';
import type { Turn } from '../core/types.ts';
import { turnText } from '../models/chat.ts';
import { dot, QueryEmbedder, type Embedder } from '../models/embedder.ts';
import { splitHeader } from './context/speakers.ts';
import type { Store } from '../storage/store.ts';
import { DEFAULT_EMBED_QUEUE, EmbedQueue, type EmbedJob, type EmbedQueueOptions } from './embed-queue.ts';
import { EmbeddingStore } from './embedding-store.ts';

/** Enrichment status of a session's turns. */
export interface EnrichmentStatus {
  /** The embedder's id, or null when none is configured (then every turn is `pending` forever: nothing embeds). */
  embedder: string | null;
  /** Turns whose embedding is stored (searchable by meaning). */
  done: number;
  /** Turns not embedded yet. */
  pending: number;
  /** Seqs of pending turns, ascending (at most `limit`). */
  pending_seqs: number[];
}

/** What a context request gets: similarities by seq, and what it cost. */
export interface DenseScores {
  dense: Map<number, number> | undefined;
  usage: { model: string; query_ms: number; turns_embedded: number; error?: string };
}

/**
 * The text a turn is embedded from: its first {@link EMBED_MAX_CHARS} characters without a `[date] Name:` header
 * (its role when it has no text). The header is on every turn of a logged chat: embedded, the name and date made
 * short turns ("trip?? how was it?") the nearest to any question naming that person (v3 dev, static: +0.008 @2k,
 * +0.027 @1k without it). The speaker still counts, through the scorer's `speaker` component.
 */
export function embeddingText(t: Turn): string {
  const s = textHead(splitHeader(turnText(t), t.name).body, EMBED_MAX_CHARS);
  return s.trim() === '' ? `(${t.role})` : s;
}

/** The enrichment pipeline of one service. */
export class Enrichment {
  readonly embedder: Embedder;
  readonly queue: EmbedQueue;
  readonly vectors: EmbeddingStore;
  readonly query: QueryEmbedder;

  /** Vectors embedded inline whose store write is still to come, by job key (sync embedders only). */
  readonly #unwritten = new Map<string, Float32Array>();
  /** Inline vectors waiting for the writer, and the writer's run (one at a time: chunk writes are read-modify-write). */
  #toWrite: { job: EmbedJob; vector: Float32Array }[] = [];
  #writing = false;
  #writes: Promise<void> = Promise.resolve();
  #writeFailures = 0;
  /** Most inline vectors held for the writer (`maxQueued`, as for the queue): a bound, not a backlog that grows. */
  readonly #maxUnwritten: number;
  #skipped = 0;

  constructor(store: Store, embedder: Embedder, opts: Partial<EmbedQueueOptions> = {}) {
    this.#maxUnwritten = opts.maxQueued ?? DEFAULT_EMBED_QUEUE.maxQueued;
    this.embedder = embedder;
    this.vectors = new EmbeddingStore(store, embedder.id, embedder.dim);
    this.query = new QueryEmbedder(embedder);
    this.queue = new EmbedQueue(embedder, (jobs, vecs) => this.#write(jobs, vecs), opts);
  }

  /** Batches of inline writes that failed (their turns were left pending; the next context request re-embeds them). */
  get writeFailures(): number {
    return this.#writeFailures;
  }

  /** Turns embedded inline but not held for writing because `maxQueued` vectors already waited (left pending). */
  get skippedWrites(): number {
    return this.#skipped;
  }

  /** Embed turns (inline for a sync embedder, else queued) after their append was acknowledged; never throws. */
  enqueue(tenant: string, session: string, turns: readonly Turn[]): void {
    const jobs = turns.map((t) => ({ tenant, session, seq: t.seq, text: embeddingText(t) }));
    if (this.embedder.embedSync === undefined) {
      this.queue.enqueue(jobs);
      return;
    }
    try {
      this.#writeInline(jobs, this.embedder.embedSync(jobs.map((j) => j.text)));
    } catch {
      // Never fail an acknowledged append: the turns stay pending and the next context request embeds them.
      this.#writeFailures++;
    }
  }

  /** Status of these turns: done when a vector is stored (or embedded inline and being written). */
  async status(tenant: string, session: string, seqs: readonly number[], limit = 1000): Promise<EnrichmentStatus> {
    const have = await this.#read(tenant, session, seqs);
    const pending = seqs.filter((s) => !have.has(s));
    return { embedder: this.embedder.id, done: have.size, pending: pending.length, pending_seqs: pending.slice(0, limit) };
  }

  /**
   * Cosine similarity of the query to every turn that has a vector; turns without one are queued (backfill). A
   * failing query embedding leaves `dense` undefined (the scorer then renormalises without it) and says why.
   */
  async dense(tenant: string, session: string, turns: readonly Turn[], query: string): Promise<DenseScores> {
    const model = this.embedder.id;
    if (query.trim() === '') return { dense: undefined, usage: { model, query_ms: 0, turns_embedded: 0 } };
    const t0 = performance.now();
    let q: Float32Array;
    try {
      q = await this.query.embed(query);
    } catch (e) {
      return { dense: undefined, usage: { model, query_ms: round(performance.now() - t0), turns_embedded: 0, error: (e as Error).message } };
    }
    const queryMs = round(performance.now() - t0);
    const dense = await this.vectors.similarities(tenant, session, turns.map((t) => t.seq), q);
    if (this.#unwritten.size > 0) {
      for (const t of turns) {
        const v = dense.has(t.seq) ? undefined : this.#unwritten.get(jobKey(tenant, session, t.seq));
        if (v !== undefined) dense.set(t.seq, dot(q, v));
      }
    }
    const missing = turns.filter((t) => !dense.has(t.seq) && !this.queue.isHeld(tenant, session, t.seq));
    if (missing.length > 0 && this.embedder.embedSync !== undefined) {
      // Inline backfill (turns appended before this embedder, or a failed write): they score in this request.
      const jobs = missing.map((t) => ({ tenant, session, seq: t.seq, text: embeddingText(t) }));
      const vecs = this.embedder.embedSync(jobs.map((j) => j.text));
      this.#writeInline(jobs, vecs);
      jobs.forEach((j, i) => dense.set(j.seq, dot(q, vecs[i]!)));
    } else if (missing.length > 0) this.enqueue(tenant, session, missing);
    if (dense.size === 0) return { dense: undefined, usage: { model, query_ms: queryMs, turns_embedded: 0 } };
    return { dense, usage: { model, query_ms: queryMs, turns_embedded: dense.size } };
  }

  /** Resolves once every queued turn is embedded (or failed) and every inline write is done: tests and benchmarks. */
  async drain(): Promise<void> {
    await this.queue.drain();
    await this.#writes;
  }

  /** Stop the queue (the batch in flight finishes; queued turns stay pending), finish inline writes, release the embedder. */
  async close(): Promise<void> {
    await this.queue.close();
    await this.#writes;
    await this.embedder.close?.();
  }

  /** Stored vectors of these seqs, plus those embedded inline and not written yet. */
  async #read(tenant: string, session: string, seqs: readonly number[]): Promise<Map<number, Float32Array>> {
    const have = await this.vectors.read(tenant, session, seqs);
    if (this.#unwritten.size > 0) {
      for (const seq of seqs) {
        if (have.has(seq)) continue;
        const v = this.#unwritten.get(jobKey(tenant, session, seq));
        if (v !== undefined) have.set(seq, v);
      }
    }
    return have;
  }

  /**
   * Hold inline vectors readable at once and write them behind the request: one writer at a time, each write taking
   * every vector held so far (concurrent appends share one read-modify-write of a chunk instead of one each).
   */
  #writeInline(jobs: readonly EmbedJob[], vecs: readonly Float32Array[]): void {
    // Appends faster than the writer (a bulk load): past the bound the turns stay pending, as beyond the queue's
    // maxQueued, and the next context request that meets them embeds them again. Without it the held vectors grew
    // by ~1 KiB a turn for as long as the appends outran the writes (bench/internal/service-heap.ts).
    if (this.#unwritten.size + jobs.length > this.#maxUnwritten) {
      this.#skipped += jobs.length;
      return;
    }
    jobs.forEach((j, i) => {
      this.#unwritten.set(jobKey(j.tenant, j.session, j.seq), vecs[i]!);
      this.#toWrite.push({ job: j, vector: vecs[i]! });
    });
    if (this.#writing) return;
    this.#writing = true;
    this.#writes = new Promise<void>((r) => setImmediate(r)).then(async () => {
      while (this.#toWrite.length > 0) {
        const batch = this.#toWrite;
        this.#toWrite = [];
        try {
          await this.#write(
            batch.map((b) => b.job),
            batch.map((b) => b.vector),
          );
        } catch {
          // Losing the write is safe: the turns read as pending and the next context request embeds them again.
          this.#writeFailures++;
        } finally {
          for (const b of batch) this.#unwritten.delete(jobKey(b.job.tenant, b.job.session, b.job.seq));
        }
      }
      this.#writing = false;
    });
  }

  async #write(jobs: readonly EmbedJob[], vecs: readonly Float32Array[]): Promise<void> {
    const bySession = new Map<string, { tenant: string; session: string; rows: { seq: number; vector: Float32Array }[] }>();
    jobs.forEach((j, i) => {
      const k = `${j.tenant}\u0000${j.session}`;
      let g = bySession.get(k);
      if (g === undefined) bySession.set(k, (g = { tenant: j.tenant, session: j.session, rows: [] }));
      g.rows.push({ seq: j.seq, vector: vecs[i]! });
    });
    for (const g of bySession.values()) await this.vectors.write(g.tenant, g.session, g.rows);
  }
}

const jobKey = (tenant: string, session: string, seq: number) => `${tenant}\u0000${session}\u0000${seq}`;
const round = (x: number) => Math.round(x * 1000) / 1000;
