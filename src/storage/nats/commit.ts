/**
 * @module storage/nats/commit
 * The commit loop of the NATS backend (see ./nats-store.ts and docs/internals.md): read the session head (or
 * start from the one this process last wrote), roll its pending commit forward, let the caller's step decide,
 * compare-and-set the head; afterwards roll the new pending commit forward and remove garbage in the background.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { siraError } from '../../core/errors.ts';
import { casPublish, CHUNK_BYTES, deleteBlob, isWrongLastSequence, purgeKeys, type Bucket } from './blobs.ts';
import { eventHeader, isLive, referencedBlobs, writeId, type Head } from './head.ts';
import { GenKeys, headKey } from './keys.ts';
import { headOf } from './scan.ts';
import type { SessionData } from './session-data.ts';

/**
 * Ms a commit may keep losing its compare-and-set before it fails (SIRA_ERR_STORE_FAILED). Rivals alone lose a
 * writer a few rounds; endless losses mean its reads are stale: on nats-server 2.9 a SIGSTOPped stream leader that
 * resumes answers reads as leader for a while (no read lease), so the head read was old and every write on it lost
 * (4 CAS writers lost for ~110 s in a fault run; the call hung that long).
 */
const MAX_LOSING_MS = 15_000;

/** Longest event line carried in a wake-up header; a longer one sends only the id. */
const MAX_EVENT_HEADER = 4096;

const encoder = new TextEncoder();

/** What one attempt of a commit decides: the result, and the next head (absent: write nothing; null: delete). */
export interface Outcome<T> {
  value: T;
  next?: Head | null;
}

/** The head as read, with its revision (0 when the key never existed) and liveness at `now`. */
export interface Current {
  head: Head | undefined;
  rev: number;
  now: number;
  live: Head | undefined;
}

/** What the committer needs of its store. */
export interface CommitterParts {
  js: JetStreamClient;
  jsm: JetStreamManager;
  heads: Bucket;
  dataBucket: Bucket;
  data: SessionData;
  clock: () => number;
  /** Runs a call, mapping driver errors to SIRA_ERR_STORE_FAILED (and refusing once closed). */
  run: <T>(p: () => Promise<T>) => Promise<T>;
}

/** Commits to session heads, with the per-process memory that saves reads and repeated roll-forwards. */
export class HeadCommitter {
  readonly #o: CommitterParts;
  /** Head revision whose pending commit this process has rolled forward, per head key (skips repeating it). */
  readonly #settled = new Map<string, number>();
  /** Roll-forwards in flight, per head key. */
  readonly #settling = new Map<string, { rev: number; done: Promise<void> }>();
  /** The head (and revision) this process last wrote, per key: the first guess of its next write. */
  readonly #lastWritten = new Map<string, { head: Head | undefined; rev: number }>();
  /** Background work (roll-forward, garbage removal) that drain() waits for. */
  readonly #background = new Set<Promise<void>>();
  #backgroundErrors = 0;

  constructor(parts: CommitterParts) {
    this.#o = parts;
  }

  /** Background tasks that failed (each is safe to lose: see spawn); for tests and metrics. */
  get backgroundErrors(): number {
    return this.#backgroundErrors;
  }

  /** Wait for the background work. */
  async drain(): Promise<void> {
    await Promise.all([...this.#background]);
  }

  /**
   * Background work whose loss is safe: a pending commit not rolled forward is rolled forward by the next writer
   * and read from the head meanwhile; garbage not removed only takes space. Failures are counted.
   */
  spawn(work: () => Promise<void>): void {
    const p: Promise<void> = work()
      .catch(() => {
        this.#backgroundErrors++;
      })
      .finally(() => this.#background.delete(p));
    this.#background.add(p);
  }

  /** The head now (a read from the stream leader). */
  async load(tenant: string, id: string): Promise<Current> {
    const now = this.#o.clock();
    const got = headOf(await this.#o.heads.kv.get(headKey(tenant, id)));
    return { ...got, now, live: got.head !== undefined && isLive(got.head, now) ? got.head : undefined };
  }

  /** Roll the head's pending commit forward unless this process already did for this revision. */
  async #settle(tenant: string, id: string, h: Head, rev: number): Promise<void> {
    const key = headKey(tenant, id);
    if (h.p === undefined || this.#settled.get(key) === rev) return;
    // One roll-forward per revision in this process: a writer that comes while the background one runs waits for it.
    const running = this.#settling.get(key);
    if (running !== undefined && running.rev === rev) return running.done;
    const done = this.#o.data.rollForward(tenant, id, h).then(() => {
      if (this.#settled.size >= 100_000) this.#settled.clear();
      this.#settled.set(key, rev);
    });
    this.#settling.set(key, { rev, done });
    try {
      await done;
    } finally {
      if (this.#settling.get(key)?.done === done) this.#settling.delete(key);
    }
  }

  /** {@link Current} of a head this process wrote, at the current time. */
  #current(known: { head: Head | undefined; rev: number }): Current {
    const now = this.#o.clock();
    return { head: known.head, rev: known.rev, now, live: known.head !== undefined && isLive(known.head, now) ? known.head : undefined };
  }

  /** Write `next` over revision `rev` (compare-and-set); a new event rides along in a header for wake-ups. */
  async #publish(key: string, next: Head | null, rev: number, prev: Head | undefined): Promise<number> {
    const heads = this.#o.heads;
    if (next === null) return casPublish(this.#o.js, heads, key, new Uint8Array(0), rev, undefined, true);
    const event = next.p !== undefined && next.p !== prev?.p ? next.p.e : undefined;
    const line = event === undefined ? undefined : eventHeader(event);
    // A large event (a CRDT update inlined in its data) wakes without itself: every instance would receive it
    // whole, watched or not; the hub reads it from the log instead.
    const extra = line === undefined ? undefined : { 'Sira-Event': line.length <= MAX_EVENT_HEADER ? line : String(event!.id) };
    return casPublish(this.#o.js, heads, key, encoder.encode(JSON.stringify(next)), rev, extra);
  }

  /**
   * The commit loop: read the head, roll its pending commit forward, let `step` decide, compare-and-set; a lost
   * race reads again (so `step` always decides on the newest head). After the write, the new pending commit is
   * rolled forward and blobs the old head referenced but the new one does not are removed, in the background.
   * `uploads` lists blob keys the caller wrote for this change: the ones the final head does not reference are
   * removed too (an attempt that lost, or a refused write).
   */
  async commit<T>(tenant: string, id: string, step: (cur: Current) => Promise<Outcome<T>> | Outcome<T>, uploads: string[] = []): Promise<T> {
    const key = headKey(tenant, id);
    let committed: Head | null | undefined;
    // The first attempt may start from the head this process last wrote (no read): the compare-and-set checks it.
    // A decision not to write (a refusal, not found) is only taken on a head read just now.
    let cached = this.#lastWritten.get(key);
    const giveUpAt = Date.now() + MAX_LOSING_MS;
    try {
      for (;;) {
        const fromCache = cached !== undefined;
        const cur = fromCache ? this.#current(cached!) : await this.#o.run(() => this.load(tenant, id));
        cached = undefined;
        if (cur.live !== undefined) await this.#o.run(() => this.#settle(tenant, id, cur.live!, cur.rev));
        let out: Outcome<T>;
        try {
          out = await step(cur);
        } catch (err) {
          if (fromCache) continue;
          throw err;
        }
        if (out.next === undefined) {
          if (fromCache) continue;
          return out.value;
        }
        const next = out.next;
        let rev: number;
        try {
          rev = await this.#o.run(() => this.#publish(key, next, cur.rev, cur.head));
        } catch (err) {
          this.#lastWritten.delete(key);
          if (!isWrongLastSequence((err as { cause?: unknown }).cause ?? err)) throw err;
          if (Date.now() > giveUpAt) {
            // The next read goes behind a barrier (./fence.ts): whatever made them stale, a fresh start.
            this.#o.heads.fence.suspect();
            throw siraError('SIRA_ERR_STORE_FAILED', `nats: the head of ${key} moved under every write for ${MAX_LOSING_MS} ms (stale reads?)`, { cause: err });
          }
          continue;
        }
        committed = next;
        if (this.#lastWritten.size >= 10_000) this.#lastWritten.clear();
        this.#lastWritten.set(key, { head: next ?? undefined, rev });
        this.#afterCommit(tenant, id, cur.head, next, rev);
        return out.value;
      }
    } finally {
      const keep = committed ? new Set(this.#blobKeys(tenant, id, committed)) : new Set<string>();
      const drop = uploads.filter((k) => !keep.has(k));
      if (drop.length > 0) this.spawn(async () => void (await Promise.all(drop.map((k) => deleteBlob(this.#o.dataBucket, k)))));
    }
  }

  #blobKeys(tenant: string, id: string, h: Head): string[] {
    const keys = new GenKeys(tenant, id, h.g);
    return referencedBlobs(h).map((r) => (r.startsWith('b:') ? keys.batch(r.slice(2)) : keys.tensor(r.slice(2))));
  }

  /** Keys of the head's tensor blobs too small to have chunks (their removal is one purge, not two). */
  #unchunked(tenant: string, id: string, h: Head): Set<string> {
    const keys = new GenKeys(tenant, id, h.g);
    // A record is the bytes plus a header of at most 12 + 4 × 255 + 7 bytes (codec/tensor-record.ts).
    return new Set(Object.values(h.tx).flatMap((t) => (t.byte_length + 2048 <= CHUNK_BYTES ? [keys.tensor(t.w)] : [])));
  }

  #afterCommit(tenant: string, id: string, prev: Head | undefined, next: Head | null, rev: number): void {
    if (next?.p !== undefined) {
      this.spawn(() => this.#settle(tenant, id, next, rev));
    }
    if (prev === undefined) return;
    if (next === null || next.g !== prev.g) {
      // Deleted, or re-created over an expired head: the old generation's keys are all garbage.
      const keys = new GenKeys(tenant, id, prev.g);
      this.spawn(async () => void (await Promise.all(keys.filters().map((f) => purgeKeys(this.#o.dataBucket, f)))));
      return;
    }
    const keep = new Set(this.#blobKeys(tenant, id, next));
    const drop = this.#blobKeys(tenant, id, prev).filter((k) => !keep.has(k));
    if (drop.length === 0) return;
    const unchunked = this.#unchunked(tenant, id, prev);
    this.spawn(async () => void (await Promise.all(drop.map((k) => deleteBlob(this.#o.dataBucket, k, !unchunked.has(k))))));
  }

  /** A blob key for this change under the head's generation, written once per generation. */
  async upload(tenant: string, id: string, h: Head, kind: 'batch' | 'tensor', bytes: Uint8Array, uploads: string[], cache: Map<string, string>): Promise<string> {
    const hit = cache.get(h.g);
    if (hit !== undefined) return hit;
    const w = writeId();
    const keys = new GenKeys(tenant, id, h.g);
    const key = kind === 'batch' ? keys.batch(w) : keys.tensor(w);
    uploads.push(key);
    await this.#o.run(() => this.#o.data.putBlob(key, bytes));
    cache.set(h.g, w);
    return w;
  }
}
